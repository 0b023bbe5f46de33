package org.wirechat.server.core;

import java.time.Clock;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.wirechat.server.core.ChatResult.TypingEvent;
import org.wirechat.server.core.ChatResult.TypingSent;
import org.wirechat.server.core.inbox.InboxWaiters;
import org.wirechat.server.core.port.Account;
import org.wirechat.server.core.port.AccountStore;
import org.wirechat.server.core.port.Cluster;
import org.wirechat.server.core.port.GroupInfo;
import org.wirechat.server.core.port.GroupStore;
import org.wirechat.server.core.port.LiveNotice;

/**
 * TYPING: tells the other people of a conversation, on the devices that SYNC, that the caller is typing or stopped
 * (docs/wire_design.md §5, docs/conversations_design.md §6). Never stored. The rules: the conversation is a live
 * account (not the caller's own) or a group the caller belongs to, refused as SEND refuses; one indication per
 * caller, conversation and state is passed on every {@link #MIN_INTERVAL} at most — more are answered and dropped
 * (it is a hint, and nobody can be flooded by it); a typing indication ends by itself after {@link #EXPIRES}.
 */
final class TypingRelay {
    private static final Logger log = LoggerFactory.getLogger(TypingRelay.class);
    /** How long a typing indication lasts unless repeated (clients repeat it every 3 s while typing). */
    static final Duration EXPIRES = Duration.ofSeconds(6);
    /** The least time between two indications passed on for one caller, conversation and state. */
    static final Duration MIN_INTERVAL = Duration.ofSeconds(2);
    /** Past this many remembered indications, the stale ones are dropped. */
    private static final int REMEMBERED = 10_000;

    private final AccountStore accounts;
    private final GroupStore groups;
    private final LiveEvents live;
    private final InboxWaiters waiters;
    /** Caller, conversation and state to when it was last passed on (the clock's millis). */
    private final Map<String, Long> lastPassed = new ConcurrentHashMap<>();

    private final Cluster cluster;
    private final Clock clock;

    TypingRelay(AccountStore accounts, GroupStore groups, LiveEvents live, InboxWaiters waiters, Cluster cluster, Clock clock) {
        this.cluster = cluster;
        this.clock = clock;
        this.accounts = accounts;
        this.groups = groups;
        this.live = live;
        this.waiters = waiters;
    }

    TypingSent typing(ChatRequest.Typing t, Asker asker) throws ChatException {
        long me = asker.accountId();
        String conversation = t.conversation();
        List<Long> others;
        String seenAs; // the conversation as each receiver names it
        String from = accounts.find(me).map(Account::username).orElseThrow(
                () -> new ChatException(ChatError.NOT_AUTHENTICATED, "not logged in, or the session expired: log in again"));
        if (GroupInfo.isGroupName(conversation)) {
            GroupInfo g = Groups.memberOf(groups, conversation, me);
            others = g.members().stream().map(GroupInfo.Member::accountId).filter(id -> id != me).toList();
            seenAs = g.name();
        } else {
            Account peer = accounts.find(conversation).filter(a -> !a.disabled()).orElseThrow(
                    () -> new ChatException(ChatError.NO_SUCH_USER, "no such user: " + conversation));
            others = peer.id() == me ? List.of() : List.of(peer.id());
            seenAs = from;
        }
        long now = clock.millis();
        String key = me + "\u0000" + GroupInfo.key(conversation) + "\u0000" + t.typing();
        if (!passes(key, now)) {
            return new TypingSent();
        }
        TypingEvent event = new TypingEvent(from, seenAs, t.typing(), t.typing() ? EXPIRES.toMillis() : 0);
        postHere(live, waiters, others, event, now);
        if (!others.isEmpty() && cluster.shared()) {
            try { // a hint: the caller is answered whether or not the other servers could be told
                cluster.tellLive(others, new LiveNotice(event.from(), event.conversation(), event.typing(), event.expiresInMillis()));
            } catch (RuntimeException e) {
                log.debug("a typing indication was not passed to the other servers: {}", e.toString());
            }
        }
        return new TypingSent();
    }

    /** Queues {@code event} for the accounts' devices that SYNC on this server, and wakes their waiting polls. */
    static void postHere(LiveEvents live, InboxWaiters waiters, Collection<Long> accountIds, TypingEvent event, long nowMillis) {
        for (long id : accountIds) {
            if (live.post(id, event, nowMillis)) {
                waiters.wake(id);
            }
        }
    }

    /** Whether an indication with this key may be passed on now (then it is remembered as passed). */
    private boolean passes(String key, long now) {
        long interval = MIN_INTERVAL.toMillis();
        boolean[] passed = {false};
        lastPassed.compute(key, (k, last) -> {
            if (last != null && now - last < interval) {
                return last;
            }
            passed[0] = true;
            return now;
        });
        if (passed[0] && lastPassed.size() > REMEMBERED) {
            lastPassed.values().removeIf(last -> now - last >= interval);
        }
        return passed[0];
    }
}
