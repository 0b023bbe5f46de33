package org.wirechat.protocol;

import java.util.List;

/** One or more sample values of every request and response type, for round-trip and fuzz-seed use. */
final class Samples {
    static final String TOKEN = "q3Zr8v1xk2L9mN0pQ7sT4uW6yA5bC8dE1fG2hJ3kL4m";
    static final String NAME_50 = "é".repeat(25) + "中".repeat(24) + "😀";
    static final String BODY_1000 = "ab\tc\n".repeat(199) + "中文😀é🎉";

    private Samples() {
    }

    static List<Request> requests() {
        return List.of(
                new Request.Ping(),
                new Request.ServerInfo(),
                new Request.CreateAccount("alice", "Alice Example", "correct horse"),
                new Request.CreateAccount("a".repeat(50), NAME_50, "p".repeat(49) + "😀"),
                new Request.CreateAccount("x", "X", "12345678"),
                new Request.Login("Bob.Smith-2_", "hunter22hunter22"),
                new Request.Logout(TOKEN),
                new Request.ListAccounts(TOKEN, PatternMode.WILDCARD, "a*", "", 100),
                new Request.ListAccounts(TOKEN, PatternMode.REGEX, "^(al|bo).*é$", "alice", 1),
                new Request.Send(TOKEN, "bob", "7f9c0a2e-31d4-4b8e-9a61-0c2f5d7e8b90", "hello, 中文 😀"),
                new Request.Send(TOKEN, "bob", "x".repeat(64), BODY_1000),
                new Request.Fetch(TOKEN, 0, 1, 0),
                new Request.Fetch(TOKEN, Long.MAX_VALUE, 1000, 3_600_000),
                new Request.History(TOKEN, "carol", 0, 50),
                new Request.History(TOKEN, "carol", 123_456_789_012L, 100),
                new Request.DeleteAccount(TOKEN, "correct horse"),
                new Request.Receipts(TOKEN, "bob"),
                new Request.LoginDevice("alice", "correct horse", "7f9c0a2e-31d4-4b8e-9a61-0c2f5d7e8b90"),
                new Request.LoginDevice("alice", "correct horse", "x".repeat(64)),
                new Request.SetReceipts(TOKEN, true),
                new Request.SetReceipts(TOKEN, false),
                new Request.GroupCreate(TOKEN, "#crew"),
                new Request.GroupCreate(TOKEN, "#" + "g".repeat(49)),
                new Request.GroupAdd(TOKEN, "#crew", "bob"),
                new Request.GroupRemove(TOKEN, "#Crew", "Bob.Smith-2_"),
                new Request.GroupLeave(TOKEN, "#x"),
                new Request.GroupRename(TOKEN, "#crew", "#deck"),
                new Request.GroupList(TOKEN),
                new Request.GroupReceipts(TOKEN, "#crew", 42),
                new Request.ListDevices(TOKEN),
                new Request.ChangePassword(TOKEN, "correct horse", "battery staple"),
                new Request.SetFullName(TOKEN, "Émile Zola 中文"),
                new Request.Sync(TOKEN, 41, 100, 30_000),
                new Request.Sync(TOKEN, 0, 1, 0),
                new Request.Typing(TOKEN, "bob", true),
                new Request.Typing(TOKEN, "#crew", false),
                new Request.SearchMessages(TOKEN, "café* Zola 中文", 42, 100),
                new Request.GroupMembers(TOKEN, "#crew"),
                new Request.Send(TOKEN, "#crew", "m-1", "to the group"),
                new Request.History(TOKEN, "#crew", 0, 20));
    }

    static List<Response> responses() {
        Response.Message m1 = new Response.Message(1, "alice", "bob", 1_700_000_000_000L, "hi 😀\nsecond line");
        Response.Message m2 = new Response.Message(Long.MAX_VALUE, "b", "a", 0, BODY_1000);
        return List.of(
                new Response.Pong(1_764_000_000_000L),
                new Response.ServerInfo(List.of(1), 65_536, 1000, 30_000, List.of("tls", "shared-store")),
                new Response.ServerInfo(List.of(1, 2), 8192, 1, 0, List.of()),
                new Response.AccountCreated("alice"),
                new Response.LoggedIn(TOKEN, 1_764_003_600_000L, 3),
                new Response.LoggedOut(),
                new Response.Accounts(List.of(), ""),
                new Response.Accounts(List.of(new Response.Account("alice", "Alice Ä", true),
                        new Response.Account("bob", NAME_50, false)), "bob"),
                new Response.Sent(42, 1_764_000_000_123L),
                new Response.Messages(List.of()),
                new Response.Messages(List.of(m1, m2)),
                new Response.Conversation(List.of(), 0),
                new Response.Conversation(List.of(m1), 1),
                new Response.AccountDeleted(),
                new Response.Receipts(true, 0),
                new Response.DeviceLoggedIn(TOKEN, 1_764_003_600_000L, 3, 0),
                new Response.DeviceLoggedIn(TOKEN, 1_764_003_600_000L, 0, 1234),
                new Response.Receipts(true, Long.MAX_VALUE),
                new Response.Receipts(false, 0),
                new Response.ReceiptsSet(true),
                new Response.ReceiptsSet(false),
                new Response.PasswordChanged(),
                new Response.FullNameSet("Émile Zola 中文"),
                new Response.Events(List.of(), List.of()),
                new Response.Events(List.of(m1, m2), List.of(new Response.Typing("alice", "#crew", true, 6000),
                        new Response.Typing("carol", "carol", false, 0))),
                new Response.TypingSent(),
                new Response.SearchResults(List.of(new Response.Message(43, "alice", "#crew", 1764230402000L, "hi 😀 all"),
                        new Response.Message(42, "bob", "alice", 1764230401000L, "two\nlines")), 42),
                new Response.GroupCreated("#crew"),
                new Response.MemberAdded("bob"),
                new Response.MemberRemoved(),
                new Response.GroupLeft(),
                new Response.GroupReceipts(true, 49, 12),
                new Response.GroupReceipts(false, 0, 0),
                new Response.Devices(List.of()),
                new Response.Devices(List.of(new Response.Device("phone-1", 1764234000000L, true, true),
                        new Response.Device("", 0, false, false), new Response.Device("d".repeat(64), Long.MAX_VALUE, true, false))),
                new Response.GroupRenamed("#deck"),
                new Response.Groups(List.of()),
                new Response.Groups(List.of(new Response.Group("#crew", "alice", 3), new Response.Group("#" + "g".repeat(49), "b", 100))),
                new Response.Members("#crew", List.of(new Response.Member("alice", true, true), new Response.Member("bob", false, false))),
                new Response.Messages(List.of(new Response.Message(7, "alice", "#crew", 1, "to the group"))),
                new Response.Error(ErrorCode.GROUP_FULL, "#crew is full", List.of("100")),
                new Response.Error(ErrorCode.NO_SUCH_USER, "no such user: bob — not sent"),
                new Response.Error(ErrorCode.INBOX_NOT_EMPTY, "3 undelivered messages", List.of("3")),
                new Response.Error(ErrorCode.UNSUPPORTED_VERSION, "version 2 is not supported", List.of("1")),
                new Response.Error(999, "a code from a newer server", List.of()));
    }
}
