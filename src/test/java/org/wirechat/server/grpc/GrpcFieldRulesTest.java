package org.wirechat.server.grpc;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.wirechat.grpc.v1.AckRequest;
import org.wirechat.grpc.v1.AddMemberRequest;
import org.wirechat.grpc.v1.CreateAccountRequest;
import org.wirechat.grpc.v1.CreateGroupRequest;
import org.wirechat.grpc.v1.ChangePasswordRequest;
import org.wirechat.grpc.v1.DeleteAccountRequest;
import org.wirechat.grpc.v1.FetchRequest;
import org.wirechat.grpc.v1.GroupMembersRequest;
import org.wirechat.grpc.v1.GroupReceiptsRequest;
import org.wirechat.grpc.v1.HistoryRequest;
import org.wirechat.grpc.v1.LeaveGroupRequest;
import org.wirechat.grpc.v1.ListAccountsRequest;
import org.wirechat.grpc.v1.ListDevicesRequest;
import org.wirechat.grpc.v1.ListGroupsRequest;
import org.wirechat.grpc.v1.LoginRequest;
import org.wirechat.grpc.v1.LogoutRequest;
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
import org.wirechat.protocol.Opcode;
import org.wirechat.protocol.ProtocolException;
import org.wirechat.protocol.RequestCodec;

/**
 * The spec's field rules answer alike over both transports: for each gRPC method, bad fields — each alone, every
 * pair (which one is refused first), all at once — and good ones are put to the wire codec as a frame's fields and
 * to {@link GrpcMapping#IN} as the method's message, and must be refused with the same code and the same text (or
 * both accepted). Only what both can carry is compared: a gRPC 0 is "the default" (the wire refuses a limit of 0),
 * gRPC's negative ids and pattern-mode enum have no wire spelling.
 */
@Timeout(60)
class GrpcFieldRulesTest {
    private static final String TOKEN = "tok-en_1";

    /** A field of a request: a good value and the bad ones to try (tried over both transports). */
    private enum Field {
        TOKEN_FIELD(TOKEN, "t".repeat(65), "bad token", "to\u0001k", "tök"),
        USERNAME("alice", "", "a".repeat(51), "bad name", "ali\u00e9", "al\u0007", "#alice"),
        RECIPIENT("bob", "", "b".repeat(51), "b b", "#", "#bad name", "#" + "g".repeat(50), "bo\u0008", "#g\u009f",
                "#" + "g".repeat(49)),
        GROUP("#g", "g", "#", "#a b", "#" + "g".repeat(50), "#g\u0001", ""),
        NEW_NAME("#h", "h", "#", "#h h", "#h\u0002"),
        FULL_NAME("Alice", "", " ", "\u00a0\u3000", "\u200b", "a".repeat(51), "a\u0085b", "a\u2028b", "\u00e9".repeat(50)),
        PASSWORD("password1", "short", "p".repeat(51), "password\u0001", "\u00e9".repeat(8), "p".repeat(50)),
        DEVICE_ID("phone", "d".repeat(65), "a b", "ph\u00f6ne", "ph\u0002", "d".repeat(64)),
        CLIENT_ID("c1", "", "c".repeat(65), "c 1", "c\u0003", "c".repeat(64)),
        BODY("hi", "", "x".repeat(1001), "a\u0000b", "tab\tand\nnewline", "a\u0085", "\u2028", "x".repeat(1000)),
        PATTERN("a*", "p".repeat(101), "a\u0004", "p".repeat(100)),
        QUERY("caf\u00e9*", "q".repeat(201), "a\u0006", "q".repeat(200)),
        CURSOR("", "c".repeat(51), "a b", "a\u0005", "al\u00e9"),
        PAGE_LIMIT("10", "101", "100", "1", String.valueOf(Integer.MAX_VALUE)),
        MAX_COUNT("5", "1001", "1000", "1"),
        MAX_WAIT("0", "3600001", "3600000", String.valueOf(Integer.MAX_VALUE)),
        ID("7", String.valueOf(Long.MAX_VALUE), "0"),
        // (no empty token: gRPC refuses a call without one before its message, CallGate; an empty last field is no field on the wire)
        /** A field the gRPC message spells otherwise (a mode, a flag, Ack's FETCH numbers): only its good value. */
        FIXED(null);

        final String good;
        final List<String> bad;

        Field(String good, String... bad) {
            this.good = good;
            this.bad = List.of(bad);
        }
    }

    /** A method over gRPC, and its wire operation with its fields in the spec's order; the message from those fields. */
    private record Method(String name, Opcode opcode, List<Field> fields, List<String> fixed, Function<List<String>, Object> message) {
        /** The fields' good values (a FIXED field its own), the first one the token when the operation has one. */
        List<String> good() {
            List<String> values = new ArrayList<>();
            int f = 0;
            for (Field field : fields) {
                values.add(field == Field.FIXED ? fixed.get(f++) : field.good);
            }
            return values;
        }

        boolean hasToken() {
            return !fields.isEmpty() && fields.get(0) == Field.TOKEN_FIELD;
        }
    }

    private static Method method(String name, Opcode opcode, List<Field> fields, Function<List<String>, Object> message) {
        return new Method(name, opcode, fields, List.of(), message);
    }

    private static long n(String s) {
        return Long.parseLong(s);
    }

    private static int i(String s) {
        return Integer.parseInt(s);
    }

    private static final Field T = Field.TOKEN_FIELD;

    private static final List<Method> METHODS = List.of(
            method("Ping", Opcode.PING, List.of(), v -> PingRequest.getDefaultInstance()),
            method("ServerInfo", Opcode.SERVER_INFO, List.of(), v -> ServerInfoRequest.getDefaultInstance()),
            method("CreateAccount", Opcode.CREATE_ACCOUNT, List.of(Field.USERNAME, Field.FULL_NAME, Field.PASSWORD),
                    v -> CreateAccountRequest.newBuilder().setUsername(v.get(0)).setFullName(v.get(1)).setPassword(v.get(2)).build()),
            method("Login", Opcode.LOGIN, List.of(Field.USERNAME, Field.PASSWORD),
                    v -> LoginRequest.newBuilder().setUsername(v.get(0)).setPassword(v.get(1)).build()),
            method("Login", Opcode.LOGIN_DEVICE, List.of(Field.USERNAME, Field.PASSWORD, Field.DEVICE_ID),
                    v -> LoginRequest.newBuilder().setUsername(v.get(0)).setPassword(v.get(1)).setDeviceId(v.get(2)).build()),
            method("Logout", Opcode.LOGOUT, List.of(T), v -> LogoutRequest.getDefaultInstance()),
            new Method("ListAccounts", Opcode.LIST_ACCOUNTS, List.of(T, Field.FIXED, Field.PATTERN, Field.CURSOR, Field.PAGE_LIMIT),
                    List.of("W"), v -> ListAccountsRequest.newBuilder().setPattern(v.get(2)).setCursor(v.get(3))
                            .setLimit(i(v.get(4))).build()),
            method("Send", Opcode.SEND, List.of(T, Field.RECIPIENT, Field.CLIENT_ID, Field.BODY),
                    v -> SendRequest.newBuilder().setRecipient(v.get(1)).setClientMessageId(v.get(2)).setBody(v.get(3)).build()),
            method("Fetch", Opcode.FETCH, List.of(T, Field.ID, Field.MAX_COUNT, Field.MAX_WAIT),
                    v -> FetchRequest.newBuilder().setAckThroughId(n(v.get(1))).setMaxCount(i(v.get(2)))
                            .setMaxWaitMs(i(v.get(3))).build()),
            new Method("Ack", Opcode.FETCH, List.of(T, Field.ID, Field.FIXED, Field.FIXED), List.of("1", "0"),
                    v -> AckRequest.newBuilder().setThroughId(n(v.get(1))).build()),
            new Method("Subscribe", Opcode.FETCH, List.of(T, Field.ID, Field.FIXED, Field.FIXED), List.of("1", "0"),
                    v -> SubscribeRequest.newBuilder().setAfterId(n(v.get(1))).build()),
            method("History", Opcode.HISTORY, List.of(T, Field.RECIPIENT, Field.ID, Field.PAGE_LIMIT),
                    v -> HistoryRequest.newBuilder().setPeer(v.get(1)).setBeforeId(n(v.get(2))).setLimit(i(v.get(3))).build()),
            method("DeleteAccount", Opcode.DELETE_ACCOUNT, List.of(T, Field.PASSWORD),
                    v -> DeleteAccountRequest.newBuilder().setPassword(v.get(1)).build()),
            method("ChangePassword", Opcode.CHANGE_PASSWORD, List.of(T, Field.PASSWORD, Field.PASSWORD),
                    v -> ChangePasswordRequest.newBuilder().setCurrentPassword(v.get(1)).setNewPassword(v.get(2)).build()),
            method("SetFullName", Opcode.SET_FULL_NAME, List.of(T, Field.FULL_NAME),
                    v -> SetFullNameRequest.newBuilder().setFullName(v.get(1)).build()),
            method("SearchMessages", Opcode.SEARCH_MESSAGES, List.of(T, Field.QUERY, Field.ID, Field.PAGE_LIMIT),
                    v -> SearchMessagesRequest.newBuilder().setQuery(v.get(1)).setBeforeId(n(v.get(2))).setLimit(i(v.get(3))).build()),
            method("Receipts", Opcode.RECEIPTS, List.of(T, Field.USERNAME),
                    v -> ReceiptsRequest.newBuilder().setPeer(v.get(1)).build()),
            new Method("SetReceipts", Opcode.SET_RECEIPTS, List.of(T, Field.FIXED), List.of("1"),
                    v -> SetReceiptsRequest.newBuilder().setOn(true).build()),
            method("CreateGroup", Opcode.GROUP_CREATE, List.of(T, Field.GROUP),
                    v -> CreateGroupRequest.newBuilder().setGroup(v.get(1)).build()),
            method("AddMember", Opcode.GROUP_ADD, List.of(T, Field.GROUP, Field.USERNAME),
                    v -> AddMemberRequest.newBuilder().setGroup(v.get(1)).setUsername(v.get(2)).build()),
            method("RemoveMember", Opcode.GROUP_REMOVE, List.of(T, Field.GROUP, Field.USERNAME),
                    v -> RemoveMemberRequest.newBuilder().setGroup(v.get(1)).setUsername(v.get(2)).build()),
            method("LeaveGroup", Opcode.GROUP_LEAVE, List.of(T, Field.GROUP),
                    v -> LeaveGroupRequest.newBuilder().setGroup(v.get(1)).build()),
            method("RenameGroup", Opcode.GROUP_RENAME, List.of(T, Field.GROUP, Field.NEW_NAME),
                    v -> RenameGroupRequest.newBuilder().setGroup(v.get(1)).setNewName(v.get(2)).build()),
            method("ListGroups", Opcode.GROUP_LIST, List.of(T), v -> ListGroupsRequest.getDefaultInstance()),
            method("GroupMembers", Opcode.GROUP_MEMBERS, List.of(T, Field.GROUP),
                    v -> GroupMembersRequest.newBuilder().setGroup(v.get(1)).build()),
            method("GroupReceipts", Opcode.GROUP_RECEIPTS, List.of(T, Field.GROUP, Field.ID),
                    v -> GroupReceiptsRequest.newBuilder().setGroup(v.get(1)).setMessageId(n(v.get(2))).build()),
            method("ListDevices", Opcode.LIST_DEVICES, List.of(T), v -> ListDevicesRequest.getDefaultInstance()),
            new Method("Sync", Opcode.SYNC, List.of(T, Field.ID, Field.FIXED, Field.FIXED), List.of("1", "0"),
                    v -> SyncRequest.newBuilder().setAfterId(n(v.get(1))).build()),
            new Method("Typing", Opcode.TYPING, List.of(T, Field.RECIPIENT, Field.FIXED), List.of("1"),
                    v -> TypingRequest.newBuilder().setConversation(v.get(1)).setTyping(true).build()));

    /** What a transport made of a request: null when its fields passed, else the refusal's code, text and details. */
    private record Answer(ErrorCode code, String detail, List<String> details) {
        static Answer of(ProtocolException e) {
            return new Answer(e.code(), e.detail(), e.details());
        }
    }

    private static Answer overTheWire(Method m, List<String> values) {
        byte[] payload = String.join("\u001F", values).getBytes(StandardCharsets.UTF_8);
        try {
            RequestCodec.decode(new Frame(Frame.VERSION_1, m.opcode().wire(), 1, payload));
            return null;
        } catch (ProtocolException e) {
            return Answer.of(e);
        }
    }

    private static Answer overGrpc(Method m, List<String> values) {
        String token = m.hasToken() ? values.get(0) : "";
        try {
            GrpcMapping.in(m.name(), m.message().apply(values), token);
            return null;
        } catch (ProtocolException e) {
            return Answer.of(e);
        }
    }

    /** Each field bad alone (every bad value), each pair of fields bad together, and every field bad at once. */
    private static List<List<String>> cases(Method m) {
        List<List<String>> cases = new ArrayList<>();
        List<String> good = m.good();
        cases.add(good);
        List<Field> fields = m.fields();
        for (int f = 0; f < fields.size(); f++) {
            for (String bad : fields.get(f).bad) {
                List<String> c = new ArrayList<>(good);
                c.set(f, bad);
                cases.add(c);
            }
            for (int g = f + 1; g < fields.size(); g++) {
                if (fields.get(f).bad.isEmpty() || fields.get(g).bad.isEmpty()) {
                    continue;
                }
                for (String second : fields.get(g).bad) {
                    List<String> c = new ArrayList<>(good);
                    c.set(f, fields.get(f).bad.get(0));
                    c.set(g, second);
                    cases.add(c);
                }
            }
        }
        List<String> all = new ArrayList<>(good);
        for (int f = 0; f < fields.size(); f++) {
            if (!fields.get(f).bad.isEmpty()) {
                all.set(f, fields.get(f).bad.get(fields.get(f).bad.size() - 1));
            }
        }
        cases.add(all);
        return cases;
    }

    @Test
    void everyMethodRefusesBadFieldsWithTheWireProtocolsCodeAndText() {
        Set<ErrorCode> seen = new HashSet<>();
        int compared = 0;
        for (Method m : METHODS) {
            assertThat(overTheWire(m, m.good())).as(m.name() + " " + m.opcode() + " good fields over the wire").isNull();
            for (List<String> values : cases(m)) {
                Answer wire = overTheWire(m, values);
                assertThat(overGrpc(m, values)).as(m.name() + " over gRPC, as " + m.opcode() + " over the wire, with " + values)
                        .isEqualTo(wire);
                if (wire != null) {
                    seen.add(wire.code());
                }
                compared++;
            }
        }
        assertThat(compared).isGreaterThan(300);
        // the refusals compared cover every field code the spec gives a request that both transports can carry
        assertThat(seen).containsExactlyInAnyOrder(ErrorCode.INVALID_CHARACTER, ErrorCode.FIELD_TOO_LONG,
                ErrorCode.INVALID_FIELD, ErrorCode.INVALID_USERNAME, ErrorCode.INVALID_PASSWORD, ErrorCode.INVALID_NAME,
                ErrorCode.MESSAGE_TOO_LONG, ErrorCode.MESSAGE_EMPTY, ErrorCode.INVALID_GROUP_NAME, ErrorCode.NOT_AUTHENTICATED);
    }

    /**
     * A pattern mode is a letter on the wire and an enum over gRPC, so {@link #everyMethodRefusesBadFieldsWithTheWireProtocolsCodeAndText}
     * cannot put a bad one to both; but the token comes first on both (it was checked after the mode over gRPC).
     */
    @Test
    void aBadTokenIsRefusedBeforeABadPatternModeAsOnTheWire() {
        byte[] payload = String.join("\u001F", "bad token", "X", "a*", "", "10").getBytes(StandardCharsets.UTF_8);
        Answer wire;
        try {
            RequestCodec.decode(new Frame(Frame.VERSION_1, Opcode.LIST_ACCOUNTS.wire(), 1, payload));
            wire = null;
        } catch (ProtocolException e) {
            wire = Answer.of(e);
        }
        Answer grpc;
        try {
            GrpcMapping.in("ListAccounts", ListAccountsRequest.newBuilder().setModeValue(7).setPattern("a*").build(), "bad token");
            grpc = null;
        } catch (ProtocolException e) {
            grpc = Answer.of(e);
        }
        assertThat(wire).isNotNull().extracting(Answer::code).isEqualTo(ErrorCode.NOT_AUTHENTICATED);
        assertThat(grpc).isEqualTo(wire);
        // with a good token the mode is refused, each transport in its own words
        assertThatThrownBy(() -> GrpcMapping.in("ListAccounts", ListAccountsRequest.newBuilder().setModeValue(7).build(), TOKEN))
                .isInstanceOf(ProtocolException.class).extracting(e -> ((ProtocolException) e).code()).isEqualTo(ErrorCode.INVALID_FIELD);
    }

    @Test
    void everyMethodOfTheServiceIsCompared() {
        assertThat(METHODS).extracting(Method::name).containsAll(GrpcMapping.IN.keySet());
    }
}
