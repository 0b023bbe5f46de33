package org.wirechat.server.core.rules;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.wirechat.server.core.port.BatchView;
import org.wirechat.server.core.port.BatchView.GroupAt;
import org.wirechat.server.core.port.BatchView.Prior;
import org.wirechat.server.core.port.BatchView.Recipient;
import org.wirechat.server.core.port.GroupInfo;
import org.wirechat.server.core.port.PendingSend;
import org.wirechat.server.core.port.SendDecisions;
import org.wirechat.server.core.port.SendOutcome;
import org.wirechat.server.core.port.Verdict;
import org.wirechat.server.core.port.Verdict.Accepted;
import org.wirechat.server.core.port.Verdict.Again;
import org.wirechat.server.core.port.Verdict.Settled;

/**
 * What a SEND decides, written once for every store (docs/architecture.md §3.3): one rule a batch, asked SEND by SEND
 * in queue order against the store's {@link BatchView}, as if each were stored after the ones before it. The ladder:
 * the recipient (a live account, or a live group of which the sender is a member), then a retry (the same sender and
 * client id: this batch's first, else one stored before — the same conversation and body is a duplicate answered with
 * the first's id, anything else is the client id reused), then the cap (stored for every account it reaches or for
 * none: an inbox holding {@code capacity} waiting messages is first given the room its acknowledgements and its floor
 * make, then refuses), then the copy (another device of the sender holding its messages gets one, unless the message
 * is to the sender). The rule counts the messages it accepts; ids are the store's, given in the order accepted.
 */
final class SendRule implements SendDecisions.Batch {

    private record SentKey(long senderId, String clientId) {
    }

    private final BatchView view;
    private final Map<SentKey, Accepted> sent = new HashMap<>();
    private final Map<Long, Long> added = new HashMap<>();
    private int accepted;

    SendRule(BatchView view) {
        this.view = view;
    }

    /** Decides the next SEND of the batch, in queue order. */
    @Override
    public Verdict decide(PendingSend s) {
        long conversation;
        String name;
        boolean group = GroupInfo.isGroupName(s.recipientKey());
        List<Long> reaches;
        if (group) {
            Optional<GroupAt> g = view.group(s.recipientKey());
            if (g.isEmpty()) {
                return new Settled(new SendOutcome.NoRecipient());
            }
            if (!g.get().members().contains(s.senderId())) {
                return new Settled(new SendOutcome.NotAMember());
            }
            conversation = g.get().conversation();
            name = g.get().name();
            reaches = g.get().members().stream().filter(m -> m != s.senderId()).toList();
        } else {
            Optional<Recipient> r = view.account(s.recipientKey());
            if (r.isEmpty()) {
                return new Settled(new SendOutcome.NoRecipient());
            }
            conversation = r.get().id();
            name = r.get().username();
            reaches = List.of(conversation);
        }
        SentKey key = new SentKey(s.senderId(), s.clientId());
        Accepted earlier = sent.get(key);
        if (earlier != null) {
            return new Again(earlier, earlier.conversation() == conversation && earlier.send().body().equals(s.body()));
        }
        Optional<Prior> prior = view.prior(s.senderId(), s.clientId());
        if (prior.isPresent()) {
            Prior p = prior.get();
            return new Settled(p.conversation() == conversation && p.body().equals(s.body())
                    ? new SendOutcome.Duplicate(p.id(), p.createdMillis()) : new SendOutcome.ClientIdReused());
        }
        // stored for every account it reaches, or for none: a group message waits while any member's inbox is full
        for (long account : reaches) {
            long waiting = waiting(account);
            if (waiting >= s.capacity() && view.makeRoom(account, s.nowMillis())) {
                waiting = waiting(account);
            }
            if (waiting >= s.capacity()) {
                return new Settled(new SendOutcome.InboxFull(account == conversation ? name : view.username(account), waiting));
            }
        }
        // a message to oneself is in one's inbox already, for every device
        boolean copied = s.device() != null && conversation != s.senderId() && view.holdsElsewhere(s.senderId(), s.device(), s.nowMillis());
        Accepted a = new Accepted(accepted++, s, conversation, name, group, reaches, copied);
        sent.put(key, a);
        for (long account : reaches) {
            added.merge(account, 1L, Long::sum);
        }
        return a;
    }

    private long waiting(long account) {
        return view.waiting(account) + added.getOrDefault(account, 0L);
    }

    /** How many SENDs this rule accepted (the ids the store gives out for its batch). */
    int accepted() {
        return accepted;
    }

    /** The SEND's outcome once the batch's accepted messages have their ids ({@code ids[i]}: the i-th accepted's). */
    static SendOutcome outcome(Verdict verdict, long[] ids) {
        return switch (verdict) {
            case Settled s -> s.outcome();
            case Accepted a -> stored(a, ids[a.index()]);
            case Again again -> again.same() ? new SendOutcome.Duplicate(ids[again.first().index()], again.first().send().nowMillis())
                    : new SendOutcome.ClientIdReused();
        };
    }

    private static SendOutcome stored(Accepted a, long id) {
        return a.group() ? new SendOutcome.GroupStored(id, a.send().nowMillis(), a.reaches(), a.copied())
                : new SendOutcome.Stored(id, a.send().nowMillis(), a.conversation(), a.copied());
    }
}
