package org.wirechat.client.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.MessageLite;
import io.grpc.MethodDescriptor;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.wirechat.grpc.v1.ChatGrpc;
import org.wirechat.protocol.PatternMode;
import org.wirechat.protocol.Request;
import org.wirechat.protocol.Response;

/** The client's gRPC table against the sealed {@link Request} and the service: every request has a call, every reply a response. */
@Timeout(30)
class GrpcCallsTest {
    private static final Map<String, MethodDescriptor<?, ?>> METHODS = ChatGrpc.getServiceDescriptor().getMethods().stream()
            .collect(Collectors.toMap(MethodDescriptor::getBareMethodName, Function.identity()));

    /** The calls that are no wire request: the client makes them itself (the poller's stream, its acknowledgements). */
    private static final Set<String> NOT_REQUESTS = Set.of("Subscribe", "Ack", "Sync");

    /** One request of each type, with a token where it carries one. */
    private static final List<Request> SAMPLES = List.of(new Request.Ping(), new Request.ServerInfo(),
            new Request.CreateAccount("alice", "Alice", "password1"), new Request.Login("alice", "password1"),
            new Request.LoginDevice("alice", "password1", "phone"), new Request.Logout("t1"),
            new Request.ListAccounts("t1", PatternMode.REGEX, "a.*", "al", 7), new Request.Send("t1", "bob", "c1", "hi"),
            new Request.Fetch("t1", 3, 9, 2500), new Request.History("t1", "bob", 5, 8), new Request.DeleteAccount("t1", "password1"),
            new Request.Receipts("t1", "bob"), new Request.SetReceipts("t1", true), new Request.GroupCreate("t1", "#g"),
            new Request.GroupAdd("t1", "#g", "bob"), new Request.GroupRemove("t1", "#g", "bob"), new Request.GroupLeave("t1", "#g"),
            new Request.GroupRename("t1", "#g", "#h"), new Request.GroupList("t1"), new Request.GroupReceipts("t1", "#g", 4),
            new Request.GroupMembers("t1", "#g"), new Request.ListDevices("t1"),
            new Request.ChangePassword("t1", "password1", "password2"), new Request.SetFullName("t1", "Alice A"),
            new Request.Typing("t1", "#g", true), new Request.SearchMessages("t1", "caf* bar", 0, 20));

    @Test
    void everyRequestHasAnEntryAndEverySampleIsOfAnotherType() {
        Set<Class<?>> types = Arrays.stream(Request.class.getPermittedSubclasses()).collect(Collectors.toSet());
        assertThat(GrpcCalls.TABLE.keySet()).doesNotContainAnyElementsOf(GrpcCalls.STREAMED);
        types.removeAll(GrpcCalls.STREAMED); // SYNC: the Sync stream, opened by the poller (Subscribing.sync)
        assertThat(new HashSet<Class<?>>(GrpcCalls.TABLE.keySet())).containsExactlyInAnyOrderElementsOf(types);
        assertThat(SAMPLES).extracting(Object::getClass).doesNotHaveDuplicates().containsExactlyInAnyOrderElementsOf(types);
    }

    @Test
    void everyMethodOfTheServiceIsCalledByARequestOrByTheConnectionItself() {
        Set<String> called = GrpcCalls.TABLE.values().stream().map(GrpcCalls.Entry::method).collect(Collectors.toCollection(HashSet::new));
        assertThat(called).doesNotContainAnyElementsOf(NOT_REQUESTS);
        called.addAll(NOT_REQUESTS);
        assertThat(called).containsExactlyInAnyOrderElementsOf(METHODS.keySet());
    }

    @Test
    void eachRequestIsSentAsItsMethodsMessageWithItsTokenAndEachReplyIsReadBack() {
        for (Request request : SAMPLES) {
            GrpcCalls.Entry<Request, MessageLite> entry = GrpcCalls.of(request);
            MethodDescriptor<?, ?> method = METHODS.get(entry.method());
            assertThat(method.getType()).as(entry.method()).isEqualTo(MethodDescriptor.MethodType.UNARY);
            MessageLite message = entry.message().apply(request);
            assertThat(message.getClass()).as(entry.method()).isEqualTo(prototype(method.getRequestMarshaller()).getClass());
            boolean carriesToken = Arrays.stream(request.getClass().getRecordComponents()).anyMatch(c -> c.getName().equals("token"));
            assertThat(entry.token() == null ? null : entry.token().apply(request)).as(entry.method())
                    .isEqualTo(carriesToken ? "t1" : null);
            assertThat(entry.waitMillis().applyAsLong(request)).as(entry.method())
                    .isEqualTo(request instanceof Request.Fetch f ? f.maxWaitMillis() : 0);
            Function<MessageLite, Response> reply = entry.reply();
            Response answered = reply.apply(prototype(method.getResponseMarshaller()));
            assertThat(answered).as(entry.method()).isNotNull().isNotInstanceOf(Response.Error.class);
            assertThat(answered.getClass().getSimpleName()).as(request.getClass().getSimpleName()).isEqualTo(REPLIES.get(request.getClass()));
        }
    }

    /** The response each request is answered with (Login and LoginDevice share a reply message, not a response). */
    private static final Map<Class<?>, String> REPLIES = Map.ofEntries(Map.entry(Request.Ping.class, "Pong"),
            Map.entry(Request.ServerInfo.class, "ServerInfo"), Map.entry(Request.CreateAccount.class, "AccountCreated"),
            Map.entry(Request.Login.class, "LoggedIn"), Map.entry(Request.LoginDevice.class, "DeviceLoggedIn"),
            Map.entry(Request.Logout.class, "LoggedOut"), Map.entry(Request.ListAccounts.class, "Accounts"),
            Map.entry(Request.Send.class, "Sent"), Map.entry(Request.Fetch.class, "Messages"),
            Map.entry(Request.History.class, "Conversation"), Map.entry(Request.DeleteAccount.class, "AccountDeleted"),
            Map.entry(Request.Receipts.class, "Receipts"), Map.entry(Request.SetReceipts.class, "ReceiptsSet"),
            Map.entry(Request.GroupCreate.class, "GroupCreated"), Map.entry(Request.GroupAdd.class, "MemberAdded"),
            Map.entry(Request.GroupRemove.class, "MemberRemoved"), Map.entry(Request.GroupLeave.class, "GroupLeft"),
            Map.entry(Request.GroupRename.class, "GroupRenamed"), Map.entry(Request.GroupList.class, "Groups"),
            Map.entry(Request.GroupReceipts.class, "GroupReceipts"), Map.entry(Request.GroupMembers.class, "Members"),
            Map.entry(Request.ListDevices.class, "Devices"), Map.entry(Request.ChangePassword.class, "PasswordChanged"),
            Map.entry(Request.SetFullName.class, "FullNameSet"), Map.entry(Request.Typing.class, "TypingSent"),
            Map.entry(Request.SearchMessages.class, "SearchResults"));

    private static MessageLite prototype(MethodDescriptor.Marshaller<?> marshaller) {
        return (MessageLite) ((MethodDescriptor.PrototypeMarshaller<?>) marshaller).getMessagePrototype();
    }
}
