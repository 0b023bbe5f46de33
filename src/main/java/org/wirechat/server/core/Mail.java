package org.wirechat.server.core;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import org.wirechat.server.core.auth.Tokens;
import org.wirechat.server.core.ChatResult.Acked;
import org.wirechat.server.core.ChatResult.Events;
import org.wirechat.server.core.ChatResult.TypingEvent;
import org.wirechat.server.core.ChatResult.Messages;
import org.wirechat.server.core.port.MessageStore;
import org.wirechat.server.core.port.SendLane;
import org.wirechat.server.core.port.StoredMessage;
import org.wirechat.server.core.inbox.InboxWaiters;

/** FETCH and SYNC, and their halves for a transport that pushes (gRPC): ACK, NEXT and SYNC_NEXT. */
final class Mail {
    private final ChatSettings settings;
    private final SendLane lane;
    private final MessageStore messages;
    private final InboxWaiters waiters;
    private final DeviceHolders holders;
    private final LiveEvents live;
    private final Clock clock;

    Mail(ChatSettings settings, SendLane lane, MessageStore messages, InboxWaiters waiters, DeviceHolders holders,
            LiveEvents live, Clock clock) {
        this.settings = settings;
        this.lane = lane;
        this.messages = messages;
        this.waiters = waiters;
        this.holders = holders;
        this.live = live;
        this.clock = clock;
    }

    /** ACK then NEXT in one: acknowledges through {@code ackThrough}, then answers what waits after it (waiting up to the limit). */
    Messages fetch(ChatRequest.Fetch f, Asker asker) throws ChatException, InterruptedException {
        ack(new ChatRequest.Ack(f.ackThrough()), asker);
        return next(new ChatRequest.Next(f.ackThrough(), f.maxCount(), f.maxWaitMillis()), asker);
    }

    /** FETCH's acknowledgement and wait, answering the messages and the live events for the device (SYNC). */
    Events sync(ChatRequest.Sync s, Asker asker) throws ChatException, InterruptedException {
        ack(new ChatRequest.Ack(s.ackThrough()), asker);
        return syncNext(new ChatRequest.SyncNext(s.ackThrough(), s.maxCount(), s.maxWaitMillis()), asker);
    }

    /** SYNC acknowledging nothing (gRPC's Sync stream): what waits after {@code afterId}, waiting up to the limit for some. */
    Events syncNext(ChatRequest.SyncNext n, Asker asker) throws ChatException, InterruptedException {
        messages.seen(asker.accountId(), asker.device(), clock.millis());
        // first of all: from here on events are kept for the device (its first SYNC registers it), before it waits
        List<TypingEvent> typing = new ArrayList<>(live.take(asker.accountId(), asker.device(), clock.millis()));
        List<StoredMessage> found = waitFor(asker, n.afterId(), n.maxCount(), n.maxWaitMillis(), typing);
        return new Events(core(found), typing);
    }

    /** Acknowledges the caller's messages through {@code throughId}, as FETCH does before it answers (gRPC's Ack). */
    Acked ack(ChatRequest.Ack a, Asker asker) {
        if (a.throughId() > 0) {
            lane.acknowledgeLater(asker.accountId(), asker.device(), a.throughId(), clock.millis());
        }
        return new Acked();
    }

    /**
     * For a transport that pushes messages (gRPC's Subscribe): the undelivered messages after
     * {@code afterId}, waiting up to the request's wait for one; acknowledges nothing.
     */
    Messages next(ChatRequest.Next n, Asker asker) throws ChatException, InterruptedException {
        messages.seen(asker.accountId(), asker.device(), clock.millis());
        return new Messages(core(waitFor(asker, n.afterId(), n.maxCount(), n.maxWaitMillis(), null)));
    }

    /** Refuses a FETCH (or ACK, NEXT) by a login of a device that a newer login has taken over (Login.HOLDING). */
    void holding(Tokens.Session me, String token) throws ChatException {
        if (!holders.holds(me.accountId(), me.device(), token)) {
            throw new ChatException(ChatError.DEVICE_IN_USE, "device " + me.device()
                    + " is in use by a newer login (another client uses the same device id); nothing acknowledged"
                    + " — this client no longer receives messages as that device");
        }
    }

    /**
     * The device's undelivered messages after {@code afterId}, waiting up to {@code waitMillis} (clamped) for one to
     * come — or, when {@code typing} is given (SYNC), for a live event, which it receives.
     */
    private List<StoredMessage> waitFor(Asker asker, long afterId, int max, long waitMillis, List<TypingEvent> typing)
            throws InterruptedException, ChatException {
        long deadline = System.nanoTime() + Math.min(waitMillis, settings.maxFetchWait().toMillis()) * 1_000_000;
        while (true) {
            // Register before reading: a message committed after the read finds the waiter, so no wake-up is lost.
            try (InboxWaiters.Waiter waiter = waiters.register(asker.accountId())) {
                holding(asker.session(), asker.token()); // taken over while it waited: told, not left to miss what the newer login acknowledges
                List<StoredMessage> found = messages.undelivered(asker.accountId(), asker.device(), afterId, max);
                if (typing != null) {
                    typing.addAll(live.take(asker.accountId(), asker.device(), clock.millis()));
                }
                if (!found.isEmpty() || (typing != null && !typing.isEmpty()) || deadline - System.nanoTime() <= 0
                        || waiters.isClosed()) {
                    return found;
                }
                waiter.awaitUntil(deadline);
            }
        }
    }

    /** Stored messages as core records. */
    static List<ChatResult.Message> core(List<StoredMessage> stored) {
        List<ChatResult.Message> out = new ArrayList<>(stored.size());
        for (StoredMessage m : stored) {
            out.add(new ChatResult.Message(m.id(), m.sender(), m.recipient(), m.timestampMillis(), m.body()));
        }
        return out;
    }
}
