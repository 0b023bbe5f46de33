package org.wirechat.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.wirechat.server.ServerFixture.PASSWORD;
import static org.wirechat.server.ServerFixture.send;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.locks.LockSupport;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.wirechat.protocol.ErrorCode;
import org.wirechat.protocol.Frame;
import org.wirechat.protocol.Opcode;
import org.wirechat.protocol.Request;
import org.wirechat.protocol.RequestCodec;
import org.wirechat.protocol.Response;
import org.wirechat.server.core.admission.AbuseLimits;

/** Every abuse limit, at, below and above its edge, with its documented answer. */
class AbuseLimitsTest {
    /** SQLite here; {@code PostgresAbuseLimitsTest} runs every test again on PostgreSQL (shared login throttling). */
    Backend backend() {
        return Backend.SQLITE;
    }

    @TempDir
    Path dir;
    ServerFixture fx;
    final ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();

    @AfterEach
    void stop() {
        threads.shutdownNow();
        if (fx != null) {
            fx.close();
        }
    }

    /** The wire protocol here; {@code GrpcAbuseLimitsTest} runs every test again over gRPC. */
    boolean overGrpc() {
        return false;
    }

    private void start(UnaryOperator<AbuseLimits> limits) {
        fx = new ServerFixture(backend(), dir, b -> b.abuse(limits.apply(AbuseLimits.NONE)).grpcPort(overGrpc() ? 0 : -1));
        if (overGrpc()) {
            fx.connectingOverGrpc();
        }
    }

    private static long retryAfter(Response.Error e) {
        assertThat(e.details()).hasSize(1);
        return Long.parseLong(e.details().get(0));
    }

    @Test
    void failedLoginsForOneAccountAreThrottledThenACorrectPasswordWorksAfterTheWait() {
        start(l -> l.withLoginFailures(3, 1000, Duration.ofMinutes(15)));
        try (TestConnection c = fx.connect()) {
            c.ok(new Request.CreateAccount("alice", "Alice", PASSWORD), Response.AccountCreated.class);
            for (int i = 0; i < 3; i++) {
                c.error(new Request.Login("alice", "wrong password"), ErrorCode.BAD_CREDENTIALS);
            }
            // throttled: even the right password is refused, before it is checked
            Response.Error limited = c.error(new Request.Login("alice", PASSWORD), ErrorCode.RATE_LIMITED);
            assertThat(retryAfter(limited)).isEqualTo(1000);
            assertThat(limited.reason()).contains("try again in 1 s");
            fx.clock.advance(Duration.ofMillis(999));
            c.error(new Request.Login("alice", PASSWORD), ErrorCode.RATE_LIMITED);
            fx.clock.advance(Duration.ofMillis(1));
            c.ok(new Request.Login("alice", PASSWORD), Response.LoggedIn.class);
            // the success cleared the account's failures: three more free tries
            for (int i = 0; i < 3; i++) {
                c.error(new Request.Login("alice", "wrong password"), ErrorCode.BAD_CREDENTIALS);
            }
            c.error(new Request.Login("alice", PASSWORD), ErrorCode.RATE_LIMITED);
        }
    }

    @Test
    void theWaitDoublesWithEachFurtherFailureUpToTheMaximum() {
        start(l -> l.withLoginFailures(1, 1000, Duration.ofSeconds(5)));
        try (TestConnection c = fx.connect()) {
            c.ok(new Request.CreateAccount("alice", "Alice", PASSWORD), Response.AccountCreated.class);
            long[] expected = {1000, 2000, 4000, 5000, 5000};
            for (long wait : expected) {
                c.error(new Request.Login("alice", "wrong password"), ErrorCode.BAD_CREDENTIALS);
                assertThat(retryAfter(c.error(new Request.Login("alice", "wrong password"), ErrorCode.RATE_LIMITED)))
                        .isEqualTo(wait);
                fx.clock.advance(Duration.ofMillis(wait));
            }
        }
    }

    @Test
    void unknownUsersAreThrottledExactlyLikeRealOnes() {
        start(l -> l.withLoginFailures(2, 1000, Duration.ofMinutes(15)));
        try (TestConnection c = fx.connect()) {
            c.ok(new Request.CreateAccount("alice", "Alice", PASSWORD), Response.AccountCreated.class);
            for (String user : new String[] {"alice", "nobody"}) {
                c.error(new Request.Login(user, "wrong password"), ErrorCode.BAD_CREDENTIALS);
                c.error(new Request.Login(user, "wrong password"), ErrorCode.BAD_CREDENTIALS);
                assertThat(retryAfter(c.error(new Request.Login(user, "wrong password"), ErrorCode.RATE_LIMITED))).isEqualTo(1000);
            }
        }
    }

    @Test
    void failedLoginsFromOneAddressAreThrottledAcrossUsernames() {
        start(l -> l.withLoginFailures(1000, 3, Duration.ofMinutes(15)));
        try (TestConnection c = fx.connect()) {
            c.ok(new Request.CreateAccount("mine", "Mine", PASSWORD), Response.AccountCreated.class);
            c.error(new Request.Login("victim1", "guess one"), ErrorCode.BAD_CREDENTIALS);
            c.error(new Request.Login("victim2", "guess two"), ErrorCode.BAD_CREDENTIALS);
            c.ok(new Request.Login("mine", PASSWORD), Response.LoggedIn.class); // does not reset the address
            c.error(new Request.Login("victim3", "guess three"), ErrorCode.BAD_CREDENTIALS);
            c.error(new Request.Login("victim4", "guess four"), ErrorCode.RATE_LIMITED);
            fx.clock.advance(Duration.ofSeconds(1));
            c.error(new Request.Login("victim4", "guess four"), ErrorCode.BAD_CREDENTIALS);
        }
    }

    @Test
    void deletePasswordGuessesCountAsFailedLogins() {
        start(l -> l.withLoginFailures(2, 1000, Duration.ofMinutes(15)));
        try (TestConnection c = fx.connect()) {
            String token = fx.register(c, "alice");
            c.error(new Request.DeleteAccount(token, "wrong password"), ErrorCode.BAD_CREDENTIALS);
            c.error(new Request.DeleteAccount(token, "wrong password"), ErrorCode.BAD_CREDENTIALS);
            c.error(new Request.DeleteAccount(token, PASSWORD), ErrorCode.RATE_LIMITED);
        }
    }

    @Test
    void accountCreationIsLimitedPerAddress() {
        start(l -> l.withAccountsPerAddressPerHour(3));
        try (TestConnection c = fx.connect()) {
            for (int i = 0; i < 3; i++) {
                c.ok(new Request.CreateAccount("user" + i, "U", PASSWORD), Response.AccountCreated.class);
            }
            Response.Error limited = c.error(new Request.CreateAccount("user3", "U", PASSWORD), ErrorCode.RATE_LIMITED);
            assertThat(retryAfter(limited)).isEqualTo(20 * 60 * 1000); // 3 an hour: one more every 20 minutes
            fx.clock.advance(Duration.ofMinutes(20));
            c.ok(new Request.CreateAccount("user3", "U", PASSWORD), Response.AccountCreated.class);
            c.error(new Request.CreateAccount("user4", "U", PASSWORD), ErrorCode.RATE_LIMITED);
        }
    }

    @Test
    void connectionsArelimitedPerAddress() {
        start(l -> l.withConnectionsPerAddress(2));
        try (TestConnection one = fx.connect(); TestConnection two = fx.connect()) {
            one.ok(new Request.Ping(), Response.Pong.class);
            two.ok(new Request.Ping(), Response.Pong.class);
            if (overGrpc()) { // an HTTP/2 connection over the limit is closed as it is accepted (docs/grpc.md)
                org.assertj.core.api.Assertions.assertThatThrownBy(fx::connect).hasMessageContaining("connection refused");
            } else {
                try (TestConnection three = fx.connect()) {
                    Response.Error busy = (Response.Error) three.readResponse();
                    assertThat(busy.code()).isEqualTo(ErrorCode.SERVER_BUSY);
                    assertThat(busy.reason()).contains("too many connections from your address");
                    assertThat(three.closedByServer()).isTrue();
                }
            }
            one.close();
            Await.until("the server counts one connection fewer", () -> fx.server().openConnections() < 2);
            try (TestConnection again = fx.connect()) {
                again.ok(new Request.Ping(), Response.Pong.class);
            }
        }
    }

    @Test
    void aConnectionOverItsRateIsSlowedNotRefused() {
        start(l -> l.withRequestRate(50, 1));
        try (TestConnection c = fx.connect()) {
            byte[] many = new byte[0];
            for (int i = 1; i <= 20; i++) {
                many = concat(many, RequestCodec.encode(i, new Request.Ping()).toBytes());
            }
            c.sendBytes(many); // 20 at once, far above a burst of 1
            for (int i = 1; i <= 20; i++) {
                Frame f = c.readFrame();
                assertThat(f.requestId()).isEqualTo(i);
                assertThat(f.opcode()).as("request %d answered, not refused", i).isEqualTo(Opcode.PING.responseWire());
            }
        }
    }

    @Test
    void aRequestThatWouldWaitTooLongIsAnsweredRateLimited() {
        start(l -> l.withRequestRate(1, 2));
        try (TestConnection c = fx.connect()) {
            // at one a second, five quick requests cannot all pass: a burst of two, then a wait of up to a
            // second, far over the 100 ms a request may be slowed
            Response.Error limited = null;
            for (int i = 0; i < 5 && limited == null; i++) {
                if (c.call(new Request.Ping()) instanceof Response.Error e) {
                    limited = e;
                }
            }
            assertThat(limited).as("a refusal among five quick requests").isNotNull();
            assertThat(limited.code()).isEqualTo(ErrorCode.RATE_LIMITED);
            assertThat(retryAfter(limited)).isBetween(1L, 1000L);
            assertThat(limited.reason()).contains("too many requests on this connection");
            Response again = c.call(new Request.Ping()); // the connection stays open and keeps answering
            assertThat(again instanceof Response.Pong || again instanceof Response.Error e && e.code() == ErrorCode.RATE_LIMITED)
                    .as("answered: %s", again).isTrue();
        }
    }

    @Test
    void aFloodingConnectionDoesNotSlowOthers() throws Exception {
        start(l -> l.withRequestRate(50, 1));
        try (TestConnection flood = fx.connect(); TestConnection other = fx.connect()) {
            byte[] many = new byte[0];
            for (int i = 1; i <= 500; i++) { // ten seconds' worth at 50 a second
                many = concat(many, RequestCodec.encode(i, new Request.Ping()).toBytes());
            }
            byte[] all = many;
            CompletableFuture<Void> flooding = CompletableFuture.runAsync(() -> flood.sendBytes(all), threads);
            assertThat(flood.readFrame().requestId()).isEqualTo(1); // the flood is being served
            for (int i = 0; i < 20; i++) {
                other.ok(new Request.Ping(), Response.Pong.class); // at once, not after the flood
            }
            flood.close();
            flooding.handle((v, e) -> null).get();
        }
    }

    @Test
    void aFrameTrickledTooSlowlyIsTimedOut() throws Exception {
        start(l -> l.withTimeouts(Duration.ofMillis(500), Duration.ofHours(1)));
        try (TestConnection c = fx.connect()) {
            c.ok(new Request.Ping(), Response.Pong.class);
            byte[] frame = RequestCodec.encode(9, new Request.Login("alice", "x".repeat(50))).toBytes();
            CompletableFuture<Void> trickle = CompletableFuture.runAsync(() -> {
                for (byte b : frame) { // one byte every 50 ms: each read is quick, the frame is not
                    c.sendBytes(new byte[] {b});
                    LockSupport.parkNanos(50_000_000);
                }
            }, threads);
            Response.Error e = (Response.Error) c.readResponse();
            assertThat(e.code()).isEqualTo(ErrorCode.IDLE_TIMEOUT);
            assertThat(e.reason()).contains("a frame must arrive whole within 500 ms");
            assertThat(c.closedByServer()).isTrue();
            trickle.handle((v, x) -> null).get();
        }
    }

    @Test
    void aClientThatDoesNotReadItsResponsesIsCutOff() {
        start(l -> l.withTimeouts(Duration.ofHours(1), Duration.ofMillis(500)));
        try (TestConnection helper = fx.connect(); TestConnection deaf = fx.connect()) {
            String alice = fx.register(helper, "alice");
            String big = "中".repeat(1000);
            for (int i = 0; i < 20; i++) {
                helper.ok(send(alice, "alice", big), Response.Sent.class);
            }
            byte[] history = RequestCodec.encode(1, new Request.History(alice, "alice", 0, 100)).toBytes();
            byte[] many = new byte[0];
            for (int i = 0; i < 100; i++) {
                many = concat(many, history);
            }
            deaf.sendBytes(many); // about 6 MB of answers that are never read
            Await.until("the deaf connection is closed", () -> fx.server().openConnections() == 1);
            helper.ok(new Request.Ping(), Response.Pong.class);
        }
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    /** 60 wrong guesses sent at once: each is counted as it arrives, before its hash, so only the free ones are checked. */
    @Test
    void parallelGuessesOnOneNameAreCountedBeforeTheirPasswordIsChecked() throws Exception {
        start(l -> l.withLoginFailures(5, 1000, Duration.ofMinutes(15)));
        try (TestConnection c = fx.connect()) {
            c.ok(new Request.CreateAccount("alice", "Alice", PASSWORD), Response.AccountCreated.class);
        }
        assertThat(guessAtOnce(60, i -> "alice")).as("answers: checked (BAD_CREDENTIALS) and refused (RATE_LIMITED)")
                .containsEntry(ErrorCode.BAD_CREDENTIALS, 5L).containsEntry(ErrorCode.RATE_LIMITED, 55L);
    }

    @Test
    void parallelGuessesFromOneAddressAreCountedBeforeTheirPasswordIsChecked() throws Exception {
        start(l -> l.withLoginFailures(1000, 10, Duration.ofMinutes(15)));
        assertThat(guessAtOnce(60, i -> "victim" + i))
                .containsEntry(ErrorCode.BAD_CREDENTIALS, 10L).containsEntry(ErrorCode.RATE_LIMITED, 50L);
    }

    /** Sends {@code n} wrong logins at once, each on its own connection, and counts the answers by code. */
    private java.util.Map<ErrorCode, Long> guessAtOnce(int n, java.util.function.IntFunction<String> username) throws Exception {
        java.util.concurrent.CountDownLatch go = new java.util.concurrent.CountDownLatch(1);
        java.util.List<java.util.concurrent.Future<ErrorCode>> answers = new java.util.ArrayList<>();
        java.util.List<TestConnection> connections = new java.util.ArrayList<>();
        try {
            for (int i = 0; i < n; i++) {
                TestConnection c = fx.connect();
                connections.add(c);
                String name = username.apply(i);
                answers.add(threads.submit(() -> {
                    go.await();
                    return ((Response.Error) c.call(new Request.Login(name, "a wrong guess"))).code();
                }));
            }
            go.countDown();
            java.util.Map<ErrorCode, Long> counts = new java.util.EnumMap<>(ErrorCode.class);
            for (var a : answers) {
                counts.merge(a.get(), 1L, Long::sum);
            }
            return counts;
        } finally {
            connections.forEach(TestConnection::close);
        }
    }

    @Test
    void passwordChecksPerAccountAreLimitedPerMinuteEvenWhenRight() {
        start(l -> l.withLogins(3, 1000));
        try (TestConnection c = fx.connect()) {
            fx.register(c, "alice"); // the first check this minute
            c.ok(new Request.Login("alice", PASSWORD), Response.LoggedIn.class);
            c.ok(new Request.Login("alice", PASSWORD), Response.LoggedIn.class); // the third: at the limit
            Response.Error limited = c.error(new Request.Login("alice", PASSWORD), ErrorCode.RATE_LIMITED);
            assertThat(retryAfter(limited)).isEqualTo(20_000); // a minute's three checks: one back every 20 s
            assertThat(limited.reason()).as("a correct login is not told it failed")
                    .startsWith("too many logins for this account this minute (at most 3 password checks a minute, right or wrong)")
                    .doesNotContain("failed");
            fx.register(c, "bob"); // another account is not affected
            fx.clock.advance(Duration.ofMillis(19_999));
            c.error(new Request.Login("alice", PASSWORD), ErrorCode.RATE_LIMITED);
            fx.clock.advance(Duration.ofMillis(1));
            c.ok(new Request.Login("alice", PASSWORD), Response.LoggedIn.class);
        }
    }

    @Test
    void anAccountHoldsAtMostItsSessionLimitAndANewLoginEndsTheOldest() {
        start(l -> l.withLogins(1000, 3));
        try (TestConnection c = fx.connect()) {
            java.util.List<String> tokens = new java.util.ArrayList<>();
            tokens.add(fx.register(c, "alice"));
            for (int i = 0; i < 2; i++) {
                fx.clock.advance(Duration.ofMillis(1));
                tokens.add(fx.login(c, "alice"));
            }
            for (String t : tokens) { // three sessions: at the limit, all live
                c.ok(new Request.Fetch(t, 0, 10, 0), Response.Messages.class);
            }
            fx.clock.advance(Duration.ofMillis(1));
            tokens.add(fx.login(c, "alice")); // the fourth ends the first
            c.error(new Request.Fetch(tokens.get(0), 0, 10, 0), ErrorCode.NOT_AUTHENTICATED);
            for (String t : tokens.subList(1, 4)) {
                c.ok(new Request.Fetch(t, 0, 10, 0), Response.Messages.class);
            }
        }
        try (java.sql.Connection db = fx.database(); var rs = db.createStatement().executeQuery("SELECT count(*) FROM tokens")) {
            rs.next();
            assertThat(rs.getInt(1)).as("tokens stored").isEqualTo(3);
        } catch (java.sql.SQLException e) {
            throw new AssertionError(e);
        }
    }
}
