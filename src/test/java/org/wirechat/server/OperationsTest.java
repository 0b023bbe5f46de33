package org.wirechat.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.wirechat.server.ServerFixture.PASSWORD;
import static org.wirechat.server.ServerFixture.fetch;
import static org.wirechat.server.ServerFixture.list;
import static org.wirechat.server.ServerFixture.send;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.wirechat.protocol.ErrorCode;
import org.wirechat.protocol.PatternMode;
import org.wirechat.protocol.Request;
import org.wirechat.protocol.Response;

class OperationsTest {
    @TempDir
    Path dir;
    ServerFixture fx;
    TestConnection c;

    /**
     * The fixture for each test: SQLite here; {@code PostgresOperationsTest} runs them all on PostgreSQL, and
     * {@code TlsOperationsTest} over TLS.
     */
    ServerFixture fixture(Path dataDir, java.util.function.UnaryOperator<org.wirechat.server.ServerConfig.Builder> tweak) {
        return new ServerFixture(Backend.SQLITE, dataDir, tweak);
    }

    @BeforeEach
    void start() {
        fx = fixture(dir, b -> b);
        c = fx.connect();
    }

    @AfterEach
    void stop() {
        c.close();
        fx.close();
    }

    @Test
    void pingAnswersWithTheServerTime() {
        assertThat(c.ok(new Request.Ping(), Response.Pong.class).serverTimeMillis()).isEqualTo(fx.clock.millis());
    }

    @Test
    void createLoginSendFetchAcknowledge() {
        String alice = fx.register(c, "alice");
        String bob = fx.register(c, "bob");
        Response.Sent sent = c.ok(send(alice, "bob", "hello 😀\nline two"), Response.Sent.class);
        assertThat(sent.timestampMillis()).isEqualTo(fx.clock.millis());

        assertThat(c.ok(new Request.Login("bob", PASSWORD), Response.LoggedIn.class).unread()).isEqualTo(1);
        List<Response.Message> got = c.ok(fetch(bob, 0), Response.Messages.class).messages();
        assertThat(got).containsExactly(new Response.Message(sent.messageId(), "alice", "bob", sent.timestampMillis(), "hello 😀\nline two"));

        // not acknowledged yet: fetched again
        assertThat(c.ok(fetch(bob, 0), Response.Messages.class).messages()).hasSize(1);
        // acknowledged: gone from the inbox, and the unread count drops
        assertThat(c.ok(fetch(bob, sent.messageId()), Response.Messages.class).messages()).isEmpty();
        assertThat(c.ok(new Request.Login("bob", PASSWORD), Response.LoggedIn.class).unread()).isZero();
    }

    @Test
    void usernamesAreUniqueIgnoringCaseAndKeepTheirSpelling() {
        c.ok(new Request.CreateAccount("Alice", "Alice A", PASSWORD), Response.AccountCreated.class);
        Response.Error e = c.error(new Request.CreateAccount("aLICE", "Other", PASSWORD), ErrorCode.USERNAME_TAKEN);
        assertThat(e.reason()).contains("aLICE");
        String token = fx.login(c, "ALICE");
        List<Response.Account> all = c.ok(list(token, PatternMode.WILDCARD, "", "", 10), Response.Accounts.class).accounts();
        assertThat(all).extracting(Response.Account::username).containsExactly("Alice");
    }

    @Test
    void unknownUserAndWrongPasswordGetTheSameError() {
        fx.register(c, "alice");
        Response.Error unknown = c.error(new Request.Login("nobody", PASSWORD), ErrorCode.BAD_CREDENTIALS);
        Response.Error wrong = c.error(new Request.Login("alice", "wrong password"), ErrorCode.BAD_CREDENTIALS);
        assertThat(unknown.reason()).isEqualTo(wrong.reason());
    }

    @Test
    void everyOperationButPingCreateAndLoginNeedsAToken() {
        String bogus = "A".repeat(43);
        c.error(new Request.Logout(bogus), ErrorCode.NOT_AUTHENTICATED);
        c.error(list(bogus, PatternMode.WILDCARD, "*", "", 10), ErrorCode.NOT_AUTHENTICATED);
        c.error(send(bogus, "bob", "hi"), ErrorCode.NOT_AUTHENTICATED);
        c.error(fetch(bogus, 0), ErrorCode.NOT_AUTHENTICATED);
        c.error(new Request.History(bogus, "bob", 0, 10), ErrorCode.NOT_AUTHENTICATED);
        c.error(new Request.DeleteAccount(bogus, PASSWORD), ErrorCode.NOT_AUTHENTICATED);
        c.error(new Request.ChangePassword(bogus, PASSWORD, "battery staple"), ErrorCode.NOT_AUTHENTICATED);
        c.error(new Request.SetFullName(bogus, "Mallory"), ErrorCode.NOT_AUTHENTICATED);
        c.error(new Request.SearchMessages(bogus, "hello", 0, 10), ErrorCode.NOT_AUTHENTICATED);
        // the connection is still fine after all those errors
        c.ok(new Request.Ping(), Response.Pong.class);
    }

    @Test
    void sendingToAMissingUserIsRefusedClearly() {
        String alice = fx.register(c, "alice");
        Response.Error e = c.error(send(alice, "bob", "hi"), ErrorCode.NO_SUCH_USER);
        assertThat(e.reason()).isEqualTo("no such user: bob — message not sent");
    }

    @Test
    void sendingToYourselfWorks() {
        String alice = fx.register(c, "alice");
        c.ok(send(alice, "alice", "note to self"), Response.Sent.class);
        assertThat(c.ok(fetch(alice, 0), Response.Messages.class).messages())
                .extracting(Response.Message::body).containsExactly("note to self");
    }

    @Test
    void aRetryWithTheSameClientIdIsStoredOnce() {
        String alice = fx.register(c, "alice");
        String bob = fx.register(c, "bob");
        Request.Send first = new Request.Send(alice, "bob", "retry-1", "hi");
        Response.Sent a = c.ok(first, Response.Sent.class);
        Response.Sent b = c.ok(first, Response.Sent.class);
        assertThat(b).isEqualTo(a);
        assertThat(c.ok(fetch(bob, 0), Response.Messages.class).messages()).hasSize(1);
        c.error(new Request.Send(alice, "bob", "retry-1", "something else"), ErrorCode.CLIENT_ID_REUSED);
        c.error(new Request.Send(alice, "alice", "retry-1", "hi"), ErrorCode.CLIENT_ID_REUSED);
        // another sender may use the same client id
        c.ok(new Request.Send(bob, "bob", "retry-1", "hi"), Response.Sent.class);
    }

    @Test
    void retriesPipelinedInOneWriteAreDecidedAsIfOneAfterAnother() throws Exception {
        String alice = fx.register(c, "alice");
        String bob = fx.register(c, "bob");
        java.io.ByteArrayOutputStream burst = new java.io.ByteArrayOutputStream(); // one write: very likely one batch
        List<Request.Send> sends = List.of(
                new Request.Send(alice, "bob", "same", "hi"),
                new Request.Send(alice, "bob", "same", "hi"),
                new Request.Send(alice, "bob", "same", "not hi"),
                new Request.Send(alice, "alice", "same", "hi"),
                new Request.Send(alice, "bob", "next", "second"),
                new Request.Send(alice, "nobody", "third", "lost?"));
        for (int i = 0; i < sends.size(); i++) {
            burst.write(org.wirechat.protocol.RequestCodec.encode(100 + i, sends.get(i)).toBytes());
        }
        c.sendBytes(burst.toByteArray());
        Response[] answers = new Response[sends.size()];
        for (int i = 0; i < sends.size(); i++) {
            org.wirechat.protocol.Frame f = c.readFrame();
            answers[f.requestId() - 100] = TestConnection.decode(f);
        }
        Response.Sent first = (Response.Sent) answers[0];
        assertThat(answers[1]).as("the retry").isEqualTo(first);
        assertThat(answers[2]).asInstanceOf(org.assertj.core.api.InstanceOfAssertFactories.type(Response.Error.class))
                .extracting(Response.Error::code).isEqualTo(ErrorCode.CLIENT_ID_REUSED);
        assertThat(answers[3]).asInstanceOf(org.assertj.core.api.InstanceOfAssertFactories.type(Response.Error.class))
                .extracting(Response.Error::code).isEqualTo(ErrorCode.CLIENT_ID_REUSED);
        assertThat(((Response.Sent) answers[4]).messageId()).isGreaterThan(first.messageId());
        assertThat(answers[5]).asInstanceOf(org.assertj.core.api.InstanceOfAssertFactories.type(Response.Error.class))
                .extracting(Response.Error::code).isEqualTo(ErrorCode.NO_SUCH_USER);
        assertThat(c.ok(fetch(bob, 0), Response.Messages.class).messages()).extracting(Response.Message::body)
                .containsExactly("hi", "second");
    }

    @Test
    void acknowledgingPastTheNewestMessageMarksOnlyWhatExists() {
        String alice = fx.register(c, "alice");
        String bob = fx.register(c, "bob");
        long first = c.ok(send(alice, "bob", "first"), Response.Sent.class).messageId();
        c.ok(fetch(bob, first + 1_000_000), Response.Messages.class); // a client naming an id far ahead
        long second = c.ok(send(alice, "bob", "second"), Response.Sent.class).messageId();
        assertThat(second).isLessThan(first + 1_000_000);
        // the acknowledgement was queued before the second SEND, so it is applied by now
        assertThat(c.ok(new Request.Login("bob", PASSWORD), Response.LoggedIn.class).unread()).isEqualTo(1);
        assertThat(c.ok(fetch(bob, 0), Response.Messages.class).messages()).as("a later message is still undelivered")
                .extracting(Response.Message::body).containsExactly("second");
        c.ok(fetch(bob, second), Response.Messages.class);
        c.ok(new Request.DeleteAccount(bob, PASSWORD), Response.AccountDeleted.class); // nothing left waiting
    }

    @Test
    void logoutRevokesOnlyThatToken() {
        c.ok(new Request.CreateAccount("alice", "Alice", PASSWORD), Response.AccountCreated.class);
        String laptop = fx.login(c, "alice");
        String phone = fx.login(c, "alice");
        c.ok(new Request.Logout(laptop), Response.LoggedOut.class);
        c.error(fetch(laptop, 0), ErrorCode.NOT_AUTHENTICATED);
        c.error(new Request.Logout(laptop), ErrorCode.NOT_AUTHENTICATED);
        c.ok(fetch(phone, 0), Response.Messages.class);
    }

    @Test
    void theActingUserIsAlwaysTheTokensOwner() {
        String alice = fx.register(c, "alice");
        String bob = fx.register(c, "bob");
        c.ok(send(bob, "bob", "bob's private note"), Response.Sent.class);
        // alice's token sees only alice's inbox, and sends as alice
        assertThat(c.ok(fetch(alice, Long.MAX_VALUE), Response.Messages.class).messages()).isEmpty();
        c.ok(send(alice, "bob", "from alice"), Response.Sent.class);
        List<Response.Message> bobs = c.ok(fetch(bob, 0), Response.Messages.class).messages();
        assertThat(bobs).extracting(Response.Message::sender).containsExactly("bob", "alice");
        // alice's ack through MAX did not touch bob's inbox; alice cannot delete bob with bob's password
        c.error(new Request.DeleteAccount(alice, "wrong password"), ErrorCode.BAD_CREDENTIALS);
        assertThat(c.ok(new Request.Login("bob", PASSWORD), Response.LoggedIn.class).unread()).isEqualTo(2);
    }

    @Test
    void inboxFullAtTheCapacityEdge() {
        fx.close();
        fx = fixture(dir.resolve("cap"), b -> b.inboxCapacity(3));
        c.close();
        c = fx.connect();
        String alice = fx.register(c, "alice");
        String bob = fx.register(c, "bob");
        for (int i = 0; i < 3; i++) {
            c.ok(send(alice, "bob", "m" + i), Response.Sent.class);
        }
        Response.Error full = c.error(send(alice, "bob", "one too many"), ErrorCode.INBOX_FULL);
        assertThat(full.reason()).contains("bob").contains("not sent");
        List<Response.Message> got = c.ok(fetch(bob, 0), Response.Messages.class).messages();
        assertThat(got).extracting(Response.Message::body).containsExactly("m0", "m1", "m2");
        c.ok(fetch(bob, got.get(0).id()), Response.Messages.class); // one acknowledged: room for one more
        c.ok(send(alice, "bob", "fits again"), Response.Sent.class);
        c.error(send(alice, "bob", "full again"), ErrorCode.INBOX_FULL);
    }

    @Test
    void messageLengthAtAndAboveAConfiguredLimit() {
        fx.close();
        fx = fixture(dir.resolve("short"), b -> b.maxMessageChars(10));
        c.close();
        c = fx.connect();
        String alice = fx.register(c, "alice");
        fx.register(c, "bob");
        c.ok(send(alice, "bob", "😀".repeat(10)), Response.Sent.class);
        Response.Error e = c.error(send(alice, "bob", "😀".repeat(11)), ErrorCode.MESSAGE_TOO_LONG);
        assertThat(e.reason()).contains("10").contains("11");
        c.error(send(alice, "bob", ""), ErrorCode.MESSAGE_EMPTY);
    }

    @Test
    void listAccountsByWildcardAndRegexWithPages() {
        String t = fx.register(c, "alice");
        for (String name : List.of("bob", "Bea", "bert", "carol", "b.b")) {
            c.ok(new Request.CreateAccount(name, "Name of " + name, PASSWORD), Response.AccountCreated.class);
        }
        c.ok(new Request.CreateAccount("zed", "Zoë Bauer", PASSWORD), Response.AccountCreated.class);

        Response.Accounts p1 = c.ok(list(t, PatternMode.WILDCARD, "B*", "", 2), Response.Accounts.class);
        assertThat(p1.accounts()).extracting(Response.Account::username).containsExactly("b.b", "Bea");
        assertThat(p1.nextCursor()).isEqualTo("Bea");
        Response.Accounts p2 = c.ok(list(t, PatternMode.WILDCARD, "B*", p1.nextCursor(), 2), Response.Accounts.class);
        assertThat(p2.accounts()).extracting(Response.Account::username).containsExactly("bert", "bob");
        assertThat(p2.nextCursor()).as("the last page has no next cursor").isEmpty();
        // the whole text must match: "Zoë Bauer" does not match B*, but does match *bauer

        assertThat(c.ok(list(t, PatternMode.WILDCARD, "*bauer", "", 100), Response.Accounts.class).accounts())
                .extracting(Response.Account::username).containsExactly("zed");
        assertThat(c.ok(list(t, PatternMode.WILDCARD, "b?b", "", 100), Response.Accounts.class).accounts())
                .extracting(Response.Account::username).containsExactly("b.b", "bob");
        // a wildcard's '.' is literal
        assertThat(c.ok(list(t, PatternMode.WILDCARD, "b.*", "", 100), Response.Accounts.class).accounts())
                .extracting(Response.Account::username).containsExactly("b.b");
        assertThat(c.ok(list(t, PatternMode.REGEX, "b(ea|ob)", "", 100), Response.Accounts.class).accounts())
                .extracting(Response.Account::username).containsExactly("Bea", "bob");
        c.error(list(t, PatternMode.REGEX, "b(", "", 10), ErrorCode.INVALID_PATTERN);
        // a pattern that backtracking engines take exponential time on is linear here
        assertThat(c.ok(list(t, PatternMode.REGEX, "(a|a)*(a|a)*(a|a)*b", "", 10), Response.Accounts.class).accounts()).isEmpty();
    }

    /**
     * A FETCH or HISTORY whose messages do not fit one frame answers with what fits (over gRPC too, to the
     * same limit): a FETCH the oldest, the rest coming with the next; a HISTORY page its newest, the next
     * page going on from there. Nothing is lost or shown twice.
     */
    @Test
    void answersTooBigForOneFrameAreSplitAndNothingIsLost() {
        c.close();
        fx.close();
        fx = fixture(dir.resolve("small-frames"), b -> b.maxFrameBytes(ServerConfig.MIN_FRAME_BYTES));
        c = fx.connect();
        String alice = fx.register(c, "alice");
        String bob = fx.register(c, "bob");
        List<Long> sent = new java.util.ArrayList<>();
        for (int i = 0; i < 10; i++) {
            String body = i + "é".repeat(999); // 1,999 bytes: four fit in an 8 KiB frame, not ten
            sent.add(c.ok(send(alice, "bob", body), Response.Sent.class).messageId());
        }
        List<Long> fetched = new java.util.ArrayList<>();
        long ack = 0;
        int answers = 0;
        while (fetched.size() < 10 && answers++ < 10) {
            List<Response.Message> got = c.ok(new Request.Fetch(bob, ack, 10, 0), Response.Messages.class).messages();
            assertThat(got).as("one frame's worth").isNotEmpty().hasSizeLessThan(10);
            got.forEach(m -> fetched.add(m.id()));
            ack = got.get(got.size() - 1).id();
        }
        assertThat(fetched).isEqualTo(sent);
        List<Long> history = new java.util.ArrayList<>();
        long before = 0;
        answers = 0;
        do {
            Response.Conversation page = c.ok(new Request.History(bob, "alice", before, 10), Response.Conversation.class);
            assertThat(page.messages()).as("one frame's worth").isNotEmpty().hasSizeLessThan(10);
            history.addAll(0, page.messages().stream().map(Response.Message::id).toList());
            before = page.nextBeforeId();
        } while (before != 0 && answers++ < 10);
        assertThat(history).as("every page, newest first, put back in order").isEqualTo(sent);
    }

    @Test
    void listShowsWhoIsOnline() {
        String alice = fx.register(c, "alice");
        try (TestConnection other = fx.connect()) {
            fx.register(other, "bob");
            String carolToken = fx.register(other, "carol");
            other.ok(fetch(carolToken, 0), Response.Messages.class); // other is now carol's connection
            List<Response.Account> all = c.ok(list(alice, PatternMode.WILDCARD, "*", "", 10), Response.Accounts.class).accounts();
            // a wire connection is one account's (carol's login replaced bob's); an HTTP/2 connection carries
            // the calls of several, each online while it is open (docs/grpc.md, "Presence")
            assertThat(all).extracting(Response.Account::username, Response.Account::online)
                    .containsExactly(org.assertj.core.groups.Tuple.tuple("alice", true),
                            org.assertj.core.groups.Tuple.tuple("bob", c.isGrpc()),
                            org.assertj.core.groups.Tuple.tuple("carol", true));
        }
    }

    @Test
    void serverInfoTellsTheVersionsLimitsAndFeaturesWithoutALogin() {
        ServerConfig cfg = fx.config();
        Response.ServerInfo info = c.ok(new Request.ServerInfo(), Response.ServerInfo.class);
        assertThat(info.versions()).containsExactly(1);
        assertThat(info.maxFrameBytes()).isEqualTo(cfg.maxFrameBytes());
        assertThat(info.maxMessageChars()).isEqualTo(cfg.maxMessageChars());
        assertThat(info.maxFetchWaitMillis()).isEqualTo(cfg.maxFetchWait().toMillis());
        assertThat(info.features().contains("tls")).isEqualTo(cfg.tls() != null);
        assertThat(info.features().contains("shared-store")).isEqualTo(cfg.postgres() != null);
        assertThat(info.features()).contains("receipts", "account", "events", "search");
    }

    @Test
    void changingThePasswordEndsEveryOtherSessionOfTheAccountAndKeepsThisOne() {
        String here = fx.register(c, "alice");
        String laptop = fx.login(c, "alice");
        String phone = c.ok(new Request.LoginDevice("alice", PASSWORD, "phone"), Response.DeviceLoggedIn.class).token();
        String bob = fx.register(c, "bob");
        String next = "battery staple";

        c.error(new Request.ChangePassword(here, "wrong horse!", next), ErrorCode.BAD_CREDENTIALS);
        c.ok(fetch(laptop, 0), Response.Messages.class); // a wrong current password changes nothing
        c.error(new Request.ChangePassword(here, PASSWORD, "short"), ErrorCode.INVALID_PASSWORD);
        c.error(new Request.ChangePassword(here, PASSWORD, "p".repeat(51)), ErrorCode.INVALID_PASSWORD);

        c.ok(new Request.ChangePassword(here, PASSWORD, next), Response.PasswordChanged.class);

        c.error(fetch(laptop, 0), ErrorCode.NOT_AUTHENTICATED);
        c.error(fetch(phone, 0), ErrorCode.NOT_AUTHENTICATED);
        c.ok(fetch(here, 0), Response.Messages.class);
        c.ok(fetch(bob, 0), Response.Messages.class); // another account's session is untouched
        c.error(new Request.Login("alice", PASSWORD), ErrorCode.BAD_CREDENTIALS);
        c.ok(new Request.LoginDevice("alice", next, "phone"), Response.DeviceLoggedIn.class);
        // the new password at its edges: 8 and 50 characters
        c.ok(new Request.ChangePassword(here, next, "p".repeat(8)), Response.PasswordChanged.class);
        c.ok(new Request.ChangePassword(here, "p".repeat(8), "p".repeat(50)), Response.PasswordChanged.class);
        c.ok(new Request.Login("alice", "p".repeat(50)), Response.LoggedIn.class);
    }

    @Test
    void theFullNameIsChangedForEveryoneWhoListsTheAccount() {
        String alice = fx.register(c, "alice");
        String bob = fx.register(c, "bob");

        assertThat(c.ok(new Request.SetFullName(alice, "Émile Zola 中文"), Response.FullNameSet.class).fullName())
                .isEqualTo("Émile Zola 中文");
        assertThat(c.ok(list(bob, PatternMode.WILDCARD, "alice", "", 10), Response.Accounts.class).accounts())
                .extracting(Response.Account::fullName).containsExactly("Émile Zola 中文");
        assertThat(c.ok(list(bob, PatternMode.WILDCARD, "*zola*", "", 10), Response.Accounts.class).accounts())
                .as("found by the new name").extracting(Response.Account::username).containsExactly("alice");

        c.error(new Request.SetFullName(alice, " "), ErrorCode.INVALID_NAME);
        c.error(new Request.SetFullName(alice, "a".repeat(51)), ErrorCode.INVALID_NAME);
        c.ok(new Request.SetFullName(alice, "a".repeat(50)), Response.FullNameSet.class);
        assertThat(c.ok(list(bob, PatternMode.WILDCARD, "alice", "", 10), Response.Accounts.class).accounts())
                .extracting(Response.Account::fullName).containsExactly("a".repeat(50));
    }

    /** SYNC over the wire protocol (over gRPC it is the Sync stream: {@code LiveEventsTest}). */
    private Response.Events sync(String token, long ackThrough) {
        org.junit.jupiter.api.Assumptions.assumeFalse(c.isGrpc(), "SYNC is the Sync stream over gRPC (LiveEventsTest)");
        return c.ok(new Request.Sync(token, ackThrough, 10, 0), Response.Events.class);
    }

    @Test
    void syncHandsWhatFetchWouldAndTheTypingOfTheOthersOnce() {
        String alice = fx.register(c, "alice");
        String bob = fx.register(c, "bob");
        Response.Sent sent = c.ok(send(alice, "bob", "hi"), Response.Sent.class);
        Response.Events first = sync(bob, 0);
        assertThat(first.messages()).containsExactly(new Response.Message(sent.messageId(), "alice", "bob", sent.timestampMillis(), "hi"));
        assertThat(first.typing()).isEmpty();

        c.ok(new Request.Typing(alice, "BOB", true), Response.TypingSent.class); // names ignore case, as SEND's
        Response.Events next = sync(bob, sent.messageId());
        assertThat(next.messages()).as("acknowledged by this SYNC").isEmpty();
        assertThat(next.typing()).containsExactly(new Response.Typing("alice", "alice", true, 6_000));
        assertThat(sync(bob, sent.messageId()).typing()).as("handed once").isEmpty();

        // it ends by itself: 6 s after it was sent, unless repeated
        c.ok(new Request.Typing(alice, "bob", false), Response.TypingSent.class);
        fx.clock.advance(java.time.Duration.ofMillis(2_000)); // one state is passed on every 2 s at most
        c.ok(new Request.Typing(alice, "bob", true), Response.TypingSent.class);
        fx.clock.advance(java.time.Duration.ofMillis(5_999));
        assertThat(sync(bob, sent.messageId()).typing()).as("the newest of alice's in the conversation, 1 ms left")
                .containsExactly(new Response.Typing("alice", "alice", true, 1));
        c.ok(new Request.Typing(alice, "bob", true), Response.TypingSent.class);
        fx.clock.advance(java.time.Duration.ofMillis(6_000));
        assertThat(sync(bob, sent.messageId()).typing()).as("expired").isEmpty();
        assertThat(c.ok(fetch(alice, 0), Response.Messages.class).messages()).as("FETCH never carries an event").isEmpty();
    }

    @Test
    void typingIsPassedOnOncePerTwoSecondsPerConversationAndStateAndDroppedSilentlyAbove() {
        String alice = fx.register(c, "alice");
        String bob = fx.register(c, "bob");
        sync(bob, 0); // bob's device SYNCs: events are kept for it
        c.ok(new Request.Typing(alice, "bob", true), Response.TypingSent.class);
        assertThat(sync(bob, 0).typing()).hasSize(1);
        fx.clock.advance(java.time.Duration.ofMillis(1_999));
        c.ok(new Request.Typing(alice, "bob", true), Response.TypingSent.class); // below the edge: answered, not passed on
        assertThat(sync(bob, 0).typing()).isEmpty();
        fx.clock.advance(java.time.Duration.ofMillis(1));
        c.ok(new Request.Typing(alice, "bob", true), Response.TypingSent.class); // at the edge: passed on
        assertThat(sync(bob, 0).typing()).containsExactly(new Response.Typing("alice", "alice", true, 6_000));
        c.ok(new Request.Typing(alice, "bob", false), Response.TypingSent.class); // another state: passed on
        assertThat(sync(bob, 0).typing()).containsExactly(new Response.Typing("alice", "alice", false, 0));
    }

    @Test
    void typingInAGroupReachesTheOtherMembersAndIsRefusedAsSendIs() throws Exception {
        String alice = fx.register(c, "alice");
        String bob = fx.register(c, "bob");
        String carol = fx.register(c, "carol");
        String dave = fx.register(c, "dave");
        c.ok(new Request.GroupCreate(alice, "#Crew"), Response.GroupCreated.class);
        c.ok(new Request.GroupAdd(alice, "#crew", "bob"), Response.MemberAdded.class);
        c.ok(new Request.GroupAdd(alice, "#crew", "carol"), Response.MemberAdded.class);
        sync(alice, 0);
        sync(dave, 0);
        String phone = c.ok(new Request.LoginDevice("bob", PASSWORD, "phone"), Response.DeviceLoggedIn.class).token();
        sync(phone, 0);
        // a SYNC waiting for mail is answered by the event
        try (TestConnection waiting = fx.connect();
                java.util.concurrent.ExecutorService one = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
            java.util.concurrent.Future<Response> woken = one.submit(() -> waiting.call(new Request.Sync(bob, 0, 10, 30_000)));
            Await.until("bob's SYNC waits", () -> fx.server().waitingFetches() >= 1);
            c.ok(new Request.Typing(carol, "#crew", true), Response.TypingSent.class);
            assertThat(((Response.Events) woken.get(30, java.util.concurrent.TimeUnit.SECONDS)).typing())
                    .containsExactly(new Response.Typing("carol", "#Crew", true, 6_000));
        }
        assertThat(sync(alice, 0).typing()).containsExactly(new Response.Typing("carol", "#Crew", true, 6_000));
        assertThat(sync(phone, 0).typing()).as("every device of a member that SYNCs").hasSize(1);
        assertThat(sync(carol, 0).typing()).as("not the typist").isEmpty();
        assertThat(sync(dave, 0).typing()).as("not a member").isEmpty();

        c.error(new Request.Typing(dave, "#crew", true), ErrorCode.NOT_A_MEMBER);
        c.error(new Request.Typing(alice, "#nope", true), ErrorCode.NO_SUCH_GROUP);
        c.error(new Request.Typing(alice, "nobody", true), ErrorCode.NO_SUCH_USER);
        c.error(new Request.Typing(alice, "bad name", true), ErrorCode.INVALID_USERNAME);
        c.error(new Request.Typing("0".repeat(43), "bob", true), ErrorCode.NOT_AUTHENTICATED);
    }

    private List<String> search(String token, String query) {
        return c.ok(new Request.SearchMessages(token, query, 0, 100), Response.SearchResults.class).messages().stream()
                .map(m -> m.sender() + ">" + m.recipient() + ": " + m.body()).toList();
    }

    @Test
    void searchFindsTheCallersOwnMessagesNewestFirstByWholeWordsAccentsAndCaseIgnored() {
        String alice = fx.register(c, "alice");
        String bob = fx.register(c, "bob");
        String carol = fx.register(c, "carol");
        fx.register(c, "dave");
        c.ok(send(alice, "bob", "Lunch at the Café?"), Response.Sent.class);
        c.ok(send(bob, "alice", "cafe sounds good, 12:30"), Response.Sent.class);
        c.ok(send(carol, "dave", "café between others"), Response.Sent.class);
        c.ok(send(alice, "alice", "note: café receipts"), Response.Sent.class);

        assertThat(search(alice, "CAFÉ")).containsExactly("alice>alice: note: café receipts", "bob>alice: cafe sounds good, 12:30",
                "alice>bob: Lunch at the Café?");
        assertThat(search(bob, "cafe")).as("another pair's message is never found")
                .containsExactly("bob>alice: cafe sounds good, 12:30", "alice>bob: Lunch at the Café?");
        assertThat(search(alice, "caf")).as("whole words").isEmpty();
        assertThat(search(alice, "caf* good")).containsExactly("bob>alice: cafe sounds good, 12:30");
        assertThat(search(alice, "lunch?!")).containsExactly("alice>bob: Lunch at the Café?");
        assertThat(search(carol, "sounds")).isEmpty();
    }

    @Test
    void searchPagesByMessageIdAndHoldsItsLimitsAtTheirEdges() {
        String alice = fx.register(c, "alice");
        fx.register(c, "bob");
        long[] ids = new long[3];
        for (int i = 0; i < 3; i++) {
            ids[i] = c.ok(send(alice, "bob", "marker " + i), Response.Sent.class).messageId();
        }
        Response.SearchResults first = c.ok(new Request.SearchMessages(alice, "marker", 0, 2), Response.SearchResults.class);
        assertThat(first.messages()).extracting(Response.Message::id).containsExactly(ids[2], ids[1]);
        assertThat(first.nextBeforeId()).isEqualTo(ids[1]);
        Response.SearchResults last = c.ok(new Request.SearchMessages(alice, "marker", ids[1], 2), Response.SearchResults.class);
        assertThat(last.messages()).extracting(Response.Message::id).containsExactly(ids[0]);
        assertThat(last.nextBeforeId()).isZero();

        // the limit: 1 and 100 answered, 101 refused (0 is refused on the wire; gRPC reads an unset 0 as 100)
        assertThat(c.ok(new Request.SearchMessages(alice, "marker", 0, 1), Response.SearchResults.class).messages()).hasSize(1);
        assertThat(c.ok(new Request.SearchMessages(alice, "marker", 0, 100), Response.SearchResults.class).messages()).hasSize(3);
        c.error(new Request.SearchMessages(alice, "marker", 0, 101), ErrorCode.INVALID_FIELD);
        if (!c.isGrpc()) {
            c.error(new Request.SearchMessages(alice, "marker", 0, 0), ErrorCode.INVALID_FIELD);
        }
        // the query: 200 characters answered, 201 refused; a query with no word, or more than 10, refused
        c.ok(new Request.SearchMessages(alice, "m".repeat(200), 0, 10), Response.SearchResults.class);
        c.error(new Request.SearchMessages(alice, "m".repeat(201), 0, 10), ErrorCode.FIELD_TOO_LONG);
        c.error(new Request.SearchMessages(alice, "", 0, 10), ErrorCode.INVALID_FIELD);
        c.error(new Request.SearchMessages(alice, " ?! -- *", 0, 10), ErrorCode.INVALID_FIELD);
        assertThat(c.ok(new Request.SearchMessages(alice, "marker 0 a b c d e f g h", 0, 10), Response.SearchResults.class)
                .messages()).isEmpty();
        c.error(new Request.SearchMessages(alice, "marker 0 a b c d e f g h i", 0, 10), ErrorCode.INVALID_FIELD);
    }

    /** A group's messages are found by those who were members when each was sent: not before joining, not after leaving. */
    @Test
    void searchFindsAGroupsMessagesOnlyFromWhileTheCallerWasAMember() {
        String alice = fx.register(c, "alice");
        String bob = fx.register(c, "bob");
        String carol = fx.register(c, "carol");
        c.ok(new Request.GroupCreate(carol, "#crew"), Response.GroupCreated.class);
        c.ok(send(carol, "#crew", "zebra before alice"), Response.Sent.class);
        c.ok(new Request.GroupAdd(carol, "#crew", "alice"), Response.MemberAdded.class);
        c.ok(send(alice, "#crew", "zebra from alice"), Response.Sent.class);
        c.ok(send(carol, "#crew", "zebra with alice"), Response.Sent.class);
        c.ok(new Request.GroupLeave(alice, "#crew"), Response.GroupLeft.class);
        c.ok(send(carol, "#crew", "zebra after alice"), Response.Sent.class);
        c.ok(new Request.GroupRename(carol, "#crew", "#deck"), Response.GroupRenamed.class);

        assertThat(search(alice, "zebra")).containsExactly("carol>#deck: zebra with alice", "alice>#deck: zebra from alice");
        assertThat(search(carol, "zebra")).hasSize(4);
        assertThat(search(bob, "zebra")).as("never a member").isEmpty();
    }

    /** Searches per account: a burst of 20, then 5 a second; over it RATE_LIMITED with the wait, another account unaffected. */
    @Test
    void searchesAreRateLimitedPerAccount() {
        String alice = fx.register(c, "alice");
        String bob = fx.register(c, "bob");
        for (int i = 0; i < 20; i++) {
            c.ok(new Request.SearchMessages(alice, "anything", 0, 10), Response.SearchResults.class);
        }
        Response.Error limited = c.error(new Request.SearchMessages(alice, "anything", 0, 10), ErrorCode.RATE_LIMITED);
        assertThat(limited.details()).containsExactly("200");
        c.ok(new Request.SearchMessages(bob, "anything", 0, 10), Response.SearchResults.class);
        fx.clock.advance(Duration.ofMillis(200));
        c.ok(new Request.SearchMessages(alice, "anything", 0, 10), Response.SearchResults.class);
        c.error(new Request.SearchMessages(alice, "anything", 0, 10), ErrorCode.RATE_LIMITED);
    }

    private Response.Receipts receipts(String token, String peer) {
        return c.ok(new Request.Receipts(token, peer), Response.Receipts.class);
    }

    @Test
    void receiptsTellTheOldestOfYourMessagesThePeerHasNotAcknowledged() {
        String alice = fx.register(c, "alice");
        String bob = fx.register(c, "bob");
        String carol = fx.register(c, "carol");
        assertThat(receipts(alice, "bob")).as("nothing sent yet").isEqualTo(new Response.Receipts(true, 0));
        long fromCarol = c.ok(send(carol, "bob", "first"), Response.Sent.class).messageId();
        long m1 = c.ok(send(alice, "bob", "one"), Response.Sent.class).messageId();
        long m2 = c.ok(send(alice, "bob", "two"), Response.Sent.class).messageId();
        assertThat(receipts(alice, "Bob")).as("another sender's message does not count; names ignore case")
                .isEqualTo(new Response.Receipts(true, m1));

        assertThat(c.ok(fetch(bob, 0), Response.Messages.class).messages()).hasSize(3);
        assertThat(receipts(alice, "bob")).as("fetched is not acknowledged").isEqualTo(new Response.Receipts(true, m1));
        c.ok(fetch(bob, fromCarol), Response.Messages.class);
        assertThat(receipts(alice, "bob")).isEqualTo(new Response.Receipts(true, m1));
        assertThat(receipts(carol, "bob")).isEqualTo(new Response.Receipts(true, 0));
        c.ok(fetch(bob, m1), Response.Messages.class);
        assertThat(receipts(alice, "bob")).as("one of two delivered").isEqualTo(new Response.Receipts(true, m2));
        c.ok(fetch(bob, m2), Response.Messages.class);
        assertThat(receipts(alice, "bob")).as("both delivered").isEqualTo(new Response.Receipts(true, 0));
        assertThat(receipts(bob, "alice")).as("the other way: bob sent nothing").isEqualTo(new Response.Receipts(true, 0));
    }

    /**
     * Regression: receipts were matched by the sender's name, so a new account with a deleted account's
     * name was told about the old account's messages still waiting.
     */
    @Test
    void aReusedNameSeesNoReceiptsAboutTheDeletedAccountsMessages() {
        String old = fx.register(c, "alice");
        String bob = fx.register(c, "bob");
        long m1 = c.ok(send(old, "bob", "from the first alice"), Response.Sent.class).messageId();
        assertThat(receipts(old, "bob")).isEqualTo(new Response.Receipts(true, m1));
        c.ok(new Request.DeleteAccount(old, PASSWORD), Response.AccountDeleted.class);
        String again = fx.register(c, "alice");
        assertThat(receipts(again, "bob")).as("the new alice sent nothing").isEqualTo(new Response.Receipts(true, 0));
        long m2 = c.ok(send(again, "bob", "from the second alice"), Response.Sent.class).messageId();
        assertThat(receipts(again, "bob")).as("her own message only").isEqualTo(new Response.Receipts(true, m2));
        c.close();
        fx.restart(); // read back from the log and the index alike
        c = fx.connect();
        assertThat(receipts(fx.login(c, "alice"), "bob")).isEqualTo(new Response.Receipts(true, m2));
        assertThat(c.ok(fetch(fx.login(c, "bob"), 0), Response.Messages.class).messages()).extracting(Response.Message::id)
                .containsExactly(m1, m2);
    }

    @Test
    void receiptsTurnedOffAreSharedNeitherWay() {
        String alice = fx.register(c, "alice");
        String bob = fx.register(c, "bob");
        long m1 = c.ok(send(alice, "bob", "one"), Response.Sent.class).messageId();
        c.ok(send(bob, "alice", "hi"), Response.Sent.class);

        assertThat(c.ok(new Request.SetReceipts(bob, false), Response.ReceiptsSet.class).on()).isFalse();
        assertThat(receipts(alice, "bob")).as("bob tells nobody").isEqualTo(new Response.Receipts(false, 0));
        assertThat(receipts(bob, "alice")).as("and learns nothing").isEqualTo(new Response.Receipts(false, 0));
        c.ok(fetch(bob, m1), Response.Messages.class);
        assertThat(receipts(alice, "bob")).as("not even once delivered").isEqualTo(new Response.Receipts(false, 0));

        assertThat(c.ok(new Request.SetReceipts(bob, true), Response.ReceiptsSet.class).on()).isTrue();
        assertThat(receipts(alice, "bob")).isEqualTo(new Response.Receipts(true, 0));
        assertThat(receipts(bob, "alice")).as("alice has not fetched bob's").extracting(Response.Receipts::oldestWaitingId)
                .isNotEqualTo(0L);
    }

    @Test
    void receiptsNeedALoginAndAnExistingPeer() {
        String alice = fx.register(c, "alice");
        c.error(new Request.Receipts(alice, "nobody"), ErrorCode.NO_SUCH_USER);
        c.error(new Request.Receipts("not-a-token", "alice"), ErrorCode.NOT_AUTHENTICATED);
        c.error(new Request.SetReceipts("not-a-token", false), ErrorCode.NOT_AUTHENTICATED);
        c.error(new Request.Receipts(alice, "no spaces"), ErrorCode.INVALID_USERNAME);
        assertThat(receipts(alice, "alice")).as("yourself is a peer like any other").isEqualTo(new Response.Receipts(true, 0));
    }

    /** Regression: an account that logged in on a connection showed offline until that connection sent another request. */
    @Test
    void anAccountIsOnlineFromItsLoginOn() {
        String alice = fx.register(c, "alice");
        try (TestConnection other = fx.connect()) {
            other.ok(new Request.CreateAccount("bob", "Bob", ServerFixture.PASSWORD), Response.AccountCreated.class);
            assertThat(c.ok(list(alice, PatternMode.WILDCARD, "bob", "", 10), Response.Accounts.class).accounts().get(0).online())
                    .isFalse();
            fx.login(other, "bob"); // and nothing else
            assertThat(c.ok(list(alice, PatternMode.WILDCARD, "bob", "", 10), Response.Accounts.class).accounts().get(0).online())
                    .isTrue();
        }
    }

    @Test
    void historyPagesBackwardsThroughBothDirections() {
        String alice = fx.register(c, "alice");
        String bob = fx.register(c, "bob");
        String carol = fx.register(c, "carol");
        for (int i = 0; i < 5; i++) {
            c.ok(send(i % 2 == 0 ? alice : bob, i % 2 == 0 ? "bob" : "alice", "m" + i), Response.Sent.class);
            c.ok(send(carol, "alice", "noise" + i), Response.Sent.class);
        }
        Response.Conversation newest = c.ok(new Request.History(alice, "bob", 0, 2), Response.Conversation.class);
        assertThat(newest.messages()).extracting(Response.Message::body).containsExactly("m3", "m4");
        assertThat(newest.nextBeforeId()).isEqualTo(newest.messages().get(0).id());
        Response.Conversation older = c.ok(new Request.History(alice, "bob", newest.nextBeforeId(), 2), Response.Conversation.class);
        assertThat(older.messages()).extracting(Response.Message::body).containsExactly("m1", "m2");
        Response.Conversation oldest = c.ok(new Request.History(alice, "bob", older.nextBeforeId(), 2), Response.Conversation.class);
        assertThat(oldest.messages()).extracting(Response.Message::body).containsExactly("m0");
        assertThat(oldest.nextBeforeId()).isZero();
        // bob sees the same conversation; directions are in the sender/recipient fields
        assertThat(c.ok(new Request.History(bob, "alice", 0, 100), Response.Conversation.class).messages())
                .extracting(Response.Message::sender).containsExactly("alice", "bob", "alice", "bob", "alice");
        c.error(new Request.History(alice, "nobody", 0, 10), ErrorCode.NO_SUCH_USER);
    }

    @Test
    void fetchAndHistoryStayWithinOneFrame() {
        String alice = fx.register(c, "alice");
        String bob = fx.register(c, "bob");
        String big = "中".repeat(1000); // 3000 bytes each: about 21 fit in 64 KiB
        for (int i = 0; i < 40; i++) {
            c.ok(send(alice, "bob", big), Response.Sent.class);
        }
        List<Response.Message> first = c.ok(fetch(bob, 0), Response.Messages.class).messages();
        assertThat(first.size()).isBetween(15, 21);
        List<Response.Message> rest = c.ok(fetch(bob, first.get(first.size() - 1).id()), Response.Messages.class).messages();
        assertThat(first.size() + rest.size()).isEqualTo(40);

        Response.Conversation page = c.ok(new Request.History(alice, "bob", 0, 100), Response.Conversation.class);
        assertThat(page.messages().size()).isBetween(15, 21);
        assertThat(page.nextBeforeId()).isEqualTo(page.messages().get(0).id());
        assertThat(page.messages().get(page.messages().size() - 1).id()).isEqualTo(rest.get(rest.size() - 1).id());
    }
}
