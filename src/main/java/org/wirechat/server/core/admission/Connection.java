package org.wirechat.server.core.admission;

import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One admitted connection, on either transport ({@link Admission#open}): its client's address, its request
 * bucket ({@code --request-rate}, {@code --request-burst}), and the accounts it holds online. Every account with
 * an authenticated request on it is online ({@link Presence}) until it logs out on it or the connection closes;
 * a wire connection holds one account at a time ({@link Logins#ONE}: a request with another account's token
 * replaces it, docs/wire_design.md §5), an HTTP/2 connection any number ({@link Logins#MANY}: a gateway, or
 * several people's clients in one process, docs/grpc.md). Thread-safe: gRPC's calls on one connection run at once.
 */
public final class Connection implements AutoCloseable {
    /** How many accounts a connection holds online at once. */
    public enum Logins {
        /** One: authenticating as another account replaces the one held (the wire protocol). */
        ONE,
        /** Any number: each stays until it logs out or the connection closes (gRPC). */
        MANY
    }

    private final Admission admission;
    private final String address;
    private final Logins logins;
    private final Presence presence;
    private final TokenBucket requests;
    /** Guards {@link #accounts} and {@link #closed}; never held across I/O (Presence only counts and queues). */
    private final ReentrantLock lock = new ReentrantLock();
    private final Set<Long> accounts = new HashSet<>();
    private boolean closed;
    /** The account last authenticated on it and still held, or -1 (for the wire's logging context). */
    private volatile long lastAccount = -1;

    Connection(Admission admission, String address, Logins logins, Presence presence, TokenBucket requests) {
        this.admission = admission;
        this.address = address;
        this.logins = logins;
        this.presence = presence;
        this.requests = requests;
    }

    /** The client's IP address (per-address limits, the audit log). */
    public String address() {
        return address;
    }

    /**
     * Takes one request from the connection's bucket: 0 if it may go ahead, else (nothing taken) the nanoseconds
     * until it could. What to do then is the transport's (the wire slows the connection, gRPC refuses the call).
     */
    public long take(long nowNanos) {
        return requests.tryTake(nowNanos);
    }

    /** A request on this connection was made with a valid token of this account (or logged it in): it is online. */
    public void authenticatedAs(long accountId) {
        lock.lock();
        try {
            if (closed) {
                return;
            }
            if (logins == Logins.ONE && !accounts.contains(accountId)) {
                accounts.forEach(presence::leave);
                accounts.clear();
            }
            if (accounts.add(accountId)) {
                presence.arrive(accountId);
            }
            lastAccount = accountId;
        } finally {
            lock.unlock();
        }
    }

    /** The account logged out on this connection (its token revoked): it no longer holds it online. */
    public void loggedOut(long accountId) {
        lock.lock();
        try {
            if (accounts.remove(accountId)) {
                presence.leave(accountId);
            }
            if (lastAccount == accountId) {
                lastAccount = -1;
            }
        } finally {
            lock.unlock();
        }
    }

    /** The accounts it holds online now. */
    public Set<Long> accounts() {
        lock.lock();
        try {
            return Set.copyOf(accounts);
        } finally {
            lock.unlock();
        }
    }

    /** The account last authenticated on it and still held, or -1. */
    public long lastAccount() {
        return lastAccount;
    }

    /** Releases its place in the connection counts and leaves presence for every account it held; once, from any thread. */
    @Override
    public void close() {
        lock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            accounts.forEach(presence::leave);
            accounts.clear();
            lastAccount = -1;
        } finally {
            lock.unlock();
        }
        admission.release(address);
    }

    @Override
    public String toString() {
        return "Connection[" + address + "]";
    }
}
