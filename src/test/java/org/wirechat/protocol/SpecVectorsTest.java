package org.wirechat.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The hex examples in docs/wire_design.md are the codec's output, byte for byte, and decode back. */
class SpecVectorsTest {
    private static final String TOKEN = "q3Zr8v1xk2L9mN0pQ7sT4uW6yA5bC8dE";
    private static final Pattern VECTOR = Pattern.compile("```hex vector=([a-z-]+)\\n(.*?)```", Pattern.DOTALL);

    record Vector(int requestId, Object message) {
    }

    static Map<String, Vector> expected() {
        Response.Message toAlice = new Response.Message(42, "bob", "alice", 1764230401000L, "hi\nthere");
        Response.Message toBob = new Response.Message(42, "alice", "bob", 1764230401000L, "hi");
        Map<String, Vector> m = new LinkedHashMap<>();
        m.put("ping-request", new Vector(1, new Request.Ping()));
        m.put("pong-response", new Vector(1, new Response.Pong(1764230400000L)));
        m.put("server-info-request", new Vector(11, new Request.ServerInfo()));
        m.put("server-info-response", new Vector(11, new Response.ServerInfo(List.of(1), 65_536, 1000, 30_000, List.of("tls"))));
        m.put("create-request", new Vector(2, new Request.CreateAccount("alice", "Alice Émile", "correct horse")));
        m.put("create-response", new Vector(2, new Response.AccountCreated("alice")));
        m.put("login-request", new Vector(3, new Request.Login("alice", "correct horse")));
        m.put("login-response", new Vector(3, new Response.LoggedIn(TOKEN, 1764234000000L, 2)));
        m.put("logout-request", new Vector(4, new Request.Logout(TOKEN)));
        m.put("logout-response", new Vector(4, new Response.LoggedOut()));
        m.put("list-request", new Vector(5, new Request.ListAccounts(TOKEN, PatternMode.WILDCARD, "b*", "", 2)));
        m.put("list-response", new Vector(5, new Response.Accounts(List.of(
                new Response.Account("bob", "Bob", true), new Response.Account("bea", "Béa", false)), "bea")));
        m.put("send-request", new Vector(6, new Request.Send(TOKEN, "bob", "m-1", "hi 😀")));
        m.put("send-response", new Vector(6, new Response.Sent(42, 1764230401000L)));
        m.put("fetch-request", new Vector(7, new Request.Fetch(TOKEN, 41, 100, 30000)));
        m.put("fetch-response", new Vector(7, new Response.Messages(List.of(toAlice))));
        m.put("history-request", new Vector(8, new Request.History(TOKEN, "bob", 0, 20)));
        m.put("history-response", new Vector(8, new Response.Conversation(List.of(toBob), 0)));
        m.put("delete-request", new Vector(9, new Request.DeleteAccount(TOKEN, "correct horse")));
        m.put("delete-response", new Vector(9, new Response.AccountDeleted()));
        m.put("login-device-request", new Vector(14, new Request.LoginDevice("alice", "correct horse", "phone-1")));
        m.put("login-device-response", new Vector(14, new Response.DeviceLoggedIn(TOKEN, 1764234000000L, 2, 5)));
        m.put("receipts-request", new Vector(12, new Request.Receipts(TOKEN, "bob")));
        m.put("receipts-response", new Vector(12, new Response.Receipts(true, 42)));
        m.put("set-receipts-request", new Vector(13, new Request.SetReceipts(TOKEN, false)));
        m.put("set-receipts-response", new Vector(13, new Response.ReceiptsSet(false)));
        m.put("group-create-request", new Vector(15, new Request.GroupCreate(TOKEN, "#crew")));
        m.put("group-create-response", new Vector(15, new Response.GroupCreated("#crew")));
        m.put("group-add-request", new Vector(16, new Request.GroupAdd(TOKEN, "#crew", "bob")));
        m.put("group-add-response", new Vector(16, new Response.MemberAdded("bob")));
        m.put("group-remove-request", new Vector(17, new Request.GroupRemove(TOKEN, "#crew", "bob")));
        m.put("group-remove-response", new Vector(17, new Response.MemberRemoved()));
        m.put("group-leave-request", new Vector(18, new Request.GroupLeave(TOKEN, "#crew")));
        m.put("group-leave-response", new Vector(18, new Response.GroupLeft()));
        m.put("group-rename-request", new Vector(19, new Request.GroupRename(TOKEN, "#crew", "#deck")));
        m.put("group-rename-response", new Vector(19, new Response.GroupRenamed("#deck")));
        m.put("group-list-request", new Vector(20, new Request.GroupList(TOKEN)));
        m.put("group-list-response", new Vector(20, new Response.Groups(List.of(new Response.Group("#crew", "alice", 3)))));
        m.put("group-members-request", new Vector(21, new Request.GroupMembers(TOKEN, "#crew")));
        m.put("group-members-response", new Vector(21, new Response.Members("#crew", List.of(
                new Response.Member("alice", true, true), new Response.Member("bob", false, false)))));
        m.put("group-send-request", new Vector(22, new Request.Send(TOKEN, "#crew", "m-2", "hi all")));
        m.put("group-fetch-response", new Vector(23, new Response.Messages(List.of(
                new Response.Message(43, "alice", "#crew", 1764230402000L, "hi all")))));
        m.put("group-receipts-request", new Vector(24, new Request.GroupReceipts(TOKEN, "#crew", 43)));
        m.put("group-receipts-response", new Vector(24, new Response.GroupReceipts(true, 2, 1)));
        m.put("list-devices-request", new Vector(25, new Request.ListDevices(TOKEN)));
        m.put("list-devices-response", new Vector(25, new Response.Devices(List.of(
                new Response.Device("phone-1", 1764234000000L, true, true), new Response.Device("laptop", 1764226800000L, true, false),
                new Response.Device("tablet", 1761642000000L, false, false)))));
        m.put("change-password-request", new Vector(26, new Request.ChangePassword(TOKEN, "correct horse", "battery staple")));
        m.put("change-password-response", new Vector(26, new Response.PasswordChanged()));
        m.put("set-full-name-request", new Vector(27, new Request.SetFullName(TOKEN, "Alice É")));
        m.put("set-full-name-response", new Vector(27, new Response.FullNameSet("Alice É")));
        m.put("sync-request", new Vector(29, new Request.Sync(TOKEN, 41, 100, 30000)));
        m.put("sync-response", new Vector(29, new Response.Events(List.of(toAlice),
                List.of(new Response.Typing("carol", "#crew", true, 6000)))));
        m.put("typing-request", new Vector(30, new Request.Typing(TOKEN, "#crew", true)));
        m.put("typing-response", new Vector(30, new Response.TypingSent()));
        m.put("search-request", new Vector(28, new Request.SearchMessages(TOKEN, "café* crew", 0, 20)));
        m.put("search-response", new Vector(28, new Response.SearchResults(List.of(
                new Response.Message(43, "alice", "#crew", 1764230402000L, "crew: café at 8?"),
                new Response.Message(42, "bob", "alice", 1764230401000L, "the Café crew")), 42)));
        m.put("error-not-a-member", new Vector(22, new Response.Error(ErrorCode.NOT_A_MEMBER, "not a member of #crew")));
        m.put("error-no-such-user", new Vector(6, new Response.Error(ErrorCode.NO_SUCH_USER, "no such user: bob")));
        m.put("error-invalid-group-name", new Vector(6, new Response.Error(ErrorCode.INVALID_GROUP_NAME, "invalid group name: #a b")));
        m.put("error-device-in-use", new Vector(7, new Response.Error(ErrorCode.DEVICE_IN_USE, "device in use")));
        m.put("error-inbox-not-empty", new Vector(9, new Response.Error(ErrorCode.INBOX_NOT_EMPTY, "2 messages", List.of("2"))));
        m.put("error-storage-unavailable", new Vector(6, new Response.Error(ErrorCode.STORAGE_UNAVAILABLE, "nothing stored",
                List.of("1000"))));
        m.put("error-bad-magic", new Vector(0, new Response.Error(ErrorCode.MALFORMED_FRAME, "bad magic")));
        return m;
    }

    static Map<String, byte[]> documented() throws Exception {
        String doc = Files.readString(Path.of("docs/wire_design.md"));
        Map<String, byte[]> out = new LinkedHashMap<>();
        Matcher m = VECTOR.matcher(doc);
        while (m.find()) {
            byte[] bytes = HexFormat.of().parseHex(m.group(2).replaceAll("\\s+", ""));
            assertThat(out.put(m.group(1), bytes)).as("vector %s appears once", m.group(1)).isNull();
        }
        return out;
    }

    @Test
    void everyDocumentedVectorIsTheCodecsEncodingAndDecodesBack() throws Exception {
        Map<String, byte[]> doc = documented();
        Map<String, Vector> expected = expected();
        assertThat(doc.keySet()).containsExactlyInAnyOrderElementsOf(expected.keySet());
        for (Map.Entry<String, Vector> e : expected.entrySet()) {
            String name = e.getKey();
            Vector v = e.getValue();
            byte[] bytes = doc.get(name);
            Frame frame = new FrameReader(new ByteArrayInputStream(bytes), Frame.MAX_FRAME_BYTES).read();
            if (v.message() instanceof Request r) {
                assertThat(RequestCodec.encode(v.requestId(), r).toBytes()).as(name).isEqualTo(bytes);
                assertThat(RequestCodec.decode(frame)).as(name).isEqualTo(r);
            } else {
                Response r = (Response) v.message();
                assertThat(ResponseCodec.encode(v.requestId(), r).toBytes()).as(name).isEqualTo(bytes);
                assertThat(ResponseCodec.decode(frame)).as(name).isEqualTo(r);
            }
            assertThat(frame.requestId()).as(name).isEqualTo(v.requestId());
        }
    }

    @Test
    void everyErrorCodeIsInTheSpecTable() throws Exception {
        String doc = Files.readString(Path.of("docs/wire_design.md"));
        for (ErrorCode code : ErrorCode.values()) {
            if (code == ErrorCode.OK || code == ErrorCode.UNKNOWN) {
                continue;
            }
            String closes = code.closesConnection() ? "yes" : "no";
            assertThat(doc).as("spec row for %s", code)
                    .containsPattern("\\| " + code.wire() + " +\\| `" + code.name() + "` +\\| +" + closes + " ");
        }
    }
}
