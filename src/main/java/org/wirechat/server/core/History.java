package org.wirechat.server.core;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.wirechat.server.core.ChatResult.Conversation;
import org.wirechat.server.core.port.AccountStore;
import org.wirechat.server.core.port.GroupInfo;
import org.wirechat.server.core.port.GroupStore;
import org.wirechat.server.core.port.MessageStore;
import org.wirechat.server.core.port.StoredMessage;

/** HISTORY: a page of a conversation with an account, or of a group's whole history for its members. */
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
}
