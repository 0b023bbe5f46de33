package org.wirechat.server.grpc;

import io.grpc.Context;
import java.util.function.Function;
import org.wirechat.grpc.v1.Account;
import org.wirechat.grpc.v1.AccountDevice;
import org.wirechat.grpc.v1.AddMemberReply;
import org.wirechat.grpc.v1.AddMemberRequest;
import org.wirechat.grpc.v1.CreateGroupReply;
import org.wirechat.grpc.v1.CreateGroupRequest;
import org.wirechat.grpc.v1.Group;
import org.wirechat.grpc.v1.GroupMembersReply;
import org.wirechat.grpc.v1.GroupMembersRequest;
import org.wirechat.grpc.v1.GroupReceiptsReply;
import org.wirechat.grpc.v1.GroupReceiptsRequest;
import org.wirechat.grpc.v1.LeaveGroupReply;
import org.wirechat.grpc.v1.LeaveGroupRequest;
import org.wirechat.grpc.v1.ListDevicesReply;
import org.wirechat.grpc.v1.ListDevicesRequest;
import org.wirechat.grpc.v1.ListGroupsReply;
import org.wirechat.grpc.v1.ListGroupsRequest;
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
import org.wirechat.grpc.v1.SetReceiptsReply;
import org.wirechat.grpc.v1.SetReceiptsRequest;
import org.wirechat.server.ResponseFit;
import org.wirechat.server.core.Call;
import org.wirechat.server.core.Caller;
import org.wirechat.server.core.Chat;
import org.wirechat.server.core.ChatException;
import org.wirechat.server.core.ChatRequest;
import org.wirechat.server.core.ChatResult;
import org.wirechat.server.wire.WireMapping;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.function.BooleanSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.wirechat.grpc.v1.AckReply;
import org.wirechat.grpc.v1.AckRequest;
import org.wirechat.grpc.v1.ChatGrpc;
import org.wirechat.grpc.v1.CreateAccountReply;
import org.wirechat.grpc.v1.CreateAccountRequest;
import org.wirechat.grpc.v1.DeleteAccountReply;
import org.wirechat.grpc.v1.DeleteAccountRequest;
import org.wirechat.grpc.v1.FetchReply;
import org.wirechat.grpc.v1.FetchRequest;
import org.wirechat.grpc.v1.HistoryReply;
import org.wirechat.grpc.v1.HistoryRequest;
import org.wirechat.grpc.v1.ListAccountsReply;
import org.wirechat.grpc.v1.ListAccountsRequest;
import org.wirechat.grpc.v1.LoginReply;
import org.wirechat.grpc.v1.LoginRequest;
import org.wirechat.grpc.v1.LogoutReply;
import org.wirechat.grpc.v1.LogoutRequest;
import org.wirechat.grpc.v1.SendReply;
import org.wirechat.grpc.v1.SendRequest;
import org.wirechat.grpc.v1.ServerInfoReply;
import org.wirechat.grpc.v1.ServerInfoRequest;
import org.wirechat.grpc.v1.SubscribeRequest;
import org.wirechat.protocol.ErrorCode;
import org.wirechat.protocol.Limits;
import org.wirechat.protocol.PatternMode;
import org.wirechat.protocol.ProtocolException;
import org.wirechat.protocol.Request;
import org.wirechat.protocol.RequestCodec;
import org.wirechat.protocol.Response;
import org.wirechat.server.ServerMetrics;

/**
 * Service {@code wirechat.v1.Chat}: each call becomes the wire protocol's request (checked exactly as the
 * wire codec checks it) and goes to the same {@link Chat}; its response becomes the reply, and an
 * error a gRPC status with the wirechat error in the trailers. docs/grpc.md maps them one by one.
 */
final class GrpcChatService extends ChatGrpc.ChatImplBase {
    private static final Logger log = LoggerFactory.getLogger(GrpcChatService.class);

    static final Metadata.Key<String> AUTHORIZATION = Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);
    static final Metadata.Key<String> ERROR = Metadata.Key.of("wirechat-error", Metadata.ASCII_STRING_MARSHALLER);
    static final Metadata.Key<String> ERROR_NAME = Metadata.Key.of("wirechat-error-name", Metadata.ASCII_STRING_MARSHALLER);
    static final Metadata.Key<String> RETRY_AFTER = Metadata.Key.of("wirechat-retry-after-ms", Metadata.ASCII_STRING_MARSHALLER);
    static final Metadata.Key<String> DETAIL = Metadata.Key.of("wirechat-detail", Metadata.ASCII_STRING_MARSHALLER);
    /** The bearer token of the call, read from its headers by {@link GrpcTransport}'s interceptor. */
    static final Context.Key<String> TOKEN = Context.key("wirechat-token");

    /**
     * How many messages one push of Subscribe carries at most, and how long one of its waits lasts: a
     * cancelled subscription ends within one wait. (Interrupting the waiting thread instead would also
     * interrupt a database read under way, and a virtual thread interrupted in socket I/O closes the
     * socket: a pooled PostgreSQL connection.) An idle subscription's look every 2 s is answered from
     * memory in either store.
     */
    static final int SUBSCRIBE_BATCH = 100;
    static final long SUBSCRIBE_WAIT_MILLIS = 2_000;

    private final Chat chat;
    private final ServerMetrics metrics;
    private final BooleanSupplier closing;
    /** Answers are fitted to the wire protocol's frame limit too, so both transports page alike. */
    private final int maxAnswerBytes;

    /** Where each subscription's pushing runs (a virtual thread each: it waits for mail). */
    private final Executor pushers;

    GrpcChatService(Chat chat, BooleanSupplier closing, int maxAnswerBytes, ServerMetrics metrics,
            Executor pushers) {
        this.chat = chat;
        this.pushers = pushers;
        this.metrics = metrics;
        this.maxAnswerBytes = maxAnswerBytes;
        this.closing = closing;
    }

    // ---- errors ----

    /** The gRPC status for a wirechat error (docs/grpc.md has the table). */
    static Status status(ErrorCode code, String reason, List<String> details) {
        Status s = switch (code) {
            case MALFORMED_FRAME, FRAME_TOO_LARGE, UNSUPPORTED_VERSION, UNKNOWN_OPCODE, WRONG_FIELD_COUNT,
                 INVALID_ENCODING, INVALID_CHARACTER, FIELD_TOO_LONG, INVALID_FIELD, INVALID_USERNAME,
                 INVALID_PASSWORD, INVALID_NAME, MESSAGE_TOO_LONG, MESSAGE_EMPTY, INVALID_PATTERN, INVALID_GROUP_NAME -> Status.INVALID_ARGUMENT;
            case USERNAME_TAKEN, GROUP_NAME_TAKEN -> Status.ALREADY_EXISTS;
            case BAD_CREDENTIALS, NOT_AUTHENTICATED -> Status.UNAUTHENTICATED;
            case NO_SUCH_USER, NO_SUCH_GROUP -> Status.NOT_FOUND;
            case NOT_A_MEMBER, NOT_THE_OWNER -> Status.PERMISSION_DENIED;
            case GROUP_FULL, TOO_MANY_GROUPS -> Status.RESOURCE_EXHAUSTED;
            case INBOX_NOT_EMPTY, CLIENT_ID_REUSED -> Status.FAILED_PRECONDITION;
            case INBOX_FULL, RATE_LIMITED -> Status.RESOURCE_EXHAUSTED;
            case ACCOUNT_DISABLED -> Status.PERMISSION_DENIED;
            case DEVICE_IN_USE -> Status.FAILED_PRECONDITION;
            case STORAGE_UNAVAILABLE, SERVER_BUSY, SHUTTING_DOWN, IDLE_TIMEOUT -> Status.UNAVAILABLE;
            case INTERNAL_ERROR, OK, UNKNOWN -> Status.INTERNAL;
        };
        return s.withDescription(reason);
    }

    /** The trailers that carry the wirechat error: its number and name, its details, how long to wait. */
    static Metadata trailers(ErrorCode code, List<String> details) {
        Metadata m = new Metadata();
        m.put(ERROR, String.valueOf(code.wire()));
        m.put(ERROR_NAME, code.name());
        for (String d : details) {
            m.put(DETAIL, d);
        }
        if ((code == ErrorCode.RATE_LIMITED || code == ErrorCode.STORAGE_UNAVAILABLE) && !details.isEmpty()) {
            m.put(RETRY_AFTER, details.get(0));
        }
        return m;
    }

    static StatusRuntimeException failure(Response.Error e) {
        ErrorCode code = e.code();
        return status(code, e.reason(), e.details()).asRuntimeException(trailers(code, e.details()));
    }

    private static StatusRuntimeException failure(ProtocolException e) {
        return status(e.code(), e.detail(), e.details()).asRuntimeException(trailers(e.code(), e.details()));
    }

    // ---- the calls ----

    /**
     * Fetch's {@code max_count} when it is 0 (unset): as many as one answer holds comfortably (the answer is
     * fitted to the frame limit in any case).
     */
    static final int DEFAULT_FETCH_COUNT = 100;

    /**
     * An optional count: proto3 cannot tell 0 from unset, so 0 means the default (docs/grpc.md); another
     * value is checked as the wire protocol checks it.
     */
    private static int orDefault(int value, int byDefault) {
        return value == 0 ? byDefault : value;
    }

    private static Caller caller() {
        return GrpcTransport.CALLER.get().caller();
    }

    /**
     * The core's answer to a request, as a wire response (gRPC still maps through the wire protocol's records
     * in this step of issue 28; {@code GrpcMapping} replaces this).
     */
    static Response ask(Chat chat, ChatRequest request, Call call) throws InterruptedException {
        return chat.submit(request, call).handle((r, failure) -> WireMapping.answer(r, failure, 0)).join();
    }

    /** The core's refusal of a request whose success has no wire answer (ACK), or {@code null} when done. */
    static Response.Error refusal(Chat chat, ChatRequest request, Call call) throws InterruptedException {
        CompletableFuture<ChatResult> answer = chat.submit(request, call);
        try {
            answer.join();
            return null;
        } catch (CompletionException e) {
            if (e.getCause() instanceof ChatException c) {
                return WireMapping.error(c);
            }
            throw e;
        }
    }

    /** The call's token ("authorization: Bearer TOKEN"), or "" when it has none (then NOT_AUTHENTICATED). */
    private static String token() {
        String t = TOKEN.get();
        return t == null ? "" : t;
    }

    /** Checks the request as the wire codec would, runs it, and hands the reply (or the error) to the observer. */
    private <T> void run(Request request, StreamObserver<T> observer, Function<Response, T> reply) {
        long started = metrics.on() ? System.nanoTime() : 0;
        Response response;
        try {
            WireMapping.Inbound in = WireMapping.in(RequestCodec.check(request));
            response = ResponseFit.toFrame(chat.submit(in.request(), new Call(caller(), in.token()))
                    .handle((r, failure) -> WireMapping.answer(r, failure, maxAnswerBytes)).join(), maxAnswerBytes);
            metrics.answered(request.opcode().wire(), response, System.nanoTime() - started);
        } catch (ProtocolException e) {
            metrics.answered(request.opcode().wire(), new Response.Error(e.code(), e.detail(), e.details()),
                    System.nanoTime() - started);
            observer.onError(failure(e));
            return;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            observer.onError(Status.CANCELLED.withDescription("the call was cancelled").asRuntimeException());
            return;
        } catch (RuntimeException e) {
            log.error("a gRPC call failed", e);
            observer.onError(status(ErrorCode.INTERNAL_ERROR, "internal error", List.of())
                    .asRuntimeException(trailers(ErrorCode.INTERNAL_ERROR, List.of())));
            return;
        }
        if (response instanceof Response.Error e) {
            observer.onError(failure(e));
            return;
        }
        observer.onNext(reply.apply(response));
        observer.onCompleted();
    }

    private static Message message(Response.Message m) {
        return Message.newBuilder().setId(m.id()).setSender(m.sender()).setRecipient(m.recipient())
                .setTimestampMs(m.timestampMillis()).setBody(m.body()).build();
    }

    @Override
    public void ping(PingRequest request, StreamObserver<PingReply> observer) {
        run(new Request.Ping(), observer, r -> PingReply.newBuilder()
                .setServerTimeMs(((Response.Pong) r).serverTimeMillis()).build());
    }

    @Override
    public void serverInfo(ServerInfoRequest request, StreamObserver<ServerInfoReply> observer) {
        run(new Request.ServerInfo(), observer, r -> {
            Response.ServerInfo i = (Response.ServerInfo) r;
            return ServerInfoReply.newBuilder().addAllWireVersions(i.versions()).setMaxFrameBytes(i.maxFrameBytes())
                    .setMaxMessageChars(i.maxMessageChars()).setMaxFetchWaitMs(i.maxFetchWaitMillis())
                    .addAllFeatures(i.features()).build();
        });
    }

    @Override
    public void createAccount(CreateAccountRequest request, StreamObserver<CreateAccountReply> observer) {
        run(new Request.CreateAccount(request.getUsername(), request.getFullName(), request.getPassword()), observer,
                r -> CreateAccountReply.newBuilder().setUsername(((Response.AccountCreated) r).username()).build());
    }

    @Override
    public void login(LoginRequest request, StreamObserver<LoginReply> observer) {
        if (!request.getDeviceId().isEmpty()) {
            run(new Request.LoginDevice(request.getUsername(), request.getPassword(), request.getDeviceId()), observer, r -> {
                Response.DeviceLoggedIn l = (Response.DeviceLoggedIn) r;
                return LoginReply.newBuilder().setToken(l.token()).setExpiresAtMs(l.expiresAtMillis()).setUnread(l.unread())
                        .setMissed(l.missed()).build();
            });
            return;
        }
        run(new Request.Login(request.getUsername(), request.getPassword()), observer, r -> {
            Response.LoggedIn l = (Response.LoggedIn) r;
            return LoginReply.newBuilder().setToken(l.token()).setExpiresAtMs(l.expiresAtMillis()).setUnread(l.unread()).build();
        });
    }

    @Override
    public void logout(LogoutRequest request, StreamObserver<LogoutReply> observer) {
        run(new Request.Logout(token()), observer, r -> LogoutReply.getDefaultInstance());
    }

    @Override
    public void listAccounts(ListAccountsRequest request, StreamObserver<ListAccountsReply> observer) {
        PatternMode mode = request.getMode() == org.wirechat.grpc.v1.PatternMode.PATTERN_MODE_REGEX
                ? PatternMode.REGEX : PatternMode.WILDCARD;
        if (request.getModeValue() != 0 && request.getModeValue() != 1) {
            observer.onError(failure(new ProtocolException(ErrorCode.INVALID_FIELD, "pattern mode must be WILDCARD or REGEX")));
            return;
        }
        run(new Request.ListAccounts(token(), mode, request.getPattern(), request.getCursor(),
                orDefault(request.getLimit(), Limits.PAGE_MAX)), observer,
                r -> {
                    Response.Accounts a = (Response.Accounts) r;
                    ListAccountsReply.Builder b = ListAccountsReply.newBuilder().setNextCursor(a.nextCursor());
                    for (Response.Account x : a.accounts()) {
                        b.addAccounts(Account.newBuilder().setUsername(x.username())
                                .setFullName(x.fullName()).setOnline(x.online()));
                    }
                    return b.build();
                });
    }

    @Override
    public void send(SendRequest request, StreamObserver<SendReply> observer) {
        run(new Request.Send(token(), request.getRecipient(), request.getClientMessageId(), request.getBody()), observer,
                r -> {
                    Response.Sent s = (Response.Sent) r;
                    return SendReply.newBuilder().setId(s.messageId()).setTimestampMs(s.timestampMillis()).build();
                });
    }

    @Override
    public void fetch(FetchRequest request, StreamObserver<FetchReply> observer) {
        run(new Request.Fetch(token(), request.getAckThroughId(),
                orDefault(request.getMaxCount(), DEFAULT_FETCH_COUNT), request.getMaxWaitMs()), observer,
                r -> {
                    FetchReply.Builder b = FetchReply.newBuilder();
                    ((Response.Messages) r).messages().forEach(m -> b.addMessages(message(m)));
                    return b.build();
                });
    }

    @Override
    public void ack(AckRequest request, StreamObserver<AckReply> observer) {
        try {
            RequestCodec.check(new Request.Fetch(token(), request.getThroughId(), 1, 0));
        } catch (ProtocolException e) {
            observer.onError(failure(e));
            return;
        }
        Response.Error e;
        try {
            e = refusal(chat, new ChatRequest.Ack(request.getThroughId()), new Call(caller(), token()));
        } catch (InterruptedException x) {
            Thread.currentThread().interrupt();
            observer.onError(Status.CANCELLED.withDescription("the call was cancelled").asRuntimeException());
            return;
        }
        if (e != null) {
            observer.onError(failure(e));
            return;
        }
        observer.onNext(AckReply.getDefaultInstance());
        observer.onCompleted();
    }

    @Override
    public void history(HistoryRequest request, StreamObserver<HistoryReply> observer) {
        run(new Request.History(token(), request.getPeer(), request.getBeforeId(),
                orDefault(request.getLimit(), Limits.PAGE_MAX)), observer, r -> {
            Response.Conversation c = (Response.Conversation) r;
            HistoryReply.Builder b = HistoryReply.newBuilder().setNextBeforeId(c.nextBeforeId());
            c.messages().forEach(m -> b.addMessages(message(m)));
            return b.build();
        });
    }

    @Override
    public void deleteAccount(DeleteAccountRequest request, StreamObserver<DeleteAccountReply> observer) {
        run(new Request.DeleteAccount(token(), request.getPassword()), observer, r -> DeleteAccountReply.getDefaultInstance());
    }

    @Override
    public void receipts(ReceiptsRequest request, StreamObserver<ReceiptsReply> observer) {
        run(new Request.Receipts(token(), request.getPeer()), observer, r -> {
            Response.Receipts receipts = (Response.Receipts) r;
            return ReceiptsReply.newBuilder().setShared(receipts.shared())
                    .setOldestWaitingId(receipts.oldestWaitingId()).build();
        });
    }

    @Override
    public void setReceipts(SetReceiptsRequest request,
            StreamObserver<SetReceiptsReply> observer) {
        run(new Request.SetReceipts(token(), request.getOn()), observer,
                r -> SetReceiptsReply.newBuilder().setOn(((Response.ReceiptsSet) r).on()).build());
    }

    @Override
    public void createGroup(CreateGroupRequest request, StreamObserver<CreateGroupReply> observer) {
        run(new Request.GroupCreate(token(), request.getGroup()), observer,
                r -> CreateGroupReply.newBuilder().setGroup(((Response.GroupCreated) r).group()).build());
    }

    @Override
    public void addMember(AddMemberRequest request, StreamObserver<AddMemberReply> observer) {
        run(new Request.GroupAdd(token(), request.getGroup(), request.getUsername()), observer,
                r -> AddMemberReply.newBuilder().setUsername(((Response.MemberAdded) r).username()).build());
    }

    @Override
    public void removeMember(RemoveMemberRequest request,
            StreamObserver<RemoveMemberReply> observer) {
        run(new Request.GroupRemove(token(), request.getGroup(), request.getUsername()), observer,
                r -> RemoveMemberReply.getDefaultInstance());
    }

    @Override
    public void leaveGroup(LeaveGroupRequest request, StreamObserver<LeaveGroupReply> observer) {
        run(new Request.GroupLeave(token(), request.getGroup()), observer, r -> LeaveGroupReply.getDefaultInstance());
    }

    @Override
    public void renameGroup(RenameGroupRequest request, StreamObserver<RenameGroupReply> observer) {
        run(new Request.GroupRename(token(), request.getGroup(), request.getNewName()), observer,
                r -> RenameGroupReply.newBuilder().setGroup(((Response.GroupRenamed) r).group()).build());
    }

    @Override
    public void listGroups(ListGroupsRequest request, StreamObserver<ListGroupsReply> observer) {
        run(new Request.GroupList(token()), observer, r -> {
            var b = ListGroupsReply.newBuilder();
            for (Response.Group g : ((Response.Groups) r).groups()) {
                b.addGroups(Group.newBuilder().setName(g.name()).setOwner(g.owner()).setMembers(g.members()));
            }
            return b.build();
        });
    }

    @Override
    public void listDevices(ListDevicesRequest request, StreamObserver<ListDevicesReply> observer) {
        run(new Request.ListDevices(token()), observer, r -> {
            var b = ListDevicesReply.newBuilder();
            for (Response.Device d : ((Response.Devices) r).devices()) {
                b.addDevices(AccountDevice.newBuilder().setDeviceId(d.id()).setLastSeenMs(d.lastSeenMillis())
                        .setHolds(d.holds()).setThisDevice(d.current()));
            }
            return b.build();
        });
    }

    @Override
    public void groupReceipts(GroupReceiptsRequest request,
            StreamObserver<GroupReceiptsReply> observer) {
        run(new Request.GroupReceipts(token(), request.getGroup(), request.getMessageId()), observer, r -> {
            Response.GroupReceipts g = (Response.GroupReceipts) r;
            return GroupReceiptsReply.newBuilder().setShared(g.shared()).setMembers(g.members())
                    .setDelivered(g.delivered()).build();
        });
    }

    @Override
    public void groupMembers(GroupMembersRequest request,
            StreamObserver<GroupMembersReply> observer) {
        run(new Request.GroupMembers(token(), request.getGroup()), observer, r -> {
            Response.Members m = (Response.Members) r;
            var b = GroupMembersReply.newBuilder().setGroup(m.group());
            for (Response.Member member : m.members()) {
                b.addMembers(Member.newBuilder().setUsername(member.username()).setOnline(member.online())
                        .setOwner(member.owner()));
            }
            return b.build();
        });
    }

    /**
     * Pushes each undelivered message after {@code after_id} as soon as it is stored, while the client
     * reads ({@link Subscription}), until the call is cancelled (seen within {@link #SUBSCRIBE_WAIT_MILLIS})
     * or the server closes (which wakes every wait).
     */
    @Override
    public void subscribe(SubscribeRequest request, StreamObserver<Message> plain) {
        String token = token();
        try {
            RequestCodec.check(new Request.Fetch(token, request.getAfterId(), 1, 0));
        } catch (ProtocolException e) {
            plain.onError(failure(e));
            return;
        }
        pushers.execute(new Subscription((ServerCallStreamObserver<Message>) plain, chat, new Call(caller(), token),
                request.getAfterId(), closing, metrics, GrpcChatService::message));
    }
}
