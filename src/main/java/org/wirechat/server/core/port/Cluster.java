package org.wirechat.server.core.port;

import java.util.Collection;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.UnaryOperator;

/**
 * What the servers sharing one store must tell each other: changes that wake polls or end sessions, who
 * is online where, failed logins per username (and per username and address), and the addresses each
 * account logged in from lately. With PostgreSQL, several servers share it
 * ({@code PostgresStore} is also the cluster); a server on its own has a {@code LocalCluster}, which keeps
 * the failed logins in memory and has no one else to tell. It is a port (docs/architecture.md §2.7), so that
 * the PostgreSQL store implements it without importing anything above storage, and the admission uses it
 * without knowing a store; the boot code ({@code Stores}) hands each server the cluster that goes with its store.
 */
public interface Cluster {
    /** True when other servers may share the store (presence is then worth publishing). */
    boolean shared();


    /**
     * What other servers sharing this store changed, for a server to act on: wake the fetches waiting
     * for that mail, forget cached tokens. These are hints; the store stays the truth.
     */
    interface Changes {
        /** New mail for the account. */
        void inbox(long accountId);

        /** A token (by its SHA-256) was revoked. */
        void tokenRevoked(byte[] tokenHash);

        /** The account was deleted, with all its tokens. */
        void accountDeleted(long accountId);

        /** Some changes may have been missed (the store's link to the others was broken): re-check everything. */
        void missedSome();

        /** A live event for these accounts' devices that SYNC on this server. */
        void live(Collection<Long> accountIds, LiveNotice notice);
    }

    /**
     * Tells the other servers a live event for these accounts (a hint: never stored, lost if the link is down; this
     * server's own devices its caller serves itself).
     */
    void tellLive(Collection<Long> accountIds, LiveNotice notice);

    /** Starts telling {@code changes} what other servers change (this server's own changes its caller handles). */
    void listen(Changes changes);

    /**
     * Publishes, for each account, whether it has a connection on this server now. This server's presence
     * is forgotten when it closes, or when it stops renewing its heartbeat.
     */
    void publishPresence(Map<Long, Boolean> onlineHere);

    /** Of these accounts, those with a connection on another live server sharing the store. */
    Set<Long> onlineElsewhere(Collection<Long> accountIds);

    /**
     * A key's failed logins as shared by every server on this store, or empty when there are none. Keys are
     * a username's key, or a username's key, a space and an address (a space is never in a username).
     */
    Optional<LoginFailures> loginFailures(String usernameKey);

    /** Records a failed login atomically: {@code next} turns the current state (or {@code null}) into the new one. */
    LoginFailures recordLoginFailure(String usernameKey, UnaryOperator<LoginFailures> next);

    /** Forgets a username's failures (a successful login), or all failures before the cutoff when the key is null. */
    void clearLoginFailures(String usernameKey, long beforeMillis);

    /** Remembers that the account logged in successfully from {@code address} at {@code atMillis}. */
    void recordLoginSource(long accountId, String address, long atMillis);

    /** Whether the account logged in successfully from {@code address} at or after {@code sinceMillis}. */
    boolean knownLoginSource(long accountId, String address, long sinceMillis);

    /** Forgets the successful logins before the cutoff. */
    void forgetLoginSources(long beforeMillis);
}
