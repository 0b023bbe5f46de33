package org.wirechat.server.core.port;

import java.util.concurrent.CompletableFuture;

/**
 * The send lane (docs/architecture.md §3): SENDs and acknowledgements queued to the store's one writer, which takes
 * them a batch at a time, opens its {@link BatchView} (the reads the core's SEND rule needs, with the locks it needs),
 * has the rule decide each SEND against it (through the {@link SendDecisions} the core gave the store), and writes the
 * decided records atomically. Sends queued one after another to the same recipient are stored in that order.
 */
public interface SendLane {

    /**
     * Stores a message to the live account or group named {@code recipient} (ignoring case) durably, or says why not:
     * the future completes once the outcome is durable. A message with the same sender and client id as a stored one
     * is not stored again. The name is resolved in the same transaction as the write, so a deleted or re-created
     * account is never mixed up. {@code device}: the sender's device it comes from ({@code ""}: the default device;
     * null: from no device, as an administrator's tools would); while the sender has another device holding its
     * messages, each of those gets a copy through its inbox (docs/conversations_design.md §1) — not counted against the
     * sender's inbox, never handed back to {@code device}.
     */
    CompletableFuture<SendOutcome> sendLater(long senderId, String device, String recipient, String clientMessageId,
            String body, long nowMillis, int inboxCapacity);

    /** {@link #sendLater(long, String, String, String, String, long, int)} from no device, waiting for its outcome. */
    SendOutcome send(long senderId, String recipient, String clientMessageId, String body, long nowMillis, int inboxCapacity);

    /** {@link #sendLater(long, String, String, String, String, long, int)} from no device. */
    default CompletableFuture<SendOutcome> sendLater(long senderId, String recipient, String clientMessageId, String body,
            long nowMillis, int inboxCapacity) {
        return sendLater(senderId, null, recipient, clientMessageId, body, nowMillis, inboxCapacity);
    }

    /**
     * Marks the account's messages with id &lt;= {@code throughId} received by one of its devices ({@code ""}: the
     * default device, LOGIN's), at {@code nowMillis}; a message is delivered to the account once every device holding
     * it has it (docs/conversations_design.md). Not awaited: it is ordered before every later write, and a crash at
     * worst redelivers messages (clients drop duplicates by id).
     */
    void acknowledgeLater(long accountId, String device, long throughId, long nowMillis);
}
