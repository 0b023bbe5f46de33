package org.wirechat.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.wirechat.protocol.ErrorCode.*;
import static org.wirechat.protocol.Opcode.*;

import java.nio.charset.StandardCharsets;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class MalformedInputTest {
    private static final String T = Samples.TOKEN;
    private static final int MAX_PAYLOAD = Frame.MAX_FRAME_BYTES - Frame.HEADER_BYTES;

    static Stream<Arguments> malformed() {
        byte[] ping = Wire.request(PING);
        byte[] login = Wire.fields("alice", "hunter22hunter22");
        return Stream.of(
                // framing: one error frame, then the connection closes
                row("bad magic", Wire.concat(Wire.bytes('X', 'C'), ping), MALFORMED_FRAME),
                row("bad second magic byte", Wire.bytes(0x57, 0x44, 1, 1, 0, 0, 0, 1, 0, 0, 0, 0), MALFORMED_FRAME),
                row("an HTTP request", "GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII), MALFORMED_FRAME),
                row("TLS client hello", Wire.bytes(0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xFC, 0x03, 0x03, 0), MALFORMED_FRAME),
                row("version 0", Wire.frame(0, 1, 1, new byte[0]), UNSUPPORTED_VERSION),
                row("version 2", Wire.frame(2, 1, 1, new byte[0]), UNSUPPORTED_VERSION),
                row("version 255", Wire.frame(255, 1, 1, new byte[0]), UNSUPPORTED_VERSION),
                row("truncated header", Wire.bytes(0x57, 0x43, 1, 1, 0), MALFORMED_FRAME),
                row("header of one byte", Wire.bytes(0x57), MALFORMED_FRAME),
                row("truncated payload", Wire.frameWithLength(1, LOGIN.wire(), 1, login.length + 1, login), MALFORMED_FRAME),
                row("length longer than the payload", Wire.frameWithLength(1, PING.wire(), 1, 10, new byte[3]), MALFORMED_FRAME),
                row("length shorter than the payload", Wire.frameWithLength(1, PING.wire(), 1, 0, Wire.bytes('a', 'b', 'c')), MALFORMED_FRAME),
                row("length one over the maximum", Wire.frameWithLength(1, PING.wire(), 1, MAX_PAYLOAD + 1, new byte[0]), FRAME_TOO_LARGE),
                row("length 2^31 (negative as int)", Wire.frameWithLength(1, PING.wire(), 1, Integer.MIN_VALUE, new byte[0]), FRAME_TOO_LARGE),
                row("length 2^32-1", Wire.frameWithLength(1, PING.wire(), 1, -1, new byte[0]), FRAME_TOO_LARGE),
                // request errors: an error response, the connection stays open
                row("opcode 0x00", Wire.frame(1, 0x00, 1, new byte[0]), UNKNOWN_OPCODE),
                row("opcode 0x1C, the first free one", Wire.frame(1, 0x1C, 1, new byte[0]), UNKNOWN_OPCODE),
                row("opcode 0x7F", Wire.frame(1, 0x7F, 1, new byte[0]), UNKNOWN_OPCODE),
                row("a response opcode as a request", Wire.frame(1, 0x81, 1, new byte[0]), UNKNOWN_OPCODE),
                row("error opcode as a request", Wire.frame(1, 0xFF, 1, new byte[0]), UNKNOWN_OPCODE),
                row("empty payload for login", Wire.request(LOGIN), WRONG_FIELD_COUNT),
                row("empty payload for logout", Wire.frame(1, LOGOUT.wire(), 1, new byte[0]), WRONG_FIELD_COUNT),
                row("ping with a field", Wire.request(PING, "x"), WRONG_FIELD_COUNT),
                row("login with one field", Wire.request(LOGIN, "alice"), WRONG_FIELD_COUNT),
                row("login with three fields", Wire.request(LOGIN, "alice", "hunter22hunter22", ""), WRONG_FIELD_COUNT),
                row("send with a record separator", Wire.frame(1, SEND.wire(), 1,
                        Wire.concat(Wire.fields(T, "bob", "id1", "hi"), Wire.bytes(0x1E), Wire.fields("x"))), INVALID_CHARACTER),
                row("lone continuation byte", Wire.frame(1, LOGIN.wire(), 1, Wire.concat(Wire.bytes(0x80), Wire.fields("", "hunter22hunter22"))), INVALID_ENCODING),
                row("truncated 2-byte sequence", Wire.frame(1, LOGIN.wire(), 1, Wire.concat(Wire.bytes('a', 0xC3), Wire.fields("", "hunter22hunter22"))), INVALID_ENCODING),
                row("overlong slash", Wire.frame(1, LOGIN.wire(), 1, Wire.concat(Wire.bytes(0xC0, 0xAF), Wire.fields("", "hunter22hunter22"))), INVALID_ENCODING),
                row("UTF-16 surrogate", Wire.frame(1, LOGIN.wire(), 1, Wire.concat(Wire.bytes(0xED, 0xA0, 0x80), Wire.fields("", "hunter22hunter22"))), INVALID_ENCODING),
                row("above U+10FFFF", Wire.frame(1, LOGIN.wire(), 1, Wire.concat(Wire.bytes(0xF4, 0x90, 0x80, 0x80), Wire.fields("", "hunter22hunter22"))), INVALID_ENCODING),
                row("byte 0xFF", Wire.frame(1, LOGIN.wire(), 1, Wire.concat(Wire.bytes(0xFF), Wire.fields("", "hunter22hunter22"))), INVALID_ENCODING),
                row("NUL in a username", Wire.request(LOGIN, "al\u0000ice", "hunter22hunter22"), INVALID_CHARACTER),
                row("ESC in a full name", Wire.request(CREATE_ACCOUNT, "alice", "A\u001B[31m", "hunter22hunter22"), INVALID_CHARACTER),
                row("DEL in a password", Wire.request(LOGIN, "alice", "hunter22\u007F"), INVALID_CHARACTER),
                row("C1 NEL in a password", Wire.request(LOGIN, "alice", "hunter22\u0085"), INVALID_CHARACTER),
                row("tab in a username", Wire.request(LOGIN, "al\tice", "hunter22hunter22"), INVALID_CHARACTER),
                row("carriage return in a message", Wire.request(SEND, T, "bob", "id1", "hi\r\n"), INVALID_CHARACTER),
                row("bell in a message", Wire.request(SEND, T, "bob", "id1", "hi\u0007"), INVALID_CHARACTER),
                row("line separator in a full name", Wire.request(CREATE_ACCOUNT, "alice", "A\u2028B", "hunter22hunter22"), INVALID_NAME),
                row("username of 51", Wire.request(CREATE_ACCOUNT, "a".repeat(51), "A", "hunter22hunter22"), INVALID_USERNAME),
                row("empty username", Wire.request(CREATE_ACCOUNT, "", "A", "hunter22hunter22"), INVALID_USERNAME),
                row("username with a space", Wire.request(CREATE_ACCOUNT, "al ice", "A", "hunter22hunter22"), INVALID_USERNAME),
                row("username with an accent", Wire.request(CREATE_ACCOUNT, "alicé", "A", "hunter22hunter22"), INVALID_USERNAME),
                row("group name of 51 (one over)", Wire.request(GROUP_CREATE, T, "#" + "g".repeat(50)), INVALID_GROUP_NAME),
                row("group name of '#' alone", Wire.request(GROUP_CREATE, T, "#"), INVALID_GROUP_NAME),
                row("group name without '#'", Wire.request(GROUP_ADD, T, "crew", "bob"), INVALID_GROUP_NAME),
                row("group name with a space", Wire.request(GROUP_MEMBERS, T, "#my crew"), INVALID_GROUP_NAME),
                row("group name with a second '#'", Wire.request(GROUP_LEAVE, T, "#cr#ew"), INVALID_GROUP_NAME),
                row("rename to a name without '#'", Wire.request(GROUP_RENAME, T, "#crew", "deck"), INVALID_GROUP_NAME),
                row("SEND to '#'", Wire.request(SEND, T, "#", "id1", "hi"), INVALID_GROUP_NAME),
                row("HISTORY of a bad group name", Wire.request(HISTORY, T, "#a b", "0", "10"), INVALID_GROUP_NAME),
                row("GROUP_ADD of a bad username", Wire.request(GROUP_ADD, T, "#crew", "b b"), INVALID_USERNAME),
                row("GROUP_RECEIPTS with a negative id", Wire.request(GROUP_RECEIPTS, T, "#crew", "-1"), INVALID_FIELD),
                row("GROUP_LIST with a group", Wire.request(GROUP_LIST, T, "#crew"), WRONG_FIELD_COUNT),
                row("LIST_DEVICES with a device", Wire.request(LIST_DEVICES, T, "phone"), WRONG_FIELD_COUNT),
                row("full name of 51", Wire.request(CREATE_ACCOUNT, "alice", "é".repeat(51), "hunter22hunter22"), INVALID_NAME),
                row("empty full name", Wire.request(CREATE_ACCOUNT, "alice", "", "hunter22hunter22"), INVALID_NAME),
                row("blank full name", Wire.request(CREATE_ACCOUNT, "alice", "   ", "hunter22hunter22"), INVALID_NAME),
                row("full name of ideographic spaces", Wire.request(CREATE_ACCOUNT, "alice", "\u3000\u3000", "hunter22hunter22"),
                        INVALID_NAME),
                row("full name of no-break spaces", Wire.request(CREATE_ACCOUNT, "alice", "\u00A0\u00A0", "hunter22hunter22"),
                        INVALID_NAME),
                row("full name of zero-width spaces", Wire.request(CREATE_ACCOUNT, "alice", "\u200B\uFEFF\u200B", "hunter22hunter22"),
                        INVALID_NAME),
                row("password of 7", Wire.request(CREATE_ACCOUNT, "alice", "A", "1234567"), INVALID_PASSWORD),
                row("password of 51", Wire.request(CREATE_ACCOUNT, "alice", "A", "p".repeat(51)), INVALID_PASSWORD),
                row("message of 1001", Wire.request(SEND, T, "bob", "id1", "中".repeat(1001)), MESSAGE_TOO_LONG),
                row("empty message", Wire.request(SEND, T, "bob", "id1", ""), MESSAGE_EMPTY),
                row("token of 65", Wire.request(LOGOUT, "a".repeat(65)), NOT_AUTHENTICATED),
                row("token with a dot", Wire.request(LOGOUT, "abc.def"), NOT_AUTHENTICATED),
                row("client id of 65", Wire.request(SEND, T, "bob", "i".repeat(65), "hi"), FIELD_TOO_LONG),
                row("empty client id", Wire.request(SEND, T, "bob", "", "hi"), INVALID_FIELD),
                row("client id with a space", Wire.request(SEND, T, "bob", "a b", "hi"), INVALID_FIELD),
                row("pattern of 101", Wire.request(LIST_ACCOUNTS, T, "W", "*".repeat(101), "", "10"), FIELD_TOO_LONG),
                row("pattern mode X", Wire.request(LIST_ACCOUNTS, T, "X", "*", "", "10"), INVALID_FIELD),
                row("cursor of 51", Wire.request(LIST_ACCOUNTS, T, "W", "*", "c".repeat(51), "10"), FIELD_TOO_LONG),
                row("list limit 0", Wire.request(LIST_ACCOUNTS, T, "W", "*", "", "0"), INVALID_FIELD),
                row("list limit 101", Wire.request(LIST_ACCOUNTS, T, "W", "*", "", "101"), INVALID_FIELD),
                row("fetch count 1001", Wire.request(FETCH, T, "0", "1001", "0"), INVALID_FIELD),
                row("fetch wait over an hour", Wire.request(FETCH, T, "0", "10", "3600001"), INVALID_FIELD),
                row("number with leading zero", Wire.request(FETCH, T, "01", "10", "0"), INVALID_FIELD),
                row("negative number", Wire.request(FETCH, T, "-1", "10", "0"), INVALID_FIELD),
                row("number with plus", Wire.request(FETCH, T, "+1", "10", "0"), INVALID_FIELD),
                row("empty number", Wire.request(FETCH, T, "", "10", "0"), INVALID_FIELD),
                row("number over 2^63-1", Wire.request(FETCH, T, "9223372036854775808", "10", "0"), INVALID_FIELD),
                row("number of 20 digits", Wire.request(FETCH, T, "10000000000000000000", "10", "0"), INVALID_FIELD),
                row("hex number", Wire.request(HISTORY, T, "bob", "0x10", "10"), INVALID_FIELD),
                row("history limit 101", Wire.request(HISTORY, T, "bob", "0", "101"), INVALID_FIELD));
    }

    private static Arguments row(String name, byte[] bytes, ErrorCode expected) {
        return Arguments.of(name, bytes, expected);
    }

    @ParameterizedTest(name = "{0} -> {2}")
    @MethodSource("malformed")
    void malformedInputGetsItsExactErrorCode(String name, byte[] bytes, ErrorCode expected) {
        assertThat(Wire.firstRequestError(bytes)).as(name).isEqualTo(expected);
    }

    @Test
    void anEmptyStreamIsACleanEnd() throws Exception {
        assertThat(new FrameReader(new java.io.ByteArrayInputStream(new byte[0]), Frame.MAX_FRAME_BYTES).read()).isNull();
    }

    @Test
    void aFrameOfExactlyTheMaximumSizeIsRead() throws Exception {
        byte[] payload = new byte[MAX_PAYLOAD];
        byte[] bytes = Wire.frame(1, PING.wire(), 1, payload);
        assertThat(bytes).hasSize(Frame.MAX_FRAME_BYTES);
        Frame f = new FrameReader(new java.io.ByteArrayInputStream(bytes), Frame.MAX_FRAME_BYTES).read();
        assertThat(f.payload()).hasSize(MAX_PAYLOAD);
    }

    @Test
    void aLowerConfiguredLimitIsEnforcedAtItsEdge() throws Exception {
        int max = 1024;
        byte[] at = Wire.frame(1, PING.wire(), 1, new byte[max - Frame.HEADER_BYTES]);
        byte[] over = Wire.frame(1, PING.wire(), 1, new byte[max - Frame.HEADER_BYTES + 1]);
        assertThat(new FrameReader(new java.io.ByteArrayInputStream(at), max).read().payload()).hasSize(max - 12);
        try {
            new FrameReader(new java.io.ByteArrayInputStream(over), max).read();
            throw new AssertionError("expected FRAME_TOO_LARGE");
        } catch (ProtocolException e) {
            assertThat(e.code()).isEqualTo(FRAME_TOO_LARGE);
        }
    }

    @Test
    void unsupportedVersionKeepsTheRequestIdForTheReply() throws Exception {
        byte[] bytes = Wire.frame(9, PING.wire(), 0x01020304, new byte[0]);
        try {
            new FrameReader(new java.io.ByteArrayInputStream(bytes), Frame.MAX_FRAME_BYTES).read();
            throw new AssertionError("expected UNSUPPORTED_VERSION");
        } catch (ProtocolException e) {
            assertThat(e.code()).isEqualTo(UNSUPPORTED_VERSION);
            assertThat(e.requestId()).isEqualTo(0x01020304);
            assertThat(e.detail()).contains("9").contains("1");
        }
    }

    @Test
    void validEdgesDecode() {
        assertThat(Wire.firstRequestError(Wire.request(CREATE_ACCOUNT, "a".repeat(50), "é".repeat(50), "p".repeat(50)))).isNull();
        assertThat(Wire.firstRequestError(Wire.request(CREATE_ACCOUNT, "a", "A", "12345678"))).isNull();
        assertThat(Wire.firstRequestError(Wire.request(SEND, T, "bob", "i".repeat(64), "😀".repeat(1000)))).isNull();
        assertThat(Wire.firstRequestError(Wire.request(SEND, T, "bob", "i", "\t\n"))).isNull();
        assertThat(Wire.firstRequestError(Wire.request(LOGOUT, "a".repeat(64)))).isNull();
        assertThat(Wire.firstRequestError(Wire.request(LIST_ACCOUNTS, T, "R", "*".repeat(100), "c".repeat(50), "100"))).isNull();
        assertThat(Wire.firstRequestError(Wire.request(LIST_ACCOUNTS, T, "W", "", "", "1"))).isNull();
        assertThat(Wire.firstRequestError(Wire.request(FETCH, T, "9223372036854775807", "1000", "3600000"))).isNull();
        assertThat(Wire.firstRequestError(Wire.request(FETCH, T, "0", "1", "0"))).isNull();
    }

    @Test
    void fieldErrorsAreReportedInFieldOrder() {
        // both the username and the password are bad: the username, first, is reported
        assertThat(Wire.firstRequestError(Wire.request(CREATE_ACCOUNT, "bad name", "A", "short"))).isEqualTo(INVALID_USERNAME);
        // a wrong field count is found before any field is decoded
        assertThat(Wire.firstRequestError(Wire.frame(1, LOGIN.wire(), 1, Wire.bytes(0xFF)))).isEqualTo(WRONG_FIELD_COUNT);
    }
}
