package org.wirechat.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.assertj.core.groups.Tuple;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.wirechat.server.core.auth.PasswordHasher;
import org.wirechat.server.core.auth.Tokens;
import org.wirechat.server.cluster.LocalCluster;
import org.wirechat.server.core.Call;
import org.wirechat.server.core.Chat;
import org.wirechat.server.core.ChatError;
import org.wirechat.server.core.ChatException;
import org.wirechat.server.core.ChatRequest;
import org.wirechat.server.core.ChatResult;
import org.wirechat.server.core.admission.AbuseLimits;
import org.wirechat.server.core.admission.AddressLimits;
import org.wirechat.server.core.admission.Admission;
import org.wirechat.server.core.admission.Connection;
import org.wirechat.server.core.admission.LoginThrottle;
import org.wirechat.server.core.admission.Presence;
import org.wirechat.server.core.port.Deletion;
import org.wirechat.server.core.rules.Decisions;
import org.wirechat.server.core.rules.GroupRules;
import org.wirechat.server.data.DataDirectory;
import org.wirechat.server.core.inbox.InboxWaiters;
import org.wirechat.server.storage.SqliteStore;

/**
 * The chat core without any transport: no socket, no frame, no thread of its own — core requests in, core
 * results out (a refusal a {@link ChatException}), the caller's context told what it needs (who is logged in
 * on it). Both transports (the wire protocol's sessions, gRPC's calls) are thin over this.
 */
@Timeout(60)
class ChatTest {
    @TempDir
    Path dir;
    SqliteStore store;
    PasswordHasher hasher;
    Presence presence;
    InboxWaiters waiters;
    Chat core;
    final MutableClock clock = new MutableClock();

    Admission admission;

    /** A caller as a transport makes one: a connection admitted from one address, and its token memo. */
    final class TestCaller {
        final Connection connection = admission.open("192.0.2.1", Connection.Logins.ONE, limit -> { }).orElseThrow();
        final Tokens.Memo memo = new Tokens.Memo();
    }

    @BeforeEach
    void start() {
        ServerConfig config = ServerConfig.builder().dataDir(dir).passwordIterations(1_000).inboxCapacity(2)
                .abuse(AbuseLimits.NONE).maxFetchWait(Duration.ofSeconds(30)).maxMessageChars(20)
                .groups(GroupLimits.DEFAULTS.withMessageRate(1, 1)).build();
        store = DataDirectory.open(Decisions.RULES, dir, e -> { });
        hasher = new PasswordHasher(1_000);
        LocalCluster cluster = new LocalCluster();
        presence = new Presence(cluster);
        waiters = new InboxWaiters();
        Tokens tokens = new Tokens(store, clock, config.tokenIdleLifetime(), config.tokenMaxLifetime());
        core = new Chat(WireServer.chatSettings(config), store, hasher, tokens, waiters, presence, cluster,
                new LoginThrottle(config.abuse(), cluster), new AddressLimits(config.abuse()), clock);
        admission = new Admission(config.maxConnections(), config.abuse(), presence);
    }

    @AfterEach
    void stop() {
        waiters.wakeAll();
        presence.close();
        store.close();
        hasher.close();
    }

    ChatResult handle(ChatRequest r, String token, TestCaller c) throws InterruptedException {
        return core.submit(r, new Call(c.connection, c.memo, token)).join();
    }

    ChatResult handle(ChatRequest r, TestCaller c) throws InterruptedException {
        return handle(r, "", c);
    }

    String join(String name, TestCaller c) throws InterruptedException {
        assertThat(handle(new ChatRequest.CreateAccount(name, name + " Example", ServerFixture.PASSWORD), c))
                .isInstanceOf(ChatResult.AccountCreated.class);
        return ((ChatResult.LoggedIn) handle(new ChatRequest.Login(name, ServerFixture.PASSWORD), c)).token();
    }

    @Test
    void requestsInResultsOutAndTheCallerToldWhoItIs() throws Exception {
        TestCaller alice = new TestCaller();
        TestCaller bob = new TestCaller();
        String a = join("alice", alice);
        String b = join("bob", bob);
        assertThat(alice.connection.accounts()).as("online from the login on").hasSize(1);
        ChatResult.Sent sent = (ChatResult.Sent) handle(new ChatRequest.Send("bob", "c1", "hello, core"), a, alice);
        assertThat(sent.timestampMillis()).isEqualTo(clock.millis());
        ChatResult.Messages got = (ChatResult.Messages) handle(new ChatRequest.Fetch(0, 10, 0), b, bob);
        assertThat(got.messages()).extracting(ChatResult.Message::sender, ChatResult.Message::body)
                .containsExactly(Tuple.tuple("alice", "hello, core"));
        ChatResult.AccountPage list = (ChatResult.AccountPage) handle(new ChatRequest.ListAccounts(false, "*", "", 10), a, alice);
        assertThat(list.accounts()).extracting(ChatResult.Account::username).containsExactly("alice", "bob");
        assertThat(handle(new ChatRequest.Logout(), a, alice)).isInstanceOf(ChatResult.LoggedOut.class);
        assertThat(alice.connection.accounts()).as("offline from the logout on").isEmpty();
        assertThat(error(new ChatRequest.Fetch(0, 1, 0), a, alice)).isEqualTo(ChatError.NOT_AUTHENTICATED);
    }

    @Test
    void refusalsAreChatExceptionsWithTheirErrors() throws Exception {
        TestCaller alice = new TestCaller();
        String a = join("alice", alice);
        join("bob", new TestCaller());
        assertThat(error(new ChatRequest.Send("nobody", "n", "x"), a, alice)).isEqualTo(ChatError.NO_SUCH_USER);
        assertThat(error(new ChatRequest.CreateAccount("ALICE", "A", ServerFixture.PASSWORD), "", alice))
                .isEqualTo(ChatError.USERNAME_TAKEN);
        assertThat(error(new ChatRequest.Login("alice", "wrong password"), "", alice)).isEqualTo(ChatError.BAD_CREDENTIALS);
        handle(new ChatRequest.Send("bob", "1", "one"), a, alice);
        handle(new ChatRequest.Send("bob", "2", "two"), a, alice);
        assertThat(error(new ChatRequest.Send("bob", "3", "three"), a, alice)).as("capacity 2").isEqualTo(ChatError.INBOX_FULL);
        assertThat(error(new ChatRequest.Send("bob", "1", "not one"), a, alice)).isEqualTo(ChatError.CLIENT_ID_REUSED);
        assertThat(error(new ChatRequest.ListAccounts(true, "(", "", 10), a, alice)).isEqualTo(ChatError.INVALID_PATTERN);
    }

    private ChatError error(ChatRequest r, String token, TestCaller c) throws InterruptedException {
        CompletableFuture<ChatResult> answer = core.submit(r, new Call(c.connection, c.memo, token));
        assertThatThrownBy(answer::join).isInstanceOf(CompletionException.class).hasCauseInstanceOf(ChatException.class);
        return ((ChatException) answer.handle((x, t) -> t instanceof CompletionException ? t.getCause() : t).join()).error();
    }

    @Test
    void aWaitingFetchIsAnsweredByASendOnAnotherThread() throws Exception {
        TestCaller alice = new TestCaller();
        TestCaller bob = new TestCaller();
        String a = join("alice", alice);
        String b = join("bob", bob);
        CompletableFuture<ChatResult> waiting = CompletableFuture.supplyAsync(() -> {
            try {
                return handle(new ChatRequest.Fetch(0, 10, 30_000), b, bob);
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        }, r -> Thread.ofVirtual().start(r));
        Await.until("the fetch waits", () -> waiters.waitingAccounts() == 1);
        handle(new ChatRequest.Send("bob", "w", "wake"), a, alice);
        assertThat(((ChatResult.Messages) waiting.join()).messages()).extracting(ChatResult.Message::body).containsExactly("wake");
    }

    @Test
    void aPushingTransportWaitsWithoutAcknowledgingAndAcknowledgesApart() throws Exception {
        TestCaller alice = new TestCaller();
        TestCaller bob = new TestCaller();
        String a = join("alice", alice);
        String b = join("bob", bob);
        long id = ((ChatResult.Sent) handle(new ChatRequest.Send("bob", "p", "pushed"), a, alice)).id();
        assertThat(next(0, b, bob)).extracting(ChatResult.Message::id).containsExactly(id);
        assertThat(next(0, b, bob)).as("not acknowledged by being pushed").hasSize(1);
        assertThat(next(id, b, bob)).as("nothing after it").isEmpty();
        assertThat(handle(new ChatRequest.Ack(id), b, bob)).isInstanceOf(ChatResult.Acked.class);
        assertThat(((ChatResult.Messages) handle(new ChatRequest.Fetch(0, 10, 0), b, bob)).messages()).as("acknowledged").isEmpty();
        assertThat(error(new ChatRequest.Ack(id), "not-a-token", bob)).isEqualTo(ChatError.NOT_AUTHENTICATED);
        assertThat(error(new ChatRequest.Next(0, 1, 0), "not-a-token", bob)).isEqualTo(ChatError.NOT_AUTHENTICATED);
    }

    @Test
    void aGroupMessageRefusedForItsLengthDoesNotCountAgainstTheGroupRate() throws Exception {
        TestCaller alice = new TestCaller();
        String a = join("alice", alice);
        handle(new ChatRequest.CreateGroup("#g"), a, alice);
        assertThat(error(new ChatRequest.Send("#g", "long", "x".repeat(21)), a, alice)).isEqualTo(ChatError.MESSAGE_TOO_LONG);
        assertThat(handle(new ChatRequest.Send("#g", "ok", "x".repeat(20)), a, alice)).as("the one message a second")
                .isInstanceOf(ChatResult.Sent.class);
        assertThat(error(new ChatRequest.Send("#g", "more", "x"), a, alice)).as("the clock has not moved")
                .isEqualTo(ChatError.RATE_LIMITED);
    }

    /**
     * An account deleted where this server's token cache has not heard of it yet (on PostgreSQL, by another server
     * before its notification arrives): RECEIPTS read the deleted row's flag and answered as if it were live; the
     * flag comes with the live account's row now, so it is NOT_AUTHENTICATED, as SET_RECEIPTS already answered.
     */
    @Test
    void receiptsAskedWithTheTokenOfAnAccountDeletedElsewhereAreNotAuthenticated() throws Exception {
        TestCaller alice = new TestCaller();
        String a = join("alice", alice);
        join("bob", new TestCaller());
        assertThat(handle(new ChatRequest.Receipts("bob"), a, alice)).isEqualTo(new ChatResult.ReceiptState(true, 0));
        long id = store.find("alice").orElseThrow().id();
        assertThat(store.deleteIfNothingWaits(id, clock.millis(), GroupRules::leaveAll)).isEqualTo(new Deletion.Deleted()); // not through Tokens
        assertThat(error(new ChatRequest.Receipts("bob"), a, alice)).isEqualTo(ChatError.NOT_AUTHENTICATED);
        assertThat(error(new ChatRequest.SetReceipts(false), a, alice)).isEqualTo(ChatError.NOT_AUTHENTICATED);
    }

    private List<ChatResult.Message> next(long after, String token, TestCaller c) throws InterruptedException {
        return ((ChatResult.Messages) handle(new ChatRequest.Next(after, 10, 0), token, c)).messages();
    }
}
