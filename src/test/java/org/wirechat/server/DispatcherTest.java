package org.wirechat.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.wirechat.protocol.ErrorCode;
import org.wirechat.protocol.PatternMode;
import org.wirechat.protocol.Request;
import org.wirechat.protocol.Response;
import org.wirechat.server.abuse.AbuseLimits;
import org.wirechat.server.abuse.AddressLimits;
import org.wirechat.server.abuse.LoginThrottle;
import org.wirechat.server.auth.PasswordHasher;
import org.wirechat.server.auth.Tokens;
import org.wirechat.server.cluster.LocalCluster;
import org.wirechat.server.inbox.InboxWaiters;
import org.wirechat.server.storage.SqliteStore;

/**
 * The chat core without any transport: no socket, no frame, no thread of its own — requests in, responses
 * out, the caller's context told what it needs (who is logged in on it). Both transports (the wire
 * protocol's sessions, gRPC's calls) are thin over this.
 */
@Timeout(60)
class DispatcherTest {
    @TempDir
    Path dir;
    SqliteStore store;
    PasswordHasher hasher;
    Presence presence;
    InboxWaiters waiters;
    Dispatcher core;
    final MutableClock clock = new MutableClock();

    /** A caller as a transport would be: it remembers who it is logged in as. */
    static final class Caller implements Dispatcher.Caller {
        final List<Long> authenticated = new CopyOnWriteArrayList<>();
        volatile boolean loggedOut;
        private final Tokens.Memo memo = new Tokens.Memo();

        @Override
        public void authenticatedAs(long accountId) {
            authenticated.add(accountId);
        }

        @Override
        public void loggedOut() {
            loggedOut = true;
        }

        @Override
        public String address() {
            return "192.0.2.1";
        }

        @Override
        public Tokens.Memo tokenMemo() {
            return memo;
        }
    }

    @BeforeEach
    void start() {
        ServerConfig config = ServerConfig.builder().dataDir(dir).passwordIterations(1_000).inboxCapacity(2)
                .abuse(AbuseLimits.NONE).maxFetchWait(Duration.ofSeconds(30)).build();
        store = SqliteStore.open(dir, e -> { });
        hasher = new PasswordHasher(1_000);
        LocalCluster cluster = new LocalCluster();
        presence = new Presence(cluster);
        waiters = new InboxWaiters();
        Tokens tokens = new Tokens(store, clock, config.tokenIdleLifetime(), config.tokenMaxLifetime());
        core = new Dispatcher(config, store, hasher, tokens, waiters, presence, new LoginThrottle(config.abuse(), cluster),
                new AddressLimits(config.abuse()), clock);
    }

    @AfterEach
    void stop() {
        waiters.wakeAll();
        presence.close();
        store.close();
        hasher.close();
    }

    Response handle(Request r, Caller c) throws InterruptedException {
        return core.submit(r, c).join();
    }

    String join(String name, Caller c) throws InterruptedException {
        assertThat(handle(new Request.CreateAccount(name, name + " Example", ServerFixture.PASSWORD), c))
                .isInstanceOf(Response.AccountCreated.class);
        return ((Response.LoggedIn) handle(new Request.Login(name, ServerFixture.PASSWORD), c)).token();
    }

    @Test
    void requestsInResponsesOutAndTheCallerToldWhoItIs() throws Exception {
        Caller alice = new Caller();
        Caller bob = new Caller();
        String a = join("alice", alice);
        String b = join("bob", bob);
        assertThat(alice.authenticated).as("online from the login on").hasSize(1);
        Response.Sent sent = (Response.Sent) handle(new Request.Send(a, "bob", "c1", "hello, core"), alice);
        assertThat(sent.timestampMillis()).isEqualTo(clock.millis());
        Response.Messages got = (Response.Messages) handle(new Request.Fetch(b, 0, 10, 0), bob);
        assertThat(got.messages()).extracting(Response.Message::sender, Response.Message::body)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("alice", "hello, core"));
        Response.Accounts list = (Response.Accounts) handle(new Request.ListAccounts(a, PatternMode.WILDCARD, "*", "", 10), alice);
        assertThat(list.accounts()).extracting(Response.Account::username).containsExactly("alice", "bob");
        assertThat(handle(new Request.Logout(a), alice)).isInstanceOf(Response.LoggedOut.class);
        assertThat(alice.loggedOut).isTrue();
        assertThat(((Response.Error) handle(new Request.Fetch(a, 0, 1, 0), alice)).code()).isEqualTo(ErrorCode.NOT_AUTHENTICATED);
    }

    @Test
    void refusalsAreResponsesWithTheirCodes() throws Exception {
        Caller alice = new Caller();
        String a = join("alice", alice);
        join("bob", new Caller());
        assertThat(code(new Request.Send(a, "nobody", "n", "x"), alice)).isEqualTo(ErrorCode.NO_SUCH_USER);
        assertThat(code(new Request.CreateAccount("ALICE", "A", ServerFixture.PASSWORD), alice)).isEqualTo(ErrorCode.USERNAME_TAKEN);
        assertThat(code(new Request.Login("alice", "wrong password"), alice)).isEqualTo(ErrorCode.BAD_CREDENTIALS);
        handle(new Request.Send(a, "bob", "1", "one"), alice);
        handle(new Request.Send(a, "bob", "2", "two"), alice);
        assertThat(code(new Request.Send(a, "bob", "3", "three"), alice)).as("capacity 2").isEqualTo(ErrorCode.INBOX_FULL);
        assertThat(code(new Request.Send(a, "bob", "1", "not one"), alice)).isEqualTo(ErrorCode.CLIENT_ID_REUSED);
    }

    private ErrorCode code(Request r, Caller c) throws InterruptedException {
        return ((Response.Error) handle(r, c)).code();
    }

    @Test
    void aWaitingFetchIsAnsweredByASendOnAnotherThread() throws Exception {
        Caller alice = new Caller();
        Caller bob = new Caller();
        String a = join("alice", alice);
        String b = join("bob", bob);
        CompletableFuture<Response> waiting = CompletableFuture.supplyAsync(() -> {
            try {
                return handle(new Request.Fetch(b, 0, 10, 30_000), bob);
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        }, r -> Thread.ofVirtual().start(r));
        Await.until("the fetch waits", () -> waiters.waitingAccounts() == 1);
        handle(new Request.Send(a, "bob", "w", "wake"), alice);
        assertThat(((Response.Messages) waiting.join()).messages()).extracting(Response.Message::body).containsExactly("wake");
    }

    @Test
    void aPushingTransportWaitsWithoutAcknowledgingAndAcknowledgesApart() throws Exception {
        Caller alice = new Caller();
        Caller bob = new Caller();
        String a = join("alice", alice);
        String b = join("bob", bob);
        long id = ((Response.Sent) handle(new Request.Send(a, "bob", "p", "pushed"), alice)).messageId();
        assertThat(((Response.Messages) core.next(b, 0, 10, 0, bob)).messages()).extracting(Response.Message::id).containsExactly(id);
        assertThat(((Response.Messages) core.next(b, 0, 10, 0, bob)).messages()).as("not acknowledged by being pushed").hasSize(1);
        assertThat(((Response.Messages) core.next(b, id, 10, 0, bob)).messages()).as("nothing after it").isEmpty();
        assertThat(core.acknowledge(b, id, bob)).isNull();
        assertThat(((Response.Messages) handle(new Request.Fetch(b, 0, 10, 0), bob)).messages()).as("acknowledged").isEmpty();
        assertThat(core.acknowledge("not-a-token", id, bob).code()).isEqualTo(ErrorCode.NOT_AUTHENTICATED);
        assertThat(((Response.Error) core.next("not-a-token", 0, 1, 0, bob)).code()).isEqualTo(ErrorCode.NOT_AUTHENTICATED);
    }
}
