package org.wirechat.server.core;

import org.wirechat.server.core.ChatResult.GroupReceiptCounts;
import org.wirechat.server.core.ChatResult.ReceiptState;
import org.wirechat.server.core.ChatResult.ReceiptsSet;
import org.wirechat.server.core.port.GroupInfo;
import org.wirechat.server.storage.Account;
import org.wirechat.server.storage.Store;

/**
 * RECEIPTS, SET_RECEIPTS and GROUP_RECEIPTS. Receipts are shared both ways or not at all: a caller who turned
 * them off learns nothing of others, as the messengers people know do it.
 */
final class Receipts {
    private final Store store;

    Receipts(Store store) {
        this.store = store;
    }

    static Account existing(Store store, String username) throws ChatException {
        return store.findAccount(username).orElseThrow(() ->
                new ChatException(ChatError.NO_SUCH_USER, "no such user: " + username));
    }

    ReceiptState of(ChatRequest.Receipts r, Asker asker) throws ChatException {
        long me = asker.accountId();
        Account peer = existing(store, r.peer());
        if (!store.receiptsOn(me) || !store.receiptsOn(peer.id())) {
            return new ReceiptState(false, 0);
        }
        return new ReceiptState(true, store.oldestWaiting(peer.id(), me));
    }

    ReceiptsSet set(ChatRequest.SetReceipts r, Asker asker) throws ChatException {
        if (!store.setReceipts(asker.accountId(), r.on())) {
            throw new ChatException(ChatError.NOT_AUTHENTICATED, "the account no longer exists");
        }
        return new ReceiptsSet(r.on());
    }

    /**
     * Receipts of one of the caller's group messages: how many of the members it reached (sharing receipts)
     * have it. Shared both ways or not at all, as for RECEIPTS: with the caller's off, nothing.
     */
    GroupReceiptCounts ofGroupMessage(ChatRequest.GroupReceipts r, Asker asker) throws ChatException {
        long me = asker.accountId();
        GroupInfo g = Groups.memberOf(store, r.group(), me);
        long[] counts = store.groupReceipts(g.id(), me, r.messageId()).orElseThrow(() -> new ChatException(ChatError.INVALID_FIELD,
                "message " + r.messageId() + " is not one of yours in " + g.name()));
        if (!store.receiptsOn(me)) {
            return new GroupReceiptCounts(false, 0, 0);
        }
        return new GroupReceiptCounts(true, counts[0], counts[1]);
    }
}
