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
            new Request.GroupReceipts("t", "#g", 7), new Request.ListDevices("t"));

    static final Map<Class<?>, Operation<?, ?>> BY_REQUEST = Operations.table().stream()
            .collect(Collectors.toMap(Operation::request, Function.identity()));

    @Test
    void everyOperationButAckAndNextHasAnOpcodeOfItsName() {
        for (Operation<?, ?> op : Operations.table()) {
            boolean wire = Arrays.stream(Opcode.values()).anyMatch(o -> o.name().equals(op.name()));
            assertThat(wire).as(op.name()).isEqualTo(!op.name().equals("ACK") && !op.name().equals("NEXT"));
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
        assertThat(WireMapping.in(new Request.Fetch("t", 5, 10, 100)).request()).isEqualTo(new ChatRequest.Fetch(5, 10, 100));
        assertThat(WireMapping.in(new Request.ListAccounts("t", PatternMode.WILDCARD, "a*", "c", 3)).request())
                .isEqualTo(new ChatRequest.ListAccounts(false, "a*", "c", 3));
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
