package org.wirechat.server.grpc;

import static java.util.Map.entry;
import static org.wirechat.grpc.v1.PatternMode.PATTERN_MODE_REGEX;

import com.google.protobuf.MessageLite;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.wirechat.grpc.v1.Account;
import org.wirechat.grpc.v1.AccountDevice;
import org.wirechat.grpc.v1.AckReply;
import org.wirechat.grpc.v1.AckRequest;
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
import org.wirechat.grpc.v1.Group;
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
import org.wirechat.grpc.v1.Member;
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
import org.wirechat.grpc.v1.SetReceiptsReply;
import org.wirechat.grpc.v1.SetReceiptsRequest;
import org.wirechat.grpc.v1.SubscribeRequest;
import org.wirechat.grpc.v1.SyncEvent;
import org.wirechat.grpc.v1.SyncRequest;
import org.wirechat.grpc.v1.TypingEvent;
import org.wirechat.grpc.v1.TypingReply;
import org.wirechat.grpc.v1.TypingRequest;
import org.wirechat.protocol.ErrorCode;
import org.wirechat.protocol.Frame;
import org.wirechat.protocol.Limits;
import org.wirechat.protocol.ProtocolException;
import org.wirechat.protocol.Response;
import org.wirechat.server.ResponseFit;
import org.wirechat.server.core.ChatError;
import org.wirechat.server.core.ChatRequest;
import org.wirechat.server.core.ChatResult;
import org.wirechat.server.core.Operation;
import org.wirechat.server.core.Operations;

/**
 * The gRPC service's protobuf messages to the core's records and back, one table per direction
 * (docs/architecture.md §2.5); {@code GrpcMappingTest} checks both against the operation table and the
 * service's methods, so nothing can be forgotten. The spec's field rules are checked field by field with the
 * protocol's own rules ({@link Limits}, which the wire codec runs too), in the spec's order, before the core
 * sees the request; answers are fitted to the wire protocol's frame limit ({@link ResponseFit}), so both
 * transports page alike.
 */
final class GrpcMapping {
    private GrpcMapping() {
    }

    /** One method's protobuf request (and the call's token) to a core request, once its fields are checked. */
    @FunctionalInterface
    interface Inbound<M> {
        ChatRequest in(M request, String token) throws ProtocolException;
    }

    /** One core result to its protobuf reply, fitted to {@code maxAnswerBytes}. */
    @FunctionalInterface
    interface Outbound<R extends ChatResult> {
        MessageLite out(R result, int maxAnswerBytes);
    }

    /**
     * An optional count: proto3 cannot tell 0 from unset, so 0 means the default (docs/grpc.md); another
     * value is checked as the wire protocol checks it.
     */
    private static int orDefault(int value, int byDefault) {
        return value == 0 ? byDefault : value;
    }

    /** A text field's characters (the wire codec's rule for every field it decodes). */
    private static String text(String value, String field) throws ProtocolException {
        return Limits.checkText(value, field);
    }

    /** The call's token, the wire protocol's first field: checked first, as there. */
    private static void token(String token) throws ProtocolException {
        Limits.checkToken(text(token, "token"));
    }

    /** A request's {@code group} field. */
    private static String group(String group) throws ProtocolException {
        return Limits.checkGroupName(text(group, "group"));
    }

    /** The operation each method of the service calls (Login: LOGIN_DEVICE with a device id). */
    static final Map<String, String> OPERATION = Map.ofEntries(entry("Ping", "PING"), entry("ServerInfo", "SERVER_INFO"),
            entry("CreateAccount", "CREATE_ACCOUNT"), entry("Login", "LOGIN"), entry("Logout", "LOGOUT"),
            entry("ListAccounts", "LIST_ACCOUNTS"), entry("Send", "SEND"), entry("Fetch", "FETCH"), entry("Ack", "ACK"),
            entry("Subscribe", "NEXT"), entry("History", "HISTORY"), entry("DeleteAccount", "DELETE_ACCOUNT"),
            entry("Receipts", "RECEIPTS"), entry("SetReceipts", "SET_RECEIPTS"), entry("CreateGroup", "GROUP_CREATE"),
            entry("AddMember", "GROUP_ADD"), entry("RemoveMember", "GROUP_REMOVE"), entry("LeaveGroup", "GROUP_LEAVE"),
            entry("RenameGroup", "GROUP_RENAME"), entry("ListGroups", "GROUP_LIST"), entry("GroupMembers", "GROUP_MEMBERS"),
            entry("GroupReceipts", "GROUP_RECEIPTS"), entry("ListDevices", "LIST_DEVICES"),
            entry("ChangePassword", "CHANGE_PASSWORD"), entry("SetFullName", "SET_FULL_NAME"), entry("Sync", "SYNC_NEXT"),
            entry("Typing", "TYPING"), entry("SearchMessages", "SEARCH_MESSAGES"));

    /** The operations whose results a server-streaming method pushes one item at a time (Subscribe's, Sync's). */
    static final Set<String> PUSHES = Set.of("NEXT", "SYNC_NEXT");

    /** The core's operations, by name. */
    private static final Map<String, Operation<?, ?>> OPERATIONS = Operations.table().stream()
            .collect(Collectors.toUnmodifiableMap(Operation::name, Function.identity()));

    /** The operations a call of {@code method} can be (Login: LOGIN, or LOGIN_DEVICE with a device id). */
    static List<String> operationsOf(String method) {
        String operation = OPERATION.get(method);
        if (operation == null) {
            return List.of();
        }
        return method.equals("Login") ? List.of(operation, "LOGIN_DEVICE") : List.of(operation);
    }

    /**
     * What of {@code method} the tables miss, or null when its request, its operations and each of their results
     * are mapped ({@link GrpcChatService} does not start with a method that is not).
     */
    static String unmapped(String method) {
        if (!IN.containsKey(method)) {
            return "no entry in GrpcMapping.IN";
        }
        List<String> operations = operationsOf(method);
        if (operations.isEmpty()) {
            return "no entry in GrpcMapping.OPERATION";
        }
        for (String name : operations) {
            Operation<?, ?> operation = OPERATIONS.get(name);
            if (operation == null) {
                return "its operation " + name + " is not in the core's table";
            }
            if (!OUT.containsKey(operation.result())) {
                return "no entry in GrpcMapping.OUT for " + operation.result().getSimpleName();
            }
        }
        return null;
    }

    /** The operation a call of {@code method} with {@code request} is (for the metrics, even when its fields are refused). */
    static String operationOf(String method, Object request) {
        if (request instanceof LoginRequest l && !l.getDeviceId().isEmpty()) {
            return "LOGIN_DEVICE";
        }
        return OPERATION.get(method);
    }

    /**
     * Inbound, by the service's method name. Each field is checked by the protocol's own rule for it ({@link Limits}:
     * the one the wire codec runs on the field read from a frame), with the spec's name for it, in the spec's order —
     * the call's token first, as the wire's first field — so a refusal is the wire protocol's, code and text.
     */
    static final Map<String, Inbound<?>> IN = Map.ofEntries(
            entry("Ping", (PingRequest r, String t) -> new ChatRequest.Ping()),
            entry("ServerInfo", (ServerInfoRequest r, String t) -> new ChatRequest.ServerInfo()),
            entry("CreateAccount", (CreateAccountRequest r, String t) -> new ChatRequest.CreateAccount(
                    Limits.checkUsername(text(r.getUsername(), "username")),
                    Limits.checkFullName(text(r.getFullName(), "full name")),
                    Limits.checkPassword(text(r.getPassword(), "password")))),
            entry("Login", (LoginRequest r, String t) -> {
                String username = Limits.checkUsername(text(r.getUsername(), "username"));
                String password = Limits.checkPassword(text(r.getPassword(), "password"));
                return r.getDeviceId().isEmpty() ? new ChatRequest.Login(username, password)
                        : new ChatRequest.LoginDevice(username, password, Limits.checkDeviceId(text(r.getDeviceId(), "device id")));
            }),
            entry("Logout", (LogoutRequest r, String t) -> {
                token(t);
                return new ChatRequest.Logout();
            }),
            entry("ListAccounts", (ListAccountsRequest r, String t) -> {
                token(t); // the token first, then the mode: the wire's order
                if (r.getModeValue() != 0 && r.getModeValue() != 1) { // the wire's field is a letter: its own text
                    throw new ProtocolException(ErrorCode.INVALID_FIELD, "pattern mode must be WILDCARD or REGEX");
                }
                return new ChatRequest.ListAccounts(r.getMode() == PATTERN_MODE_REGEX,
                        Limits.checkPattern(text(r.getPattern(), "pattern")),
                        Limits.checkCursor(text(r.getCursor(), "cursor")),
                        Limits.checkRange("limit", orDefault(r.getLimit(), Limits.PAGE_MAX), 1, Limits.PAGE_MAX));
            }),
            entry("Send", (SendRequest r, String t) -> {
                token(t);
                return new ChatRequest.Send(Limits.checkRecipient(text(r.getRecipient(), "recipient")),
                        Limits.checkClientMessageId(text(r.getClientMessageId(), "client message id")),
                        Limits.checkBody(Limits.checkMultilineText(r.getBody(), "message"), Limits.BODY_MAX));
            }),
            entry("Fetch", (FetchRequest r, String t) -> {
                token(t);
                return new ChatRequest.Fetch(Limits.checkNotNegative("acknowledge-through id", r.getAckThroughId()),
                        Limits.checkRange("max count", orDefault(r.getMaxCount(), GrpcChatService.DEFAULT_FETCH_COUNT), 1,
                                Limits.FETCH_COUNT_MAX),
                        Limits.checkRange("max wait", r.getMaxWaitMs(), 0, Limits.FETCH_WAIT_MAX_MILLIS));
            }),
            entry("Ack", (AckRequest r, String t) -> { // a FETCH's first half: its rules
                token(t);
                return new ChatRequest.Ack(Limits.checkNotNegative("acknowledge-through id", r.getThroughId()));
            }),
            entry("Subscribe", (SubscribeRequest r, String t) -> { // a FETCH acknowledging nothing: its rules
                token(t);
                return new ChatRequest.Next(Limits.checkNotNegative("acknowledge-through id", r.getAfterId()),
                        GrpcChatService.SUBSCRIBE_BATCH, GrpcChatService.SUBSCRIBE_WAIT_MILLIS);
            }),
            entry("History", (HistoryRequest r, String t) -> {
                token(t);
                return new ChatRequest.History(Limits.checkRecipient(text(r.getPeer(), "peer")),
                        Limits.checkNotNegative("before id", r.getBeforeId()),
                        Limits.checkRange("limit", orDefault(r.getLimit(), Limits.PAGE_MAX), 1, Limits.PAGE_MAX));
            }),
            entry("DeleteAccount", (DeleteAccountRequest r, String t) -> {
                token(t);
                return new ChatRequest.DeleteAccount(Limits.checkPassword(text(r.getPassword(), "password")));
            }),
            entry("Receipts", (ReceiptsRequest r, String t) -> {
                token(t);
                return new ChatRequest.Receipts(Limits.checkUsername(text(r.getPeer(), "peer")));
            }),
            entry("SetReceipts", (SetReceiptsRequest r, String t) -> {
                token(t);
                return new ChatRequest.SetReceipts(r.getOn());
            }),
            entry("CreateGroup", (CreateGroupRequest r, String t) -> {
                token(t);
                return new ChatRequest.CreateGroup(group(r.getGroup()));
            }),
            entry("AddMember", (AddMemberRequest r, String t) -> {
                token(t);
                return new ChatRequest.AddMember(group(r.getGroup()), Limits.checkUsername(text(r.getUsername(), "username")));
            }),
            entry("RemoveMember", (RemoveMemberRequest r, String t) -> {
                token(t);
                return new ChatRequest.RemoveMember(group(r.getGroup()), Limits.checkUsername(text(r.getUsername(), "username")));
            }),
            entry("LeaveGroup", (LeaveGroupRequest r, String t) -> {
                token(t);
                return new ChatRequest.LeaveGroup(group(r.getGroup()));
            }),
            entry("RenameGroup", (RenameGroupRequest r, String t) -> {
                token(t);
                return new ChatRequest.RenameGroup(group(r.getGroup()), Limits.checkGroupName(text(r.getNewName(), "new name")));
            }),
            entry("ListGroups", (ListGroupsRequest r, String t) -> {
                token(t);
                return new ChatRequest.ListGroups();
            }),
            entry("GroupMembers", (GroupMembersRequest r, String t) -> {
                token(t);
                return new ChatRequest.GroupMembers(group(r.getGroup()));
            }),
            entry("GroupReceipts", (GroupReceiptsRequest r, String t) -> {
                token(t);
                return new ChatRequest.GroupReceipts(group(r.getGroup()), Limits.checkNotNegative("message id", r.getMessageId()));
            }),
            entry("ListDevices", (ListDevicesRequest r, String t) -> {
                token(t);
                return new ChatRequest.ListDevices();
            }),
            entry("ChangePassword", (ChangePasswordRequest r, String t) -> {
                token(t);
                return new ChatRequest.ChangePassword(Limits.checkPassword(text(r.getCurrentPassword(), "current password")),
                        Limits.checkPassword(text(r.getNewPassword(), "new password")));
            }),
            entry("SetFullName", (SetFullNameRequest r, String t) -> {
                token(t);
                return new ChatRequest.SetFullName(Limits.checkFullName(text(r.getFullName(), "full name")));
            }),
            entry("Sync", (SyncRequest r, String t) -> { // a SYNC acknowledging nothing: its rules
                token(t);
                return new ChatRequest.SyncNext(Limits.checkNotNegative("acknowledge-through id", r.getAfterId()),
                        GrpcChatService.SUBSCRIBE_BATCH, GrpcChatService.SUBSCRIBE_WAIT_MILLIS);
            }),
            entry("Typing", (TypingRequest r, String t) -> {
                token(t);
                return new ChatRequest.Typing(Limits.checkRecipient(text(r.getConversation(), "conversation")), r.getTyping());
            }),
            entry("SearchMessages", (SearchMessagesRequest r, String t) -> {
                token(t);
                return new ChatRequest.SearchMessages(Limits.checkSearchQuery(text(r.getQuery(), "query")),
                        Limits.checkNotNegative("before id", r.getBeforeId()),
                        Limits.checkRange("limit", orDefault(r.getLimit(), Limits.PAGE_MAX), 1, Limits.PAGE_MAX));
            }));

    /**
     * Outbound, by the core's result class. NEXT's messages and SYNC_NEXT's events are pushed one by one
     * ({@link #message}, {@link #events}); their entries here answer nothing a client calls.
     */
    static final Map<Class<? extends ChatResult>, Outbound<?>> OUT = Map.ofEntries(
            out(ChatResult.Pong.class, (p, max) -> PingReply.newBuilder().setServerTimeMs(p.serverTimeMillis()).build()),
            out(ChatResult.Info.class, (i, max) -> ServerInfoReply.newBuilder().addAllWireVersions(List.of(Frame.VERSION_1))
                    .setMaxFrameBytes(max).setMaxMessageChars(i.maxMessageChars()).setMaxFetchWaitMs(i.maxFetchWaitMillis())
                    .addAllFeatures(i.features()).build()),
            out(ChatResult.AccountCreated.class, (a, max) -> CreateAccountReply.newBuilder().setUsername(a.username()).build()),
            out(ChatResult.LoggedIn.class, (l, max) -> LoginReply.newBuilder().setToken(l.token())
                    .setExpiresAtMs(l.expiresAtMillis()).setUnread(l.unread()).build()),
            out(ChatResult.DeviceLoggedIn.class, (l, max) -> LoginReply.newBuilder().setToken(l.token())
                    .setExpiresAtMs(l.expiresAtMillis()).setUnread(l.unread()).setMissed(l.missed()).build()),
            out(ChatResult.LoggedOut.class, (l, max) -> LogoutReply.getDefaultInstance()),
            out(ChatResult.AccountPage.class, (p, max) -> {
                ListAccountsReply.Builder b = ListAccountsReply.newBuilder().setNextCursor(p.nextCursor());
                for (ChatResult.Account x : p.accounts()) {
                    b.addAccounts(Account.newBuilder().setUsername(x.username()).setFullName(x.fullName()).setOnline(x.online()));
                }
                return b.build();
            }),
            out(ChatResult.Sent.class, (s, max) -> SendReply.newBuilder().setId(s.id()).setTimestampMs(s.timestampMillis()).build()),
            out(ChatResult.Messages.class, (m, max) -> {
                FetchReply.Builder b = FetchReply.newBuilder();
                Response.Messages fitted = (Response.Messages) ResponseFit.toFrame(new Response.Messages(wire(m.messages())), max);
                fitted.messages().forEach(x -> b.addMessages(message(x)));
                return b.build();
            }),
            out(ChatResult.Acked.class, (a, max) -> AckReply.getDefaultInstance()),
            out(ChatResult.Events.class, (e, max) -> { // pushed one by one (events), never a unary reply
                throw new IllegalStateException("SYNC_NEXT's events are pushed by the Sync stream");
            }),
            out(ChatResult.TypingSent.class, (t, max) -> TypingReply.getDefaultInstance()),
            out(ChatResult.Conversation.class, (c, max) -> {
                Response.Conversation fitted = (Response.Conversation) ResponseFit.toFrame(
                        new Response.Conversation(wire(c.messages()), c.nextBeforeId()), max);
                HistoryReply.Builder b = HistoryReply.newBuilder().setNextBeforeId(fitted.nextBeforeId());
                fitted.messages().forEach(x -> b.addMessages(message(x)));
                return b.build();
            }),
            out(ChatResult.AccountDeleted.class, (d, max) -> DeleteAccountReply.getDefaultInstance()),
            out(ChatResult.ReceiptState.class, (r, max) -> ReceiptsReply.newBuilder().setShared(r.shared())
                    .setOldestWaitingId(r.oldestWaitingId()).build()),
            out(ChatResult.ReceiptsSet.class, (r, max) -> SetReceiptsReply.newBuilder().setOn(r.on()).build()),
            out(ChatResult.PasswordChanged.class, (p, max) -> ChangePasswordReply.getDefaultInstance()),
            out(ChatResult.FullNameSet.class, (n, max) -> SetFullNameReply.newBuilder().setFullName(n.fullName()).build()),
            out(ChatResult.SearchResults.class, (r, max) -> {
                Response.SearchResults fitted = (Response.SearchResults) ResponseFit.toFrame(
                        new Response.SearchResults(wire(r.messages()), r.nextBeforeId()), max);
                SearchMessagesReply.Builder b = SearchMessagesReply.newBuilder().setNextBeforeId(fitted.nextBeforeId());
                fitted.messages().forEach(x -> b.addMessages(message(x)));
                return b.build();
            }),
            out(ChatResult.GroupCreated.class, (g, max) -> CreateGroupReply.newBuilder().setGroup(g.group()).build()),
            out(ChatResult.MemberAdded.class, (m, max) -> AddMemberReply.newBuilder().setUsername(m.username()).build()),
            out(ChatResult.MemberRemoved.class, (m, max) -> RemoveMemberReply.getDefaultInstance()),
            out(ChatResult.GroupLeft.class, (g, max) -> LeaveGroupReply.getDefaultInstance()),
            out(ChatResult.GroupRenamed.class, (g, max) -> RenameGroupReply.newBuilder().setGroup(g.group()).build()),
            out(ChatResult.GroupList.class, (l, max) -> {
                ListGroupsReply.Builder b = ListGroupsReply.newBuilder();
                for (ChatResult.Group g : l.groups()) {
                    b.addGroups(Group.newBuilder().setName(g.name()).setOwner(g.owner()).setMembers(g.members()));
                }
                return b.build();
            }),
            out(ChatResult.Members.class, (m, max) -> {
                GroupMembersReply.Builder b = GroupMembersReply.newBuilder().setGroup(m.group());
                for (ChatResult.Member x : m.members()) {
                    b.addMembers(Member.newBuilder().setUsername(x.username()).setOnline(x.online()).setOwner(x.owner()));
                }
                return b.build();
            }),
            out(ChatResult.GroupReceiptCounts.class, (g, max) -> GroupReceiptsReply.newBuilder().setShared(g.shared())
                    .setMembers(g.members()).setDelivered(g.delivered()).build()),
            out(ChatResult.DeviceList.class, (l, max) -> {
                ListDevicesReply.Builder b = ListDevicesReply.newBuilder();
                for (ChatResult.Device d : l.devices()) {
                    b.addDevices(AccountDevice.newBuilder().setDeviceId(d.id()).setLastSeenMs(d.lastSeenMillis())
                            .setHolds(d.holds()).setThisDevice(d.current()));
                }
                return b.build();
            }));

    private static <R extends ChatResult> Map.Entry<Class<? extends ChatResult>, Outbound<?>> out(Class<R> type,
            Outbound<R> outbound) {
        return entry(type, outbound);
    }

    /** The core request a call of {@code method} makes. */
    @SuppressWarnings("unchecked")
    static <M> ChatRequest in(String method, M request, String token) throws ProtocolException {
        return ((Inbound<M>) IN.get(method)).in(request, token);
    }

    /** The reply to a call whose core result is {@code result}. */
    @SuppressWarnings("unchecked")
    static <R extends ChatResult> MessageLite out(R result, int maxAnswerBytes) {
        return ((Outbound<R>) OUT.get(result.getClass())).out(result, maxAnswerBytes);
    }

    /** The wirechat error a core refusal is (its gRPC status and trailers follow from it: docs/grpc.md). */
    static ErrorCode code(ChatError error) {
        return ErrorCode.valueOf(error.name());
    }

    /**
     * SYNC_NEXT's answer as Sync pushes it: its live events, then its messages, oldest first (a message of one typing
     * ends their indication, so it comes after).
     */
    static List<SyncEvent> events(ChatResult.Events e) {
        List<SyncEvent> out = new ArrayList<>(e.messages().size() + e.typing().size());
        e.typing().forEach(t -> out.add(SyncEvent.newBuilder().setTyping(TypingEvent.newBuilder().setFrom(t.from())
                .setConversation(t.conversation()).setTyping(t.typing()).setExpiresInMs(t.expiresInMillis())).build()));
        e.messages().forEach(m -> out.add(SyncEvent.newBuilder().setMessage(message(m)).build()));
        return out;
    }

    static Message message(ChatResult.Message m) {
        return Message.newBuilder().setId(m.id()).setSender(m.sender()).setRecipient(m.recipient())
                .setTimestampMs(m.timestampMillis()).setBody(m.body()).build();
    }

    private static Message message(Response.Message m) {
        return Message.newBuilder().setId(m.id()).setSender(m.sender()).setRecipient(m.recipient())
                .setTimestampMs(m.timestampMillis()).setBody(m.body()).build();
    }

    private static List<Response.Message> wire(List<ChatResult.Message> messages) {
        return messages.stream().map(m -> new Response.Message(m.id(), m.sender(), m.recipient(), m.timestampMillis(), m.body()))
                .toList();
    }
}
