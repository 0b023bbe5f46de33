package org.wirechat.server.core;

import org.wirechat.server.core.ChatResult.GroupReceiptCounts;
import org.wirechat.server.core.ChatResult.ReceiptState;
import org.wirechat.server.core.ChatResult.ReceiptsSet;
import org.wirechat.server.core.port.Account;
import org.wirechat.server.core.port.AccountStore;
import org.wirechat.server.core.port.GroupInfo;
import org.wirechat.server.core.port.GroupStore;
import org.wirechat.server.core.port.ReceiptStore;

/**
 * RECEIPTS, SET_RECEIPTS and GROUP_RECEIPTS. Receipts are shared both ways or not at all: a caller who turned
 * them off learns nothing of others, as the messengers people know do it.
 */
final class Receipts {
    private final AccountStore accounts;
    private final GroupStore groups;
    /** The waiting messages and the group counts. */
    private final ReceiptStore receipts;

    Receipts(AccountStore accounts, GroupStore groups, ReceiptStore receipts) {
        this.accounts = accounts;
        this.groups = groups;
        this.receipts = receipts;
    }

    static Account existing(AccountStore accounts, String username) throws ChatException {
        return accounts.find(username).orElseThrow(() ->
                new ChatException(ChatError.NO_SUCH_USER, "no such user: " + username));
    }

    /** The caller's own account, with its receipts setting; gone (deleted while its token was being checked), NOT_AUTHENTICATED. */
    private Account me(Asker asker) throws ChatException {
        return accounts.find(asker.accountId()).orElseThrow(Receipts::gone);
    }

    private static ChatException gone() {
        return new ChatException(ChatError.NOT_AUTHENTICATED, "the account no longer exists");
    }

    ReceiptState of(ChatRequest.Receipts r, Asker asker) throws ChatException {
        Account peer = existing(accounts, r.peer());
        if (!me(asker).receipts() || !peer.receipts()) {
            return new ReceiptState(false, 0);
        }
        return new ReceiptState(true, receipts.oldestWaiting(peer.id(), asker.accountId()));
    }

    ReceiptsSet set(ChatRequest.SetReceipts r, Asker asker) throws ChatException {
        if (!accounts.setReceipts(asker.accountId(), r.on())) {
            throw gone();
        }
        return new ReceiptsSet(r.on());
    }

    /**
     * Receipts of one of the caller's group messages: how many of the members it reached (sharing receipts)
     * have it. Shared both ways or not at all, as for RECEIPTS: with the caller's off, nothing.
     */
    GroupReceiptCounts ofGroupMessage(ChatRequest.GroupReceipts r, Asker asker) throws ChatException {
        long me = asker.accountId();
        GroupInfo g = Groups.memberOf(groups, r.group(), me);
        long[] counts = receipts.groupReceipts(g.id(), me, r.messageId()).orElseThrow(() -> new ChatException(ChatError.INVALID_FIELD,
                "message " + r.messageId() + " is not one of yours in " + g.name()));
        if (!me(asker).receipts()) {
            return new GroupReceiptCounts(false, 0, 0);
        }
        return new GroupReceiptCounts(true, counts[0], counts[1]);
    }
}
