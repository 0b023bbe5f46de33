package org.wirechat.client.grpc;

import static java.util.Map.entry;
import static org.wirechat.grpc.v1.PatternMode.PATTERN_MODE_REGEX;
import static org.wirechat.grpc.v1.PatternMode.PATTERN_MODE_WILDCARD;

import com.google.protobuf.MessageLite;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.function.ToLongFunction;
import org.wirechat.grpc.v1.AddMemberReply;
import org.wirechat.grpc.v1.AddMemberRequest;
import org.wirechat.grpc.v1.CreateAccountReply;
import org.wirechat.grpc.v1.CreateAccountRequest;
import org.wirechat.grpc.v1.CreateGroupReply;
import org.wirechat.grpc.v1.CreateGroupRequest;
import org.wirechat.grpc.v1.ChangePasswordReply;
import org.wirechat.grpc.v1.ChangePasswordRequest;
import org.wirechat.grpc.v1.DeleteAccountReply;
import org.wirechat.grpc.v1.DeleteAccountRequest;
import org.wirechat.grpc.v1.FetchReply;
import org.wirechat.grpc.v1.FetchRequest;
import org.wirechat.grpc.v1.GroupMembersReply;
import org.wirechat.grpc.v1.GroupMembersRequest;
import org.wirechat.grpc.v1.GroupReceiptsReply;
import org.wirechat.grpc.v1.GroupReceiptsRequest;
import org.wirechat.grpc.v1.HistoryReply;
import org.wirechat.grpc.v1.HistoryRequest;
import org.wirechat.grpc.v1.LeaveGroupReply;
import org.wirechat.grpc.v1.LeaveGroupRequest;
import org.wirechat.grpc.v1.ListAccountsReply;
import org.wirechat.grpc.v1.ListAccountsRequest;
import org.wirechat.grpc.v1.ListDevicesReply;
import org.wirechat.grpc.v1.ListDevicesRequest;
import org.wirechat.grpc.v1.ListGroupsReply;
import org.wirechat.grpc.v1.ListGroupsRequest;
import org.wirechat.grpc.v1.LoginReply;
import org.wirechat.grpc.v1.LoginRequest;
import org.wirechat.grpc.v1.LogoutReply;
import org.wirechat.grpc.v1.LogoutRequest;
import org.wirechat.grpc.v1.Message;
import org.wirechat.grpc.v1.PingReply;
import org.wirechat.grpc.v1.PingRequest;
import org.wirechat.grpc.v1.ReceiptsReply;
import org.wirechat.grpc.v1.ReceiptsRequest;
import org.wirechat.grpc.v1.RemoveMemberReply;
import org.wirechat.grpc.v1.RemoveMemberRequest;
import org.wirechat.grpc.v1.RenameGroupReply;
import org.wirechat.grpc.v1.RenameGroupRequest;
import org.wirechat.grpc.v1.SearchMessagesReply;
import org.wirechat.grpc.v1.SearchMessagesRequest;
import org.wirechat.grpc.v1.SendReply;
import org.wirechat.grpc.v1.SendRequest;
import org.wirechat.grpc.v1.ServerInfoReply;
import org.wirechat.grpc.v1.ServerInfoRequest;
import org.wirechat.grpc.v1.SetFullNameReply;
import org.wirechat.grpc.v1.SetFullNameRequest;
import org.wirechat.grpc.v1.TypingReply;
import org.wirechat.grpc.v1.TypingRequest;
import org.wirechat.grpc.v1.SetReceiptsReply;
import org.wirechat.grpc.v1.SetReceiptsRequest;
import org.wirechat.protocol.PatternMode;
import org.wirechat.protocol.Request;
import org.wirechat.protocol.Response;

/**
 * The client's side of docs/grpc.md's table, the mirror of the server's {@code GrpcMapping}: each wire request to
 * its unary call of {@code wirechat.v1.Chat} (the method by name, the token it carries, its message) and the call's
 * reply back to the wire response, one entry per request. {@code GrpcCallsTest} checks it against the sealed
 * {@link Request} and the service's descriptor, so no request and no reply can be forgotten. {@code Subscribe} and
 * {@code Ack} are no wire requests: {@link GrpcConnection} calls them itself; SYNC is no unary call but the {@code Sync}
 * stream ({@link #STREAMED}), which the poller opens through {@code Subscribing.sync}.
 */
final class GrpcCalls {
    private GrpcCalls() {
    }

    /**
     * One request's call: the service's method (its bare name), the token it carries ({@code null}: it needs none),
     * how long it may wait beyond the answer timeout (a FETCH's own wait), its message, and its reply as a response.
     */
    record Entry<Q extends Request, R extends MessageLite>(String method, Function<Q, String> token,
            ToLongFunction<Q> waitMillis, Function<Q, MessageLite> message, Function<R, Response> reply) {
    }

    /** The entry of each request type. */
    static final Map<Class<? extends Request>, Entry<?, ?>> TABLE = Map.ofEntries(
            call(Request.Ping.class, "Ping", null, p -> PingRequest.getDefaultInstance(),
                    (PingReply r) -> new Response.Pong(r.getServerTimeMs())),
            call(Request.ServerInfo.class, "ServerInfo", null, i -> ServerInfoRequest.getDefaultInstance(),
                    (ServerInfoReply r) -> new Response.ServerInfo(r.getWireVersionsList(), r.getMaxFrameBytes(),
                            r.getMaxMessageChars(), r.getMaxFetchWaitMs(), r.getFeaturesList())),
            call(Request.CreateAccount.class, "CreateAccount", null, c -> CreateAccountRequest.newBuilder()
                            .setUsername(c.username()).setFullName(c.fullName()).setPassword(c.password()).build(),
                    (CreateAccountReply r) -> new Response.AccountCreated(r.getUsername())),
            call(Request.Login.class, "Login", null, l -> LoginRequest.newBuilder().setUsername(l.username())
                            .setPassword(l.password()).build(),
                    (LoginReply r) -> new Response.LoggedIn(r.getToken(), r.getExpiresAtMs(), r.getUnread())),
            call(Request.LoginDevice.class, "Login", null, l -> LoginRequest.newBuilder().setUsername(l.username())
                            .setPassword(l.password()).setDeviceId(l.deviceId()).build(),
                    (LoginReply r) -> new Response.DeviceLoggedIn(r.getToken(), r.getExpiresAtMs(), r.getUnread(), r.getMissed())),
            call(Request.Logout.class, "Logout", Request.Logout::token, l -> LogoutRequest.getDefaultInstance(),
                    (LogoutReply r) -> new Response.LoggedOut()),
            call(Request.ListAccounts.class, "ListAccounts", Request.ListAccounts::token, l -> ListAccountsRequest.newBuilder()
                            .setMode(l.mode() == PatternMode.REGEX ? PATTERN_MODE_REGEX : PATTERN_MODE_WILDCARD)
                            .setPattern(l.pattern()).setCursor(l.cursor()).setLimit(l.limit()).build(),
                    (ListAccountsReply r) -> new Response.Accounts(r.getAccountsList().stream()
                            .map(a -> new Response.Account(a.getUsername(), a.getFullName(), a.getOnline())).toList(),
                            r.getNextCursor())),
            call(Request.Send.class, "Send", Request.Send::token, s -> SendRequest.newBuilder().setRecipient(s.recipient())
                            .setClientMessageId(s.clientMessageId()).setBody(s.body()).build(),
                    (SendReply r) -> new Response.Sent(r.getId(), r.getTimestampMs())),
            entry(Request.Fetch.class, new Entry<Request.Fetch, FetchReply>("Fetch", Request.Fetch::token,
                    Request.Fetch::maxWaitMillis, f -> FetchRequest.newBuilder().setAckThroughId(f.ackThrough())
                            .setMaxCount(f.maxCount()).setMaxWaitMs(f.maxWaitMillis()).build(),
                    r -> new Response.Messages(r.getMessagesList().stream().map(GrpcCalls::message).toList()))),
            call(Request.History.class, "History", Request.History::token, h -> HistoryRequest.newBuilder()
                            .setPeer(h.peer()).setBeforeId(h.beforeId()).setLimit(h.limit()).build(),
                    (HistoryReply r) -> new Response.Conversation(r.getMessagesList().stream().map(GrpcCalls::message).toList(),
                            r.getNextBeforeId())),
            call(Request.SearchMessages.class, "SearchMessages", Request.SearchMessages::token, q -> SearchMessagesRequest
                            .newBuilder().setQuery(q.query()).setBeforeId(q.beforeId()).setLimit(q.limit()).build(),
                    (SearchMessagesReply r) -> new Response.SearchResults(
                            r.getMessagesList().stream().map(GrpcCalls::message).toList(), r.getNextBeforeId())),
            call(Request.DeleteAccount.class, "DeleteAccount", Request.DeleteAccount::token,
                    d -> DeleteAccountRequest.newBuilder().setPassword(d.password()).build(),
                    (DeleteAccountReply r) -> new Response.AccountDeleted()),
            call(Request.Receipts.class, "Receipts", Request.Receipts::token,
                    x -> ReceiptsRequest.newBuilder().setPeer(x.peer()).build(),
                    (ReceiptsReply r) -> new Response.Receipts(r.getShared(), r.getOldestWaitingId())),
            call(Request.SetReceipts.class, "SetReceipts", Request.SetReceipts::token,
                    x -> SetReceiptsRequest.newBuilder().setOn(x.on()).build(),
                    (SetReceiptsReply r) -> new Response.ReceiptsSet(r.getOn())),
            call(Request.ChangePassword.class, "ChangePassword", Request.ChangePassword::token,
                    c -> ChangePasswordRequest.newBuilder().setCurrentPassword(c.currentPassword())
                            .setNewPassword(c.newPassword()).build(),
                    (ChangePasswordReply r) -> new Response.PasswordChanged()),
            call(Request.Typing.class, "Typing", Request.Typing::token,
                    t -> TypingRequest.newBuilder().setConversation(t.conversation()).setTyping(t.typing()).build(),
                    (TypingReply r) -> new Response.TypingSent()),
            call(Request.SetFullName.class, "SetFullName", Request.SetFullName::token,
                    n -> SetFullNameRequest.newBuilder().setFullName(n.fullName()).build(),
                    (SetFullNameReply r) -> new Response.FullNameSet(r.getFullName())),
            call(Request.GroupCreate.class, "CreateGroup", Request.GroupCreate::token,
                    g -> CreateGroupRequest.newBuilder().setGroup(g.group()).build(),
                    (CreateGroupReply r) -> new Response.GroupCreated(r.getGroup())),
            call(Request.GroupAdd.class, "AddMember", Request.GroupAdd::token,
                    g -> AddMemberRequest.newBuilder().setGroup(g.group()).setUsername(g.username()).build(),
                    (AddMemberReply r) -> new Response.MemberAdded(r.getUsername())),
            call(Request.GroupRemove.class, "RemoveMember", Request.GroupRemove::token,
                    g -> RemoveMemberRequest.newBuilder().setGroup(g.group()).setUsername(g.username()).build(),
                    (RemoveMemberReply r) -> new Response.MemberRemoved()),
            call(Request.GroupLeave.class, "LeaveGroup", Request.GroupLeave::token,
                    g -> LeaveGroupRequest.newBuilder().setGroup(g.group()).build(),
                    (LeaveGroupReply r) -> new Response.GroupLeft()),
            call(Request.GroupRename.class, "RenameGroup", Request.GroupRename::token,
                    g -> RenameGroupRequest.newBuilder().setGroup(g.group()).setNewName(g.newName()).build(),
                    (RenameGroupReply r) -> new Response.GroupRenamed(r.getGroup())),
            call(Request.GroupList.class, "ListGroups", Request.GroupList::token, g -> ListGroupsRequest.getDefaultInstance(),
                    (ListGroupsReply r) -> new Response.Groups(r.getGroupsList().stream()
                            .map(x -> new Response.Group(x.getName(), x.getOwner(), x.getMembers())).toList())),
            call(Request.ListDevices.class, "ListDevices", Request.ListDevices::token,
                    d -> ListDevicesRequest.getDefaultInstance(),
                    (ListDevicesReply r) -> new Response.Devices(r.getDevicesList().stream()
                            .map(x -> new Response.Device(x.getDeviceId(), x.getLastSeenMs(), x.getHolds(), x.getThisDevice()))
                            .toList())),
            call(Request.GroupReceipts.class, "GroupReceipts", Request.GroupReceipts::token,
                    g -> GroupReceiptsRequest.newBuilder().setGroup(g.group()).setMessageId(g.messageId()).build(),
                    (GroupReceiptsReply r) -> new Response.GroupReceipts(r.getShared(), r.getMembers(), r.getDelivered())),
            call(Request.GroupMembers.class, "GroupMembers", Request.GroupMembers::token,
                    g -> GroupMembersRequest.newBuilder().setGroup(g.group()).build(),
                    (GroupMembersReply r) -> new Response.Members(r.getGroup(), r.getMembersList().stream()
                            .map(x -> new Response.Member(x.getUsername(), x.getOnline(), x.getOwner())).toList())));

    /** An entry of a request that waits no longer than the answer timeout. */
    private static <Q extends Request, R extends MessageLite> Map.Entry<Class<? extends Request>, Entry<?, ?>> call(
            Class<Q> type, String method, Function<Q, String> token, Function<Q, MessageLite> message, Function<R, Response> reply) {
        return entry(type, new Entry<>(method, token, q -> 0, message, reply));
    }

    /** The requests gRPC carries as a stream, not a unary call: they have no entry. */
    static final Set<Class<? extends Request>> STREAMED = Set.of(Request.Sync.class);

    /** The entry of a request (every request type but the {@link #STREAMED} has one: {@code GrpcCallsTest}). */
    @SuppressWarnings("unchecked")
    static <Q extends Request> Entry<Q, MessageLite> of(Q request) {
        return (Entry<Q, MessageLite>) TABLE.get(request.getClass());
    }

    static Response.Message message(Message m) {
        return new Response.Message(m.getId(), m.getSender(), m.getRecipient(), m.getTimestampMs(), m.getBody());
    }
}
