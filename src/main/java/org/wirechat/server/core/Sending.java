package org.wirechat.server.core;

import java.time.Clock;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.wirechat.server.core.ChatRequest.Send;
import org.wirechat.server.core.ChatResult.Sent;
import org.wirechat.server.core.port.GroupInfo;
import org.wirechat.server.core.port.SendLane;
import org.wirechat.server.core.port.SendOutcome;
import org.wirechat.server.core.port.StorageUnavailableException;
import org.wirechat.server.core.inbox.InboxWaiters;

/** SEND, to an account or a group: checked now, stored later, answered once durable. */
final class Sending {
    private final ChatSettings settings;
    private final SendLane lane;
    private final InboxWaiters waiters;
    private final Clock clock;

    Sending(ChatSettings settings, SendLane lane, InboxWaiters waiters, Clock clock) {
        this.settings = settings;
        this.lane = lane;
        this.waiters = waiters;
        this.clock = clock;
    }

    /**
     * The server's limit on a message's length ({@code --max-message-chars}), in characters (code points). The
     * spec's field rules (at least one character, at most the protocol's ceiling) are the transports', checked
     * when they decode a SEND (protocol.Limits.checkBody), always before this.
     */
    static void checkLength(String body, int max) throws ChatException {
        int n = body.codePointCount(0, body.length());
        if (n > max) {
            throw new ChatException(ChatError.MESSAGE_TOO_LONG, "a message has at most " + max + " characters, this one has " + n);
        }
    }

    /**
     * A SEND whose answer comes once the message is durable: the message's length is checked, then the group
     * rate taken (its rate class, MESSAGE_TO_GROUP: a message refused for its length does not count), then the
     * storing is queued. Sends from one connection are stored in the order they were queued.
     */
    CompletableFuture<Sent> send(Send s, Asker asker) throws ChatException {
        checkLength(s.body(), settings.maxMessageChars());
        asker.permit().groupMessage(s.recipient(), asker);
        long me = asker.accountId();
        // the recipient's name is resolved by the store's send lane, in the write itself: no read on the way
        return lane.sendLater(me, asker.device(), s.recipient(), s.clientMessageId(), s.body(), clock.millis(),
                        settings.inboxCapacity())
                .handle((outcome, failure) -> {
                    if (failure == null) {
                        return sent(s, me, outcome);
                    }
                    Throwable cause = failure instanceof CompletionException ? failure.getCause() : failure;
                    if (cause instanceof StorageUnavailableException u) {
                        throw new CompletionException(Chat.unavailable(u));
                    }
                    throw failure instanceof CompletionException c ? c : new CompletionException(failure);
                });
    }

    private Sent sent(Send s, long me, SendOutcome outcome) {
        return switch (outcome) {
            case SendOutcome.Stored st -> {
                waiters.wake(st.recipientId());
                if (st.copied()) { // the sender's other devices have a copy
                    waiters.wake(me);
                }
                yield new Sent(st.id(), st.timestampMillis());
            }
            case SendOutcome.GroupStored st -> {
                st.recipients().forEach(waiters::wake);
                if (st.copied()) {
                    waiters.wake(me);
                }
                yield new Sent(st.id(), st.timestampMillis());
            }
            case SendOutcome.NotAMember n -> throw refused(ChatError.NOT_A_MEMBER,
                    "you are not a member of " + s.recipient() + " — message not sent");
            case SendOutcome.Duplicate d -> new Sent(d.id(), d.timestampMillis());
            case SendOutcome.ClientIdReused r -> throw refused(ChatError.CLIENT_ID_REUSED,
                    "client message id " + s.clientMessageId() + " was already used for a different message");
            case SendOutcome.InboxFull f -> throw refused(ChatError.INBOX_FULL, f.recipient() + "'s inbox is full ("
                    + f.undelivered() + " undelivered messages) — " + (GroupInfo.isGroupName(s.recipient())
                            ? "nothing sent to anyone in " + s.recipient() + "; until " + f.recipient()
                                    + " reads them, the group's owner may remove " + f.recipient() + " from it (GROUP_REMOVE)"
                            : "message not sent"));
            case SendOutcome.NoRecipient n -> throw GroupInfo.isGroupName(s.recipient())
                    ? refused(ChatError.NO_SUCH_GROUP, "no such group: " + s.recipient() + " — message not sent")
                    : refused(ChatError.NO_SUCH_USER, "no such user: " + s.recipient() + " — message not sent");
        };
    }

    private static CompletionException refused(ChatError error, String detail) {
        return new CompletionException(new ChatException(error, detail));
    }
}
