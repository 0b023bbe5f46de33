package org.wirechat.server.core;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.wirechat.server.core.ChatResult.Conversation;
import org.wirechat.server.core.port.GroupInfo;
import org.wirechat.server.core.port.StoredMessage;
import org.wirechat.server.storage.Store;

/** HISTORY: a page of a conversation with an account, or of a group's whole history for its members. */
final class History {
    private final Store store;

    History(Store store) {
        this.store = store;
    }

    Conversation page(ChatRequest.History h, Asker asker) throws ChatException {
        long me = asker.accountId();
        List<StoredMessage> found;
        if (GroupInfo.isGroupName(h.peer())) { // a group's whole history, for its members
            GroupInfo g = Groups.memberOf(store, h.peer(), me);
            found = store.groupHistory(g.id(), h.beforeId(), h.limit() + 1);
        } else {
            found = store.history(me, Receipts.existing(store, h.peer()).id(), h.beforeId(), h.limit() + 1);
        }
        List<ChatResult.Message> newestFirst = Mail.core(found);
        boolean more = newestFirst.size() > h.limit();
        List<ChatResult.Message> page = new ArrayList<>(newestFirst.subList(0, Math.min(h.limit(), newestFirst.size())));
        Collections.reverse(page);
        return new Conversation(page, more && !page.isEmpty() ? page.get(0).id() : 0);
    }
}
