package org.wirechat.server.wire;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.wirechat.protocol.ErrorCode;
import org.wirechat.protocol.Opcode;
import org.wirechat.protocol.PatternMode;
import org.wirechat.protocol.Request;
import org.wirechat.protocol.Response;
import org.wirechat.server.core.ChatError;
import org.wirechat.server.core.ChatException;
import org.wirechat.server.core.ChatRequest;
import org.wirechat.server.core.ChatResult;
import org.wirechat.server.core.Login;
import org.wirechat.server.core.Operation;
import org.wirechat.server.core.Operations;

/** The wire mapping against the operation table: nothing of either side is left unmapped. */
@Timeout(30)
class WireMappingTest {
    /** One wire request of each opcode, each with the token "t" where it has one. */
    static final List<Request> REQUESTS = List.of(new Request.Ping(), new Request.ServerInfo(),
            new Request.CreateAccount("alice", "Alice", "password1"), new Request.Login("alice", "password1"),
            new Request.LoginDevice("alice", "password1", "phone"), new Request.Logout("t"),
            new Request.ListAccounts("t", PatternMode.REGEX, "a.*", "", 10), new Request.Send("t", "bob", "c1", "hi"),
            new Request.Fetch("t", 5, 10, 100), new Request.History("t", "bob", 0, 10), new Request.DeleteAccount("t", "password1"),
            new Request.Receipts("t", "bob"), new Request.SetReceipts("t", true), new Request.GroupCreate("t", "#g"),
            new Request.GroupAdd("t", "#g", "bob"), new Request.GroupRemove("t", "#g", "bob"), new Request.GroupLeave("t", "#g"),
            new Request.GroupRename("t", "#g", "#h"), new Request.GroupList("t"), new Request.GroupMembers("t", "#g"),
            new Request.GroupReceipts("t", "#g", 7), new Request.ListDevices("t"),
            new Request.ChangePassword("t", "password1", "password2"), new Request.SetFullName("t", "Alice A"),
            new Request.Sync("t", 5, 10, 100), new Request.Typing("t", "bob", true),
            new Request.SearchMessages("t", "caf* bar", 9, 20));

    static final Map<Class<?>, Operation<?, ?>> BY_REQUEST = Operations.table().stream()
            .collect(Collectors.toMap(Operation::request, Function.identity()));

    @Test
    void everyOperationButTheStreamHalvesHasAnOpcodeOfItsName() {
        for (Operation<?, ?> op : Operations.table()) {
            boolean wire = Arrays.stream(Opcode.values()).anyMatch(o -> o.name().equals(op.name()));
            assertThat(wire).as(op.name()).isEqualTo(!List.of("ACK", "NEXT", "SYNC_NEXT").contains(op.name()));
        }
    }

    @Test
    void eachWireRequestGoesToTheOperationOfItsOpcodeWithItsToken() {
        assertThat(REQUESTS).extracting(Request::opcode).containsExactlyInAnyOrder(Opcode.values());
        for (Request r : REQUESTS) {
            WireMapping.Inbound in = WireMapping.in(r);
            assertThat(BY_REQUEST.get(in.request().getClass()).name()).as(r.toString()).isEqualTo(r.opcode().name());
            boolean beforeLogin = BY_REQUEST.get(in.request().getClass()).login() == Login.NONE;
            assertThat(in.token()).as(r.toString()).isEqualTo(beforeLogin ? "" : "t");
        }
        assertThat(WireMapping.in(new Request.ListAccounts("t", PatternMode.WILDCARD, "a*", "c", 3)).request())
                .isEqualTo(new ChatRequest.ListAccounts(false, "a*", "c", 3));
    }

    @Test
    void eachPatternModeIsDecidedRegexOrNot() {
        Map<PatternMode, Boolean> regex = Map.of(PatternMode.WILDCARD, false, PatternMode.REGEX, true);
        assertThat(regex.keySet()).containsExactlyInAnyOrder(PatternMode.values());
        regex.forEach((mode, expected) -> assertThat(WireMapping.in(new Request.ListAccounts("t", mode, "a", "", 3)).request())
                .as(mode.name()).isEqualTo(new ChatRequest.ListAccounts(expected, "a", "", 3)));
    }

    /** WireMapping.out throws on Acked: no wire request may reach the operation that answers it. */
    @Test
    void noWireRequestReachesTheOperationAnsweredAcked() {
        assertThat(REQUESTS).extracting(Request::opcode).containsExactlyInAnyOrder(Opcode.values());
        for (Request r : REQUESTS) {
            assertThat(BY_REQUEST.get(WireMapping.in(r).request().getClass()).result()).as(r.toString())
                    .isNotEqualTo(ChatResult.Acked.class);
        }
    }

    @Test
    void eachWireRequestBecomesItsCoreRequestFieldForField() {
        List<ChatRequest> expected = List.of(new ChatRequest.Ping(), new ChatRequest.ServerInfo(),
                new ChatRequest.CreateAccount("alice", "Alice", "password1"), new ChatRequest.Login("alice", "password1"),
                new ChatRequest.LoginDevice("alice", "password1", "phone"), new ChatRequest.Logout(),
                new ChatRequest.ListAccounts(true, "a.*", "", 10), new ChatRequest.Send("bob", "c1", "hi"),
                new ChatRequest.Fetch(5, 10, 100), new ChatRequest.History("bob", 0, 10), new ChatRequest.DeleteAccount("password1"),
                new ChatRequest.Receipts("bob"), new ChatRequest.SetReceipts(true), new ChatRequest.CreateGroup("#g"),
                new ChatRequest.AddMember("#g", "bob"), new ChatRequest.RemoveMember("#g", "bob"), new ChatRequest.LeaveGroup("#g"),
                new ChatRequest.RenameGroup("#g", "#h"), new ChatRequest.ListGroups(), new ChatRequest.GroupMembers("#g"),
                new ChatRequest.GroupReceipts("#g", 7), new ChatRequest.ListDevices(),
                new ChatRequest.ChangePassword("password1", "password2"), new ChatRequest.SetFullName("Alice A"),
                new ChatRequest.Sync(5, 10, 100), new ChatRequest.Typing("bob", true),
                new ChatRequest.SearchMessages("caf* bar", 9, 20));
        assertThat(REQUESTS.stream().map(r -> WireMapping.in(r).request()).toList()).isEqualTo(expected);
        assertThat(WireMapping.in(new Request.History("t", "carol", 9, 4)).request()).isEqualTo(new ChatRequest.History("carol", 9, 4));
    }

    @Test
    void eachCoreResultBecomesItsWireResponseFieldForField() {
        ChatResult.Message m = new ChatResult.Message(7, "alice", "bob", 1000, "hi");
        Map<ChatResult, Response> cases = Map.ofEntries(
                Map.entry(new ChatResult.Pong(42), new Response.Pong(42)),
                Map.entry(new ChatResult.AccountCreated("alice"), new Response.AccountCreated("alice")),
                Map.entry(new ChatResult.LoggedIn("k", 9, 2), new Response.LoggedIn("k", 9, 2)),
                Map.entry(new ChatResult.DeviceLoggedIn("k", 9, 2, 0), new Response.DeviceLoggedIn("k", 9, 2, 0)),
                Map.entry(new ChatResult.DeviceLoggedIn("k", 9, 2, 4), new Response.DeviceLoggedIn("k", 9, 2, 4)),
                Map.entry(new ChatResult.LoggedOut(), new Response.LoggedOut()),
                Map.entry(new ChatResult.Sent(7, 1000), new Response.Sent(7, 1000)),
                Map.entry(new ChatResult.Messages(List.of(m)),
                        new Response.Messages(List.of(new Response.Message(7, "alice", "bob", 1000, "hi")))),
                Map.entry(new ChatResult.Conversation(List.of(m), 6),
                        new Response.Conversation(List.of(new Response.Message(7, "alice", "bob", 1000, "hi")), 6)),
                Map.entry(new ChatResult.AccountDeleted(), new Response.AccountDeleted()),
                Map.entry(new ChatResult.ReceiptState(true, 5), new Response.Receipts(true, 5)),
                Map.entry(new ChatResult.ReceiptsSet(false), new Response.ReceiptsSet(false)),
                Map.entry(new ChatResult.GroupCreated("#g"), new Response.GroupCreated("#g")),
                Map.entry(new ChatResult.MemberAdded("bob"), new Response.MemberAdded("bob")),
                Map.entry(new ChatResult.MemberRemoved(), new Response.MemberRemoved()),
                Map.entry(new ChatResult.GroupLeft(), new Response.GroupLeft()),
                Map.entry(new ChatResult.GroupRenamed("#h"), new Response.GroupRenamed("#h")),
                Map.entry(new ChatResult.GroupReceiptCounts(true, 3, 2), new Response.GroupReceipts(true, 3, 2)),
                Map.entry(new ChatResult.Events(List.of(m), List.of(new ChatResult.TypingEvent("carol", "#g", true, 5000))),
                        new Response.Events(List.of(new Response.Message(7, "alice", "bob", 1000, "hi")),
                                List.of(new Response.Typing("carol", "#g", true, 5000)))),
                Map.entry(new ChatResult.TypingSent(), new Response.TypingSent()));
        cases.forEach((result, response) -> assertThat(WireMapping.out(result, 65_536)).as(result.toString()).isEqualTo(response));
    }

    @Test
    void everyChatErrorMapsToTheErrorCodeOfItsName() {
        for (ChatError e : ChatError.values()) {
            ErrorCode code = WireMapping.code(e);
            assertThat(code.name()).isEqualTo(e.name());
            Response.Error error = WireMapping.error(new ChatException(e, "why", List.of("1")));
            assertThat(error.code()).isEqualTo(code);
            assertThat(error.reason()).isEqualTo("why");
            assertThat(error.details()).containsExactly("1");
        }
    }
}
