package org.wirechat.server.storage;

import java.util.concurrent.CompletableFuture;
import org.wirechat.server.core.port.AccountStore;
import org.wirechat.server.core.port.GroupStore;
import org.wirechat.server.core.port.Maintenance;
import org.wirechat.server.core.port.MessageStore;
import org.wirechat.server.core.port.ReceiptStore;
import org.wirechat.server.core.port.SendOutcome;
import org.wirechat.server.core.port.TokenStore;

/**
 * Everything the server keeps: every port of {@code core.port}, and the send lane's two methods (storing a message,
 * acknowledging one) until the send batch view (docs/architecture.md §3) takes them and this interface goes.
 * Implementations are thread-safe; every method that changes state returns only once the change is durable (unless
 * it says otherwise). Accounts are referred to by an internal id that is never reused, so a new account of a deleted
 * one's name inherits nothing. Usernames are matched ignoring case.
 */
public interface Store extends TokenStore, AccountStore, GroupStore, MessageStore, ReceiptStore, Maintenance {

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
}
