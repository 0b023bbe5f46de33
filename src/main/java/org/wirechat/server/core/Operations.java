package org.wirechat.server.core;

import static org.wirechat.server.core.Operation.now;

import java.util.List;
import org.wirechat.server.core.ChatRequest.AddMember;
import org.wirechat.server.core.ChatRequest.CreateGroup;
import org.wirechat.server.core.ChatRequest.LeaveGroup;
import org.wirechat.server.core.ChatRequest.ListGroups;
import org.wirechat.server.core.ChatRequest.RemoveMember;
import org.wirechat.server.core.ChatRequest.RenameGroup;
import org.wirechat.server.core.ChatResult.GroupCreated;
import org.wirechat.server.core.ChatResult.GroupLeft;
import org.wirechat.server.core.ChatResult.GroupList;
import org.wirechat.server.core.ChatResult.GroupRenamed;
import org.wirechat.server.core.ChatResult.MemberAdded;
import org.wirechat.server.core.ChatResult.MemberRemoved;

/** The operation table: one entry per operation (docs/architecture.md §2.3 lists them with their wire opcodes). */
public final class Operations {
    private Operations() {
    }

    /** The handlers by area, one instance each. */
    record Handlers(Server server, Logins logins, Accounts accounts, Sending sending, Mail mail, History history,
            Receipts receipts, Groups groups, Devices devices, TypingRelay typing) {
    }

    static List<Operation<?, ?>> of(Handlers h) {
        return List.of(
                now("PING", ChatRequest.Ping.class, ChatResult.Pong.class, Login.NONE, RateClass.NONE, h.server()::ping),
                now("CREATE_ACCOUNT", ChatRequest.CreateAccount.class, ChatResult.AccountCreated.class, Login.NONE,
                        RateClass.ACCOUNT_CREATION, h.accounts()::create),
                now("LOGIN", ChatRequest.Login.class, ChatResult.LoggedIn.class, Login.NONE, RateClass.PASSWORD_CHECK,
                        h.logins()::login),
                now("LOGOUT", ChatRequest.Logout.class, ChatResult.LoggedOut.class, Login.TOKEN, RateClass.NONE,
                        h.logins()::logout),
                now("LIST_ACCOUNTS", ChatRequest.ListAccounts.class, ChatResult.AccountPage.class, Login.TOKEN,
                        RateClass.NONE, h.accounts()::list),
                new Operation<>("SEND", ChatRequest.Send.class, ChatResult.Sent.class, Login.TOKEN, RateClass.MESSAGE_TO_GROUP,
                        h.sending()::send),
                now("FETCH", ChatRequest.Fetch.class, ChatResult.Messages.class, Login.HOLDING, RateClass.NONE,
                        h.mail()::fetch),
                now("SYNC", ChatRequest.Sync.class, ChatResult.Events.class, Login.HOLDING, RateClass.NONE, h.mail()::sync),
                now("TYPING", ChatRequest.Typing.class, ChatResult.TypingSent.class, Login.TOKEN, RateClass.NONE,
                        h.typing()::typing),
                now("HISTORY", ChatRequest.History.class, ChatResult.Conversation.class, Login.TOKEN, RateClass.NONE,
                        h.history()::page),
                now("DELETE_ACCOUNT", ChatRequest.DeleteAccount.class, ChatResult.AccountDeleted.class, Login.TOKEN,
                        RateClass.PASSWORD_CHECK, h.accounts()::delete),
                now("SERVER_INFO", ChatRequest.ServerInfo.class, ChatResult.Info.class, Login.NONE, RateClass.NONE,
                        h.server()::info),
                now("RECEIPTS", ChatRequest.Receipts.class, ChatResult.ReceiptState.class, Login.TOKEN, RateClass.NONE,
                        h.receipts()::of),
                now("SET_RECEIPTS", ChatRequest.SetReceipts.class, ChatResult.ReceiptsSet.class, Login.TOKEN, RateClass.NONE,
                        h.receipts()::set),
                now("LOGIN_DEVICE", ChatRequest.LoginDevice.class, ChatResult.DeviceLoggedIn.class, Login.NONE,
                        RateClass.PASSWORD_CHECK, h.logins()::loginDevice),
                now("GROUP_CREATE", CreateGroup.class, GroupCreated.class, Login.TOKEN, RateClass.NONE, h.groups()::create),
                now("GROUP_ADD", AddMember.class, MemberAdded.class, Login.TOKEN, RateClass.NONE, h.groups()::add),
                now("GROUP_REMOVE", RemoveMember.class, MemberRemoved.class, Login.TOKEN, RateClass.NONE, h.groups()::remove),
                now("GROUP_LEAVE", LeaveGroup.class, GroupLeft.class, Login.TOKEN, RateClass.NONE, h.groups()::leave),
                now("GROUP_RENAME", RenameGroup.class, GroupRenamed.class, Login.TOKEN, RateClass.NONE, h.groups()::rename),
                now("GROUP_LIST", ListGroups.class, GroupList.class, Login.TOKEN, RateClass.NONE, h.groups()::list),
                now("GROUP_MEMBERS", ChatRequest.GroupMembers.class, ChatResult.Members.class, Login.TOKEN, RateClass.NONE,
                        h.groups()::members),
                now("GROUP_RECEIPTS", ChatRequest.GroupReceipts.class, ChatResult.GroupReceiptCounts.class, Login.TOKEN,
                        RateClass.NONE, h.receipts()::ofGroupMessage),
                now("LIST_DEVICES", ChatRequest.ListDevices.class, ChatResult.DeviceList.class, Login.TOKEN, RateClass.NONE,
                        h.devices()::list),
                now("CHANGE_PASSWORD", ChatRequest.ChangePassword.class, ChatResult.PasswordChanged.class, Login.TOKEN,
                        RateClass.PASSWORD_CHECK, h.accounts()::changePassword),
                now("SET_FULL_NAME", ChatRequest.SetFullName.class, ChatResult.FullNameSet.class, Login.TOKEN, RateClass.NONE,
                        h.accounts()::setFullName),
                now("SEARCH_MESSAGES", ChatRequest.SearchMessages.class, ChatResult.SearchResults.class, Login.TOKEN,
                        RateClass.SEARCH, h.history()::search),
                now("ACK", ChatRequest.Ack.class, ChatResult.Acked.class, Login.HOLDING, RateClass.NONE, h.mail()::ack),
                now("NEXT", ChatRequest.Next.class, ChatResult.Messages.class, Login.HOLDING, RateClass.NONE,
                        h.mail()::next),
                now("SYNC_NEXT", ChatRequest.SyncNext.class, ChatResult.Events.class, Login.HOLDING, RateClass.NONE,
                        h.mail()::syncNext));
    }

    /** Every operation's name, request and result, login and rate class (the handlers left out), for tests and docs. */
    public static List<Operation<?, ?>> table() {
        return of(new Handlers(new Server(null, null, null), new Logins(null, null, null, null, null, null, null, null),
                new Accounts(null, null, null, null, null), new Sending(null, null, null, null),
                new Mail(null, null, null, null, null, null, null), new History(null, null, null),
                new Receipts(null, null, null), new Groups(null, null, null, null), new Devices(null, null, null),
                new TypingRelay(null, null, null, null, null, null)));
    }
}
