package org.wirechat.server.core.port;

import java.util.Optional;

/**
 * What RECEIPTS and GROUP_RECEIPTS ask of the stores (docs/architecture.md §2.4): counts the store computes over its
 * marks; whether the asker may see them (both accounts share receipts) is the core's ({@code core.Receipts}).
 * {@code groupReceipts} keeps today's name and its {@code long[]} answer ({members, delivered}) rather than §2.4's
 * {@code ofGroupMessage} and a record: the stores build that array in their statements, and the core turns it into
 * its {@code GroupReceiptCounts} result in one place.
 */
public interface ReceiptStore {

    /**
     * The smallest id of a message from {@code senderId} to {@code recipientId} that the recipient has not
     * acknowledged (acknowledgements on their way count as made), or 0 when every one has been.
     */
    long oldestWaiting(long recipientId, long senderId);

    /**
     * Of the live accounts the sender's message {@code messageId} to the group reached (its members then,
     * the sender left out) that share receipts, how many there are and how many have it (at least one of
     * their devices acknowledged it, as committed): {members, delivered}; empty if it is not the sender's
     * message to that group.
     */
    Optional<long[]> groupReceipts(long groupId, long senderId, long messageId);
}
