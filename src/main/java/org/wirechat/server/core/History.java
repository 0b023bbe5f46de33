package org.wirechat.server.core;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.wirechat.server.core.ChatResult.Conversation;
import org.wirechat.server.core.port.AccountStore;
import org.wirechat.server.core.port.GroupInfo;
import org.wirechat.server.core.port.GroupMembership;
import org.wirechat.server.core.port.GroupStore;
import org.wirechat.server.core.port.MessageStore;
import org.wirechat.server.core.port.SearchQuery;
import org.wirechat.server.core.port.SearchScope;
import org.wirechat.server.core.port.StoredMessage;

/**
 * HISTORY: a page of a conversation with an account, or of a group's whole history for its members; and
 * SEARCH_MESSAGES: a page of the caller's messages that match a query, over what reached the caller.
 */
final class History {
    private final AccountStore accounts;
    private final GroupStore groups;
    private final MessageStore messages;

    History(AccountStore accounts, GroupStore groups, MessageStore messages) {
        this.accounts = accounts;
        this.groups = groups;
        this.messages = messages;
    }

    Conversation page(ChatRequest.History h, Asker asker) throws ChatException {
        long me = asker.accountId();
        List<StoredMessage> found;
        if (GroupInfo.isGroupName(h.peer())) { // a group's whole history, for its members
            GroupInfo g = Groups.memberOf(groups, h.peer(), me);
            found = messages.groupHistory(g.id(), h.beforeId(), h.limit() + 1);
        } else {
            found = messages.history(me, Receipts.existing(accounts, h.peer()).id(), h.beforeId(), h.limit() + 1);
        }
        List<ChatResult.Message> newestFirst = Mail.core(found);
        boolean more = newestFirst.size() > h.limit();
        List<ChatResult.Message> page = new ArrayList<>(newestFirst.subList(0, Math.min(h.limit(), newestFirst.size())));
        Collections.reverse(page);
        return new Conversation(page, more && !page.isEmpty() ? page.get(0).id() : 0);
    }

    /** SEARCH_MESSAGES: the matching messages of the caller's {@link #scope}, newest first, paged by id. */
    ChatResult.SearchResults search(ChatRequest.SearchMessages s, Asker asker) throws ChatException {
        SearchQuery query;
        try {
            query = SearchQuery.parse(s.query());
        } catch (IllegalArgumentException e) {
            throw new ChatException(ChatError.INVALID_FIELD, e.getMessage());
        }
        List<ChatResult.Message> found = Mail.core(messages.search(query, scope(asker.accountId()), s.beforeId(), s.limit() + 1));
        if (found.size() <= s.limit()) {
            return new ChatResult.SearchResults(found, 0);
        }
        List<ChatResult.Message> page = List.copyOf(found.subList(0, s.limit()));
        return new ChatResult.SearchResults(page, page.get(page.size() - 1).id());
    }

    /**
     * What a search may find, the rule once for both stores: the account's direct messages, sent and received, with
     * a live account (or itself) — HISTORY reaches no conversation with a deleted account —, and each live group's
     * messages that reached it: those stored while it was a member (each interval of its membership, a past one
     * too), never one from before it joined or after it left. An ended group's are not found (its name may now be
     * another group's).
     */
    SearchScope scope(long accountId) {
        List<SearchScope.Window> windows = new ArrayList<>();
        for (GroupMembership m : groups.memberships(accountId)) {
            if (m.groupLive()) {
                windows.add(new SearchScope.Window(m.groupId(), m.joinedAfter(), m.leftAfter()));
            }
        }
        return new SearchScope(accountId, windows);
    }
}
