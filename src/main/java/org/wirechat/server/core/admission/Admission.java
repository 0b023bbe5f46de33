package org.wirechat.server.core.admission;

import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.LongSupplier;

/**
 * Admits connections, for both transports at once: one count of the open connections (at most
 * {@code --max-connections} on the wire protocol and gRPC together) and one count per client address (at most
 * {@code --max-connections-per-address}, a wire connection and an HTTP/2 connection from one address counting
 * together). Each admitted connection gets its {@link Connection}: its request bucket and the accounts it holds
 * online. The transports answer a refusal their own way (the wire with a SERVER_BUSY frame, gRPC by closing
 * the connection as it is accepted). Thread-safe, lock-free: a count is taken by one atomic step, so connections
 * accepted at once on both transports never pass a limit together.
 */
public final class Admission {
    /** The limit that refused a connection; {@link #reason()} is the {@code wirechat_connections_refused_total} label. */
    public enum Limit {
        /** {@code --max-connections}: the server has that many open, on both transports. */
        CONNECTIONS("max_connections"),
        /** {@code --max-connections-per-address}: the address has that many open, on both transports. */
        PER_ADDRESS("per_address");

        private final String reason;

        Limit(String reason) {
            this.reason = reason;
        }

        public String reason() {
            return reason;
        }
    }

    private final int maxConnections;
    private final int maxPerAddress;
    private final int requestBurst;
    private final int requestsPerSecond;
    private final Presence presence;
    private final LongSupplier nanoClock;
    private final AtomicInteger open = new AtomicInteger();
    /** Open connections per address; an address is here only while it has one open. */
    private final ConcurrentHashMap<String, Integer> perAddress = new ConcurrentHashMap<>();

    public Admission(int maxConnections, AbuseLimits limits, Presence presence) {
        this(maxConnections, limits, presence, System::nanoTime);
    }

    /** With the clock the request buckets start from (tests pass their own). */
    Admission(int maxConnections, AbuseLimits limits, Presence presence, LongSupplier nanoClock) {
        this.maxConnections = maxConnections;
        this.maxPerAddress = limits.connectionsPerAddress();
        this.requestBurst = limits.requestBurst();
        this.requestsPerSecond = limits.requestsPerSecond();
        this.presence = presence;
        this.nanoClock = nanoClock;
    }

    /**
     * A new connection from {@code address} on either transport, counted until it is {@linkplain Connection#close()
     * closed}; empty (nothing counted, {@code refused} told which limit) past {@code --max-connections} or per
     * address — the transport answers SERVER_BUSY. {@code logins} says how it holds accounts online.
     */
    public Optional<Connection> open(String address, Connection.Logins logins, Consumer<Limit> refused) {
        if (open.incrementAndGet() > maxConnections) {
            open.decrementAndGet();
            refused.accept(Limit.CONNECTIONS);
            return Optional.empty();
        }
        if (!countAddress(address)) {
            open.decrementAndGet();
            refused.accept(Limit.PER_ADDRESS);
            return Optional.empty();
        }
        return Optional.of(new Connection(this, address, logins, presence,
                new TokenBucket(requestBurst, requestsPerSecond, nanoClock.getAsLong())));
    }

    private boolean countAddress(String address) {
        boolean[] ok = {false};
        perAddress.compute(address, (a, n) -> {
            int now = n == null ? 0 : n;
            ok[0] = now < maxPerAddress;
            return ok[0] ? now + 1 : n;
        });
        return ok[0];
    }

    /** A connection closed: its counts are released (once: {@link Connection#close()} calls this once). */
    void release(String address) {
        perAddress.computeIfPresent(address, (a, n) -> n == 1 ? null : n - 1);
        open.decrementAndGet();
    }

    /** Connections open now, on both transports. */
    public int open() {
        return open.get();
    }

    /** Connections open now from {@code address}, on both transports. */
    public int openFrom(String address) {
        return perAddress.getOrDefault(address, 0);
    }

    public int maxConnections() {
        return maxConnections;
    }

    public int maxConnectionsPerAddress() {
        return maxPerAddress;
    }

    /** The request rate each connection's bucket refills at ({@code --request-rate}), for the refusal's text. */
    public int requestsPerSecond() {
        return requestsPerSecond;
    }
}
