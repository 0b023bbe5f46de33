package org.wirechat.server.core;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.wirechat.server.core.ChatResult.TypingEvent;
import org.wirechat.server.core.ChatResult.TypingSent;
import org.wirechat.server.core.inbox.InboxWaiters;
import org.wirechat.server.core.port.Account;
import org.wirechat.server.core.port.AccountStore;
import org.wirechat.server.core.port.GroupInfo;
import org.wirechat.server.core.port.GroupStore;

/**
 * TYPING: tells the other people of a conversation, on the devices that SYNC, that the caller is typing or stopped
 * (docs/wire_design.md §5, docs/conversations_design.md §6). Never stored. The rules: the conversation is a live
 * account (not the caller's own) or a group the caller belongs to, refused as SEND refuses; one indication per
 * caller, conversation and state is passed on every {@link #MIN_INTERVAL} at most — more are answered and dropped
 * (it is a hint, and nobody can be flooded by it); a typing indication ends by itself after {@link #EXPIRES}.
 */
final class TypingRelay {
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

    private final Clock clock;

    TypingRelay(AccountStore accounts, GroupStore groups, LiveEvents live, InboxWaiters waiters, Clock clock) {
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
        for (long other : others) {
            if (live.post(other, event, now)) {
                waiters.wake(other);
            }
        }
        return new TypingSent();
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
