package org.wirechat.server.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.MethodDescriptor;
import io.grpc.ServerMethodDefinition;
import io.grpc.ServerServiceDefinition;
import io.grpc.ServiceDescriptor;
import io.grpc.protobuf.ProtoUtils;
import io.grpc.Status;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.wirechat.grpc.v1.AckRequest;
import org.wirechat.grpc.v1.AddMemberRequest;
import org.wirechat.grpc.v1.ChatGrpc;
import org.wirechat.grpc.v1.CreateAccountRequest;
import org.wirechat.grpc.v1.ChangePasswordRequest;
import org.wirechat.grpc.v1.CreateGroupRequest;
import org.wirechat.grpc.v1.DeleteAccountRequest;
import org.wirechat.grpc.v1.FetchRequest;
import org.wirechat.grpc.v1.GroupMembersRequest;
import org.wirechat.grpc.v1.GroupReceiptsRequest;
import org.wirechat.grpc.v1.HistoryRequest;
import org.wirechat.grpc.v1.LeaveGroupRequest;
import org.wirechat.grpc.v1.ListAccountsRequest;
import org.wirechat.grpc.v1.ListDevicesRequest;
import org.wirechat.grpc.v1.ListGroupsRequest;
import org.wirechat.grpc.v1.LoginReply;
import org.wirechat.grpc.v1.LoginRequest;
import org.wirechat.grpc.v1.LogoutRequest;
import org.wirechat.grpc.v1.PingReply;
import org.wirechat.grpc.v1.PingRequest;
import org.wirechat.grpc.v1.ReceiptsRequest;
import org.wirechat.grpc.v1.RemoveMemberRequest;
import org.wirechat.grpc.v1.RenameGroupRequest;
import org.wirechat.grpc.v1.SendRequest;
import org.wirechat.grpc.v1.ServerInfoRequest;
import org.wirechat.grpc.v1.SearchMessagesRequest;
import org.wirechat.grpc.v1.SetFullNameRequest;
import org.wirechat.grpc.v1.SetReceiptsRequest;
import org.wirechat.grpc.v1.SubscribeRequest;
import org.wirechat.grpc.v1.SyncRequest;
import org.wirechat.grpc.v1.TypingRequest;
import org.wirechat.protocol.ErrorCode;
import org.wirechat.protocol.Frame;
import org.wirechat.protocol.Limits;
import org.wirechat.server.ServerMetrics;
import org.wirechat.server.core.ChatError;
import org.wirechat.server.core.ChatRequest;
import org.wirechat.server.core.ChatResult;
import org.wirechat.server.core.Operation;
import org.wirechat.server.core.Operations;

/** The gRPC mapping against the operation table and the service: nothing of either side is left unmapped. */
@Timeout(30)
class GrpcMappingTest {
    static final Map<String, Operation<?, ?>> BY_NAME = Operations.table().stream()
            .collect(Collectors.toMap(Operation::name, Function.identity()));

    static final Set<String> METHODS = ChatGrpc.getServiceDescriptor().getMethods().stream()
            .map(MethodDescriptor::getBareMethodName).collect(Collectors.toSet());

    /** One valid request of each method (the token is the call's, "t" here). */
    static final Map<String, Object> SAMPLES = Map.ofEntries(Map.entry("Ping", PingRequest.getDefaultInstance()),
            Map.entry("ServerInfo", ServerInfoRequest.getDefaultInstance()),
            Map.entry("CreateAccount", CreateAccountRequest.newBuilder().setUsername("alice").setFullName("Alice")
                    .setPassword("password1").build()),
            Map.entry("Login", LoginRequest.newBuilder().setUsername("alice").setPassword("password1").build()),
            Map.entry("Logout", LogoutRequest.getDefaultInstance()),
            Map.entry("ListAccounts", ListAccountsRequest.newBuilder().setPattern("a*").build()),
            Map.entry("Send", SendRequest.newBuilder().setRecipient("bob").setClientMessageId("c1").setBody("hi").build()),
            Map.entry("Fetch", FetchRequest.newBuilder().setAckThroughId(3).build()),
            Map.entry("Ack", AckRequest.newBuilder().setThroughId(3).build()),
            Map.entry("Subscribe", SubscribeRequest.newBuilder().setAfterId(3).build()),
            Map.entry("History", HistoryRequest.newBuilder().setPeer("bob").build()),
            Map.entry("DeleteAccount", DeleteAccountRequest.newBuilder().setPassword("password1").build()),
            Map.entry("Receipts", ReceiptsRequest.newBuilder().setPeer("bob").build()),
            Map.entry("SetReceipts", SetReceiptsRequest.newBuilder().setOn(true).build()),
            Map.entry("ChangePassword", ChangePasswordRequest.newBuilder().setCurrentPassword("password1")
                    .setNewPassword("password2").build()),
            Map.entry("SetFullName", SetFullNameRequest.newBuilder().setFullName("Alice A").build()),
            Map.entry("SearchMessages", SearchMessagesRequest.newBuilder().setQuery("caf* bar").setBeforeId(9).setLimit(20).build()),
            Map.entry("CreateGroup", CreateGroupRequest.newBuilder().setGroup("#g").build()),
            Map.entry("AddMember", AddMemberRequest.newBuilder().setGroup("#g").setUsername("bob").build()),
            Map.entry("RemoveMember", RemoveMemberRequest.newBuilder().setGroup("#g").setUsername("bob").build()),
            Map.entry("LeaveGroup", LeaveGroupRequest.newBuilder().setGroup("#g").build()),
            Map.entry("RenameGroup", RenameGroupRequest.newBuilder().setGroup("#g").setNewName("#h").build()),
            Map.entry("ListGroups", ListGroupsRequest.getDefaultInstance()),
            Map.entry("GroupMembers", GroupMembersRequest.newBuilder().setGroup("#g").build()),
            Map.entry("GroupReceipts", GroupReceiptsRequest.newBuilder().setGroup("#g").setMessageId(7).build()),
            Map.entry("ListDevices", ListDevicesRequest.getDefaultInstance()),
            Map.entry("Sync", SyncRequest.newBuilder().setAfterId(3).build()),
            Map.entry("Typing", TypingRequest.newBuilder().setConversation("#g").setTyping(true).build()));

    @Test
    void everyMethodOfTheServiceHasAnInboundEntryAndAnOperation() {
        assertThat(GrpcMapping.IN.keySet()).containsExactlyInAnyOrderElementsOf(METHODS);
        assertThat(GrpcMapping.OPERATION.keySet()).containsExactlyInAnyOrderElementsOf(METHODS);
        assertThat(SAMPLES.keySet()).containsExactlyInAnyOrderElementsOf(METHODS);
    }

    @Test
    void everyOperationIsReachedByAMethodAndEveryResultHasAnOutboundEntry() {
        Set<String> reached = new HashSet<>(GrpcMapping.OPERATION.values());
        reached.add("LOGIN_DEVICE"); // Login with a device id
        assertThat(reached).doesNotContain("SYNC");
        reached.add("SYNC"); // the wire's long poll of events: over gRPC the Sync stream (SYNC_NEXT) and Ack
        assertThat(reached).containsExactlyInAnyOrderElementsOf(BY_NAME.keySet());
        for (Operation<?, ?> op : Operations.table()) {
            assertThat(GrpcMapping.OUT).as(op.name()).containsKey(op.result());
        }
    }

    /** A service to bind (binding uses none of its parts: no Chat is needed to build its definition). */
    static GrpcChatService service() {
        return new GrpcChatService(null, () -> false, Frame.MAX_FRAME_BYTES, ServerMetrics.OFF, Runnable::run);
    }

    @Test
    void theServiceBindsEveryMethodOfTheDescriptorToAHandlerOfItsOwnName() {
        ServerServiceDefinition definition = service().bindService();
        ServiceDescriptor descriptor = ChatGrpc.getServiceDescriptor();
        assertThat(definition.getServiceDescriptor()).isSameAs(descriptor);
        assertThat(definition.getMethods()).extracting(m -> m.getMethodDescriptor().getBareMethodName())
                .containsExactlyInAnyOrderElementsOf(METHODS);
        for (MethodDescriptor<?, ?> m : descriptor.getMethods()) {
            ServerMethodDefinition<?, ?> bound = definition.getMethod(m.getFullMethodName());
            assertThat(bound).as(m.getFullMethodName()).isNotNull();
            assertThat(bound.getMethodDescriptor()).as(m.getFullMethodName()).isSameAs(m);
            assertThat(GrpcMapping.unmapped(m.getBareMethodName())).as(m.getFullMethodName()).isNull();
        }
    }

    @Test
    void aMethodWithoutAMappingStopsTheServiceFromBeingBuilt() {
        MethodDescriptor<PingRequest, PingReply> unmapped = MethodDescriptor.<PingRequest, PingReply>newBuilder()
                .setType(MethodDescriptor.MethodType.UNARY)
                .setFullMethodName(MethodDescriptor.generateFullMethodName(ChatGrpc.SERVICE_NAME, "Frobnicate"))
                .setRequestMarshaller(ProtoUtils.marshaller(PingRequest.getDefaultInstance()))
                .setResponseMarshaller(ProtoUtils.marshaller(PingReply.getDefaultInstance())).build();
        ServiceDescriptor.Builder b = ServiceDescriptor.newBuilder(ChatGrpc.SERVICE_NAME);
        ChatGrpc.getServiceDescriptor().getMethods().forEach(b::addMethod);
        ServiceDescriptor grown = b.addMethod(unmapped).build();
        assertThatThrownBy(() -> service().definition(grown)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("Frobnicate").hasMessageContaining("GrpcMapping.IN");
        assertThat(GrpcMapping.unmapped("Frobnicate")).isNotNull();
    }

    @Test
    void aMethodStreamingWhereItsOperationDoesNotPushStopsTheServiceFromBeingBuilt() {
        MethodDescriptor<PingRequest, PingReply> ping = ChatGrpc.getPingMethod().toBuilder()
                .setType(MethodDescriptor.MethodType.SERVER_STREAMING).build();
        ServiceDescriptor.Builder b = ServiceDescriptor.newBuilder(ChatGrpc.SERVICE_NAME);
        ChatGrpc.getServiceDescriptor().getMethods().stream().filter(m -> !m.getBareMethodName().equals("Ping"))
                .forEach(b::addMethod);
        ServiceDescriptor streamingPing = b.addMethod(ping).build();
        assertThatThrownBy(() -> service().definition(streamingPing)).isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("Ping streams");
    }

    /** What each sample must become, field for field (distinct values, so a swap of two fields fails). */
    static final Map<String, ChatRequest> EXPECTED = Map.ofEntries(Map.entry("Ping", new ChatRequest.Ping()),
            Map.entry("ServerInfo", new ChatRequest.ServerInfo()),
            Map.entry("CreateAccount", new ChatRequest.CreateAccount("alice", "Alice", "password1")),
            Map.entry("Login", new ChatRequest.Login("alice", "password1")),
            Map.entry("Logout", new ChatRequest.Logout()),
            Map.entry("ListAccounts", new ChatRequest.ListAccounts(false, "a*", "", Limits.PAGE_MAX)),
            Map.entry("Send", new ChatRequest.Send("bob", "c1", "hi")),
            Map.entry("Fetch", new ChatRequest.Fetch(3, GrpcChatService.DEFAULT_FETCH_COUNT, 0)),
            Map.entry("Ack", new ChatRequest.Ack(3)),
            Map.entry("Subscribe", new ChatRequest.Next(3, GrpcChatService.SUBSCRIBE_BATCH, GrpcChatService.SUBSCRIBE_WAIT_MILLIS)),
            Map.entry("History", new ChatRequest.History("bob", 0, Limits.PAGE_MAX)),
            Map.entry("DeleteAccount", new ChatRequest.DeleteAccount("password1")),
            Map.entry("Receipts", new ChatRequest.Receipts("bob")),
            Map.entry("SetReceipts", new ChatRequest.SetReceipts(true)),
            Map.entry("ChangePassword", new ChatRequest.ChangePassword("password1", "password2")),
            Map.entry("SetFullName", new ChatRequest.SetFullName("Alice A")),
            Map.entry("SearchMessages", new ChatRequest.SearchMessages("caf* bar", 9, 20)),
            Map.entry("CreateGroup", new ChatRequest.CreateGroup("#g")),
            Map.entry("AddMember", new ChatRequest.AddMember("#g", "bob")),
            Map.entry("RemoveMember", new ChatRequest.RemoveMember("#g", "bob")),
            Map.entry("LeaveGroup", new ChatRequest.LeaveGroup("#g")),
            Map.entry("RenameGroup", new ChatRequest.RenameGroup("#g", "#h")),
            Map.entry("ListGroups", new ChatRequest.ListGroups()),
            Map.entry("GroupMembers", new ChatRequest.GroupMembers("#g")),
            Map.entry("GroupReceipts", new ChatRequest.GroupReceipts("#g", 7)),
            Map.entry("ListDevices", new ChatRequest.ListDevices()),
            Map.entry("Sync", new ChatRequest.SyncNext(3, GrpcChatService.SUBSCRIBE_BATCH, GrpcChatService.SUBSCRIBE_WAIT_MILLIS)),
            Map.entry("Typing", new ChatRequest.Typing("#g", true)));

    @Test
    void eachMethodsRequestBecomesItsOperationsRequestFieldForField() throws Exception {
        assertThat(EXPECTED.keySet()).containsExactlyInAnyOrderElementsOf(METHODS);
        for (Map.Entry<String, Object> e : SAMPLES.entrySet()) {
            ChatRequest in = GrpcMapping.in(e.getKey(), e.getValue(), "t");
            Operation<?, ?> op = BY_NAME.get(GrpcMapping.operationOf(e.getKey(), e.getValue()));
            assertThat(in).as(e.getKey()).isInstanceOf(op.request()).isEqualTo(EXPECTED.get(e.getKey()));
        }
        LoginRequest device = LoginRequest.newBuilder().setUsername("alice").setPassword("password1").setDeviceId("phone").build();
        assertThat(GrpcMapping.in("Login", device, "")).isEqualTo(new ChatRequest.LoginDevice("alice", "password1", "phone"));
        assertThat(GrpcMapping.operationOf("Login", device)).isEqualTo("LOGIN_DEVICE");
        assertThat(GrpcMapping.in("ListAccounts", ListAccountsRequest.newBuilder().setPattern("b.*").setModeValue(1)
                .setCursor("c").setLimit(3).build(), "t")).isEqualTo(new ChatRequest.ListAccounts(true, "b.*", "c", 3));
        assertThat(GrpcMapping.in("Fetch", FetchRequest.newBuilder().setAckThroughId(5).setMaxCount(10).setMaxWaitMs(100).build(), "t"))
                .isEqualTo(new ChatRequest.Fetch(5, 10, 100));
        assertThat(GrpcMapping.in("History", HistoryRequest.newBuilder().setPeer("carol").setBeforeId(9).setLimit(4).build(), "t"))
                .isEqualTo(new ChatRequest.History("carol", 9, 4));
    }

    @Test
    void aLoginAndADeviceLoginAreEachRepliedWithTheirOwnFields() {
        assertThat(GrpcMapping.out(new ChatResult.LoggedIn("k", 9, 2), Frame.MAX_FRAME_BYTES))
                .isEqualTo(LoginReply.newBuilder().setToken("k").setExpiresAtMs(9).setUnread(2).build());
        assertThat(GrpcMapping.out(new ChatResult.DeviceLoggedIn("k", 9, 2, 4), Frame.MAX_FRAME_BYTES))
                .isEqualTo(LoginReply.newBuilder().setToken("k").setExpiresAtMs(9).setUnread(2).setMissed(4).build());
        assertThat(GrpcMapping.OUT).containsKeys(ChatResult.LoggedIn.class, ChatResult.DeviceLoggedIn.class);
    }

    @Test
    void everyChatErrorHasAWirechatErrorAndAStatus() {
        for (ChatError e : ChatError.values()) {
            ErrorCode code = GrpcMapping.code(e);
            assertThat(code.name()).isEqualTo(e.name());
            assertThat(GrpcChatService.status(code, "why", List.of()).getCode()).as(e.name()).isNotEqualTo(Status.Code.INTERNAL);
        }
    }
}
