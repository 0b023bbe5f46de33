package org.wirechat.server.core.port;

import java.time.Duration;
import java.util.List;

/**
 * The messages as the stores keep them, read side, and the device marks (docs/architecture.md §2.4): what waits for
 * a device, the counts LOGIN and LOGIN_DEVICE answer, the devices an account has, the two histories, the retention
 * purge. Storing a message and acknowledging one ({@code sendLater}, {@code acknowledgeLater}) are not here: they
 * are the send lane's ({@link SendLane}), whose batches the core's rules decide (§3).
 *
 * <p>Today's names are kept where §2.4's sketch renames ({@code undelivered} for {@code waiting}; {@code unread},
 * {@code undeliveredCount} and {@code missed} for one {@code counts}; {@code groupHistory} beside {@code history} for
 * its {@code Conversation}; {@code purgeDeliveredBefore} for {@code purge}): both stores, their tests and the boot code
 * call them by these names, and the batch view will reshape the counts anyway. The device horizon is still set
 * after construction ({@link #deviceHorizon}), as the boot code does today.
 */
public interface MessageStore {

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
     * The conversation between two accounts, both directions, with id &lt; {@code beforeId} (or all when
     * 0), <b>newest first</b>, at most {@code max}.
     */
    List<StoredMessage> history(long accountId, long peerId, long beforeId, int max);

    /** The group's messages with id &lt; {@code beforeId} (or all when 0), <b>newest first</b>, at most {@code max}. */
    List<StoredMessage> groupHistory(long groupId, long beforeId, int max);

    /**
     * The messages in {@code scope} whose body {@code query} matches (its rule, {@link SearchQuery}: the store's
     * full-text index, and what is not indexed yet matched by {@link SearchQuery#matches}), with id &lt;
     * {@code beforeId} (or all when 0), <b>newest first</b>, at most {@code max}; a group's message named by the
     * group's name now.
     */
    List<StoredMessage> search(SearchQuery query, SearchScope scope, long beforeId, int max);

    /** Deletes delivered messages stored before the cutoff; returns how many. */
    int purgeDeliveredBefore(long cutoffMillis);
}
