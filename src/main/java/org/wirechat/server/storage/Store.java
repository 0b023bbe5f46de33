package org.wirechat.server.storage;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import org.wirechat.server.core.port.AccountStore;
import org.wirechat.server.core.port.CommitStats;
import org.wirechat.server.core.port.DeviceSeen;
import org.wirechat.server.core.port.GroupStore;
import org.wirechat.server.core.port.StorageFault;
import org.wirechat.server.core.port.StoredMessage;
import org.wirechat.server.core.port.TokenStore;

/**
 * Everything the server keeps. Implementations are thread-safe; every method that changes state
 * returns only once the change is durable (unless it says otherwise). Accounts are referred to by an
 * internal id that is never reused, so a new account of a deleted one's name inherits nothing.
 * Usernames are matched ignoring case.
 */
public interface Store extends TokenStore, AccountStore, GroupStore, AutoCloseable {

    /**
     * Stores a message to the live account named {@code recipient} (ignoring case) durably, or says why
     * not. A message with the same sender and client id as a stored one is not stored again. The name is
     * resolved in the same transaction as the write, so a deleted or re-created account is never mixed up.
     */
    SendOutcome send(long senderId, String recipient, String clientMessageId, String body, long nowMillis,
            int inboxCapacity);

    /**
     * The same as {@link #send}, without waiting: the future completes once the outcome is durable.
     * Sends queued one after another to the same recipient are stored in that order (SQLite keeps the
     * order of all; PostgreSQL gives a batch's ids out in the order its SENDs were queued).
     */
    default CompletableFuture<SendOutcome> sendLater(long senderId, String recipient, String clientMessageId,
            String body, long nowMillis, int inboxCapacity) {
        return sendLater(senderId, null, recipient, clientMessageId, body, nowMillis, inboxCapacity);
    }

    /**
     * The same, sent from the sender's device {@code device} ({@code ""}: the default device; null: from no
     * device, as an administrator's tools would): while the sender has another device holding its
     * messages, each of those gets a copy through its inbox (docs/conversations_design.md §1) — not counted
     * against the sender's inbox, never handed back to {@code device}.
     */
    CompletableFuture<SendOutcome> sendLater(long senderId, String device, String recipient,
            String clientMessageId, String body, long nowMillis, int inboxCapacity);

    /**
     * Marks the account's messages with id &lt;= {@code throughId} received by one of its devices ({@code ""}:
     * the default device, LOGIN's), at {@code nowMillis}; a message is delivered to the account once every
     * device holding it has it (docs/conversations_design.md). Not awaited: it is ordered before every later
     * write, and a crash at worst redelivers messages (clients drop duplicates by id).
     */
    void acknowledgeLater(long accountId, String device, long throughId, long nowMillis);

    /** {@link #acknowledgeLater(long, String, long, long)} by the default device, now. */
    default void acknowledgeLater(long accountId, long throughId) {
        acknowledgeLater(accountId, "", throughId, System.currentTimeMillis());
    }

    /** Messages to the account the device has not received, with id &gt; {@code afterId}, oldest first, at most {@code max}. */
    List<StoredMessage> undelivered(long accountId, String device, long afterId, int max);

    /** {@link #undelivered(long, String, long, int)} for the default device. */
    default List<StoredMessage> undelivered(long accountId, long afterId, int max) {
        return undelivered(accountId, "", afterId, max);
    }

    /** Messages to the account the device has not received (its unread count). */
    long unread(long accountId, String device);

    /** Messages to the account some device of it holding them has not received (what the inbox cap counts). */
    long undeliveredCount(long accountId);

    /**
     * The device asked for its mail at {@code nowMillis}: it is active (and so holds its account's
     * messages), and a device back after the device horizon starts at the account's floor.
     */
    void seen(long accountId, String device, long nowMillis);

    /**
     * A device logged in (LOGIN_DEVICE): from now on it holds the account's messages — its mark starts at
     * the account's floor — unless it has a mark already. Ordered before every later acknowledgement, and
     * after every acknowledgement answered before it: a new device never starts below what every device
     * holding the account's messages had acknowledged (it may wait for those to commit). Returns once the
     * registration is stored, so a crash after LOGIN_DEVICE's answer keeps the device (while the store refuses
     * writes it may be kept in memory until the store takes them, as a login's token is).
     */
    void register(long accountId, String device, long nowMillis);

    /**
     * How many of the account's messages the device missed for good — delivered to the account while it
     * was away past the device horizon (they are in history); 0 for a device never seen or never away.
     */
    long missed(long accountId, String device);

    /**
     * The account's devices that have a mark (each device from its LOGIN_DEVICE on, a registration answered
     * before included; the default device once it has acknowledged something), with when each was last seen.
     */
    List<DeviceSeen> devices(long accountId);

    /** A device idle longer than this no longer holds its account's messages (docs/conversations_design.md). */
    void deviceHorizon(Duration horizon);

    /**
     * The smallest id of a message from {@code senderId} to {@code recipientId} that the recipient has not
     * acknowledged (acknowledgements on their way count as made), or 0 when every one has been.
     */
    long oldestWaiting(long recipientId, long senderId);

    /**
     * The conversation between two accounts, both directions, with id &lt; {@code beforeId} (or all when
     * 0), <b>newest first</b>, at most {@code max}.
     */
    List<StoredMessage> history(long accountId, long peerId, long beforeId, int max);

    // groups: GroupStore (change, groupsOf, findGroup); their receipts and history stay here until step 5

    /**
     * Of the live accounts the sender's message {@code messageId} to the group reached (its members then,
     * the sender left out) that share receipts, how many there are and how many have it (at least one of
     * their devices acknowledged it, as committed): {members, delivered}; empty if it is not the sender's
     * message to that group.
     */
    Optional<long[]> groupReceipts(long groupId, long senderId, long messageId);

    /** The group's messages with id &lt; {@code beforeId} (or all when 0), <b>newest first</b>, at most {@code max}. */
    List<StoredMessage> groupHistory(long groupId, long beforeId, int max);

    /**
     * The fault that makes the store refuse writes right now (disk full, read-only, unreachable), if
     * any; it clears by itself when a write succeeds again.
     */
    Optional<StorageFault> storageFault();

    /**
     * Why the store cannot serve now, or {@code null} when it can (for the readiness check): a storage
     * fault, and with PostgreSQL an unreachable database or a lost notification connection.
     */
    default String notReady() {
        return storageFault().map(f -> "the store refuses writes: " + f).orElse(null);
    }

    /** The group commits so far, where the store counts them (the message log); empty otherwise. */
    default Optional<CommitStats> commitStats() {
        return Optional.empty();
    }

    /** Messages waiting to be delivered (for a metrics scrape, not the hot path); empty where the store cannot tell. */
    default OptionalLong undeliveredTotal() {
        return OptionalLong.empty();
    }

    /**
     * Copies everything stored into {@code dest} (a directory that must not exist yet), consistent while
     * the server serves: a server started on the copy has every message acknowledged before the backup
     * began. Returns a line saying what was copied.
     *
     * @throws IOException it could not be made, or the store is backed up by its own tools
     *         (PostgreSQL: pg_dump), with what to do
     */
    String backup(Path dest) throws IOException;

    /** Checks the stored data's integrity while serving; returns what was checked, or throws what is wrong. */
    String check();

    /** A short description of where the data is, for the startup line (never a password). */
    String describe();

    /** True when other servers may serve the same accounts from this store (PostgreSQL); a store of one server's own says false. */
    default boolean shared() {
        return false;
    }

    /** Deletes delivered messages stored before the cutoff; returns how many. */
    int purgeDeliveredBefore(long cutoffMillis);

    @Override
    void close();
}
