package org.wirechat.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.wirechat.protocol.ErrorCode;
import org.wirechat.protocol.Opcode;
import org.wirechat.protocol.Response;
import org.wirechat.server.Await;
import org.wirechat.server.ServerFixture;

/** The client library against a real server, with a proxy that can cut connections at the worst moment. */
class ChatClientTest {
    static final String PW = "correct horse";

    @TempDir
    Path dir;
    ServerFixture fx;
    final List<Response.Message> received = new CopyOnWriteArrayList<>();
    final ChatClient.Listener collect = received::addAll;

    @BeforeEach
    void start() {
        fx = new ServerFixture(dir);
    }

    @AfterEach
    void stop() {
        fx.close();
    }

    private ChatClient client(int port, ChatClient.Listener listener) {
        return new ChatClient("127.0.0.1", port, listener, ScriptedClient.FAST);
    }

    @Test
    void twoInstallationsOfOneAccountEachReceiveEveryMessage() throws Exception {
        List<Response.Message> onPhone = new CopyOnWriteArrayList<>();
        List<Response.Message> onLaptop = new CopyOnWriteArrayList<>();
        try (ChatClient alice = client(fx.server().port(), m -> { });
                ChatClient phone = new ChatClient("127.0.0.1", fx.server().port(), onPhone::addAll,
                        ScriptedClient.FAST.withDevice(DeviceId.of(dir.resolve("phone"))));
                ChatClient laptop = new ChatClient("127.0.0.1", fx.server().port(), onLaptop::addAll,
                        ScriptedClient.FAST.withDevice(DeviceId.of(dir.resolve("laptop"))))) {
            alice.register("alice", "Alice", PW);
            phone.register("bob", "Bob", PW);
            alice.login("alice", PW);
            phone.login("bob", PW);
            laptop.login("bob", PW);
            for (int i = 0; i < 50; i++) {
                alice.send("bob", "message " + i);
            }
            assertThat(alice.awaitSent(java.time.Duration.ofSeconds(30))).isTrue();
            // each client acknowledges what it has shown with its next poll: each gets all 50, once
            Await.until("the phone has all", () -> onPhone.size() >= 50);
            Await.until("the laptop has all", () -> onLaptop.size() >= 50);
            assertThat(onPhone).extracting(Response.Message::body).doesNotHaveDuplicates().hasSize(50);
            assertThat(onLaptop).extracting(Response.Message::body).doesNotHaveDuplicates().hasSize(50);
        }
    }

    @Test
    void anInstallationKeepsItsDeviceIdInAFileAndRefusesAGarbledOne() throws Exception {
        String id = DeviceId.of(dir.resolve("config"));
        assertThat(id).matches("[0-9a-f-]{36}");
        assertThat(DeviceId.of(dir.resolve("config"))).as("the same on the next run").isEqualTo(id);
        assertThat(DeviceId.of(dir.resolve("other"))).as("another installation").isNotEqualTo(id);
        java.nio.file.Files.writeString(dir.resolve("config/device-id"), "not one\n");
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> DeviceId.of(dir.resolve("config")))
                .isInstanceOf(java.io.IOException.class).hasMessageContaining("delete it to make a new one");
    }

    @Test
    void aSendWhoseAnswerWasLostIsRetriedWithItsIdAndStoredOnce() throws Exception {
        try (CuttingProxy proxy = new CuttingProxy(fx.server().address());
                ChatClient alice = client(proxy.port(), m -> { });
                ChatClient bob = client(fx.server().port(), collect)) {
            alice.register("alice", "Alice", PW);
            bob.register("bob", "Bob", PW);
            alice.login("alice", PW);
            bob.login("bob", PW);

            proxy.cutAtNextResponse(Opcode.SEND.responseWire());
            Response.Sent sent = alice.send("bob", "exactly once").result().join();
            assertThat(proxy.cuts()).as("the first answer was really lost").isEqualTo(1);

            Await.until("bob receives the message", () -> !received.isEmpty());
            alice.send("bob", "a later one"); // anything after it comes after it, and the first is not repeated
            Await.until("bob receives the second", () -> received.size() >= 2);
            assertThat(received).extracting(Response.Message::body).containsExactly("exactly once", "a later one");
            assertThat(received.get(0).id()).isEqualTo(sent.messageId());
        }
    }

    @Test
    void messagesQueuedDuringAnOutageGoOutInOrderOnceItEnds() throws Exception {
        try (ChatClient alice = client(fx.server().port(), m -> { });
                ChatClient bob = client(fx.server().port(), collect)) {
            alice.register("alice", "Alice", PW);
            bob.register("bob", "Bob", PW);
            alice.login("alice", PW);
            bob.login("bob", PW);
            fx.down();
            List<Outgoing> queued = new java.util.ArrayList<>();
            for (int i = 1; i <= 3; i++) {
                queued.add(alice.send("bob", "queued " + i)); // returns at once, the server being down
            }
            assertThat(queued).noneMatch(Outgoing::sent);
            assertThat(queued).extracting(Outgoing::clientId).doesNotHaveDuplicates();
            Await.until("alice's client has noticed the outage", () -> !alice.connected());
            assertThatThrownBy(() -> alice.history("bob", 0, 10)).as("other requests fail at once while it is down")
                    .hasMessageContaining("not connected");
            assertThat(alice.unsent()).isEqualTo(3);
            fx.up();
            assertThat(alice.awaitSent(Duration.ofSeconds(30))).isTrue();
            assertThat(queued).allMatch(Outgoing::sent);
            Await.until("bob receives all three", () -> received.size() >= 3);
            assertThat(received).extracting(Response.Message::body).containsExactly("queued 1", "queued 2", "queued 3");
        }
    }

    @Test
    void aRefusedMessageSaysWhyAndTheNextOneStillGoes() throws Exception {
        try (ChatClient alice = client(fx.server().port(), m -> { })) {
            alice.register("alice", "Alice", PW);
            alice.login("alice", PW);
            Outgoing nobody = alice.send("nobody", "hello?");
            Outgoing self = alice.send("alice", "a note to self");
            assertThatThrownBy(() -> nobody.result().join()).hasCauseInstanceOf(ChatException.class)
                    .satisfies(e -> assertThat(((ChatException) e.getCause()).code()).isEqualTo(ErrorCode.NO_SUCH_USER));
            assertThat(self.result().join().messageId()).isPositive();
        }
    }

    @Test
    void loggingOutGivesUpWhatIsStillQueuedAndSaysSo() throws Exception {
        try (ChatClient alice = client(fx.server().port(), m -> { })) {
            alice.register("alice", "Alice", PW);
            alice.login("alice", PW);
            fx.down();
            Outgoing o = alice.send("alice", "never sent");
            Await.until("alice's client has noticed the outage", () -> !alice.connected());
            assertThatThrownBy(alice::logout).as("the server is not told, but the session ends here")
                    .hasMessageContaining("not connected");
            assertThat(alice.loggedIn()).isFalse();
            assertThatThrownBy(() -> o.result().join()).hasCauseInstanceOf(ChatException.class)
                    .hasMessageContaining("alice logged out");
            assertThat(alice.unsent()).isZero();
        }
    }

    @Test
    void aCreateWhoseAnswerWasLostIsNotRepeatedButReported() throws Exception {
        try (CuttingProxy proxy = new CuttingProxy(fx.server().address());
                ChatClient c = client(proxy.port(), collect)) {
            proxy.cutAtNextResponse(Opcode.CREATE_ACCOUNT.responseWire());
            assertThatThrownBy(() -> c.register("alice", "Alice", PW))
                    .isInstanceOf(ChatException.class)
                    .hasMessageContaining("may or may not have taken effect");
            c.login("alice", PW); // it had been created
        }
    }

    @Test
    void inputIsCheckedLocallyWithTheServersWords() {
        try (ChatClient c = client(fx.server().port(), collect)) {
            assertThatThrownBy(() -> c.register("no spaces", "N", PW)).isInstanceOf(ChatException.class)
                    .satisfies(e -> assertThat(((ChatException) e).code()).isEqualTo(ErrorCode.INVALID_USERNAME));
            assertThatThrownBy(() -> c.register("ok", "N", "short")).hasMessage("a password has 8 to 50 characters");
            assertThatThrownBy(() -> c.send("bob", "hi")).hasMessageContaining("not logged in");
        }
    }

    @Test
    void unreachableServerIsReportedNotHung() throws Exception {
        int deadPort;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
            deadPort = s.getLocalPort();
        }
        ChatClient.Options impatient = new ChatClient.Options(java.time.Duration.ofMillis(500),
                new Backoff(java.time.Duration.ofMillis(10), java.time.Duration.ofMillis(50)),
                java.time.Duration.ofSeconds(1), java.time.Duration.ofMillis(300));
        try (ChatClient c = new ChatClient("127.0.0.1", deadPort, collect, impatient)) {
            assertThatThrownBy(c::ping).isInstanceOf(ChatException.class)
                    .hasMessageContaining("cannot connect to 127.0.0.1:" + deadPort + ": nothing is listening there");
        }
    }

    @Test
    void everyErrorCodeHasAClearSentence() {
        for (ErrorCode code : ErrorCode.values()) {
            if (code == ErrorCode.OK) {
                continue;
            }
            String text = ErrorText.describe(new Response.Error(code == ErrorCode.UNKNOWN ? 999 : code.wire(),
                    "the server's reason", List.of("1500")));
            assertThat(text).as(code.name()).isNotBlank().doesNotContain(code.name());
        }
        assertThat(ErrorText.describe(new Response.Error(ErrorCode.RATE_LIMITED, "slow down", List.of("1500"))))
                .isEqualTo("slow down — try again in 2 s");
        assertThat(ErrorText.describe(new Response.Error(ErrorCode.RATE_LIMITED, "too many failed logins — try again in 4 s",
                List.of("3500")))).isEqualTo("too many failed logins — try again in 4 s");
        assertThat(ErrorText.describe(new Response.Error(ErrorCode.STORAGE_UNAVAILABLE, "disk", List.of("1000"))))
                .isEqualTo("the server cannot store anything right now — nothing was stored; try again in 1 s");
    }

    /**
     * A server that was never reached is not "lost": the first failure is told at once, in words, without
     * the reconnecting retries (given an hour here, so a retry would show as the test's timeout).
     */
    @Test
    void aServerNeverReachedIsToldAtOnceInWordsNotRetried() throws Exception {
        int closedPort;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            closedPort = s.getLocalPort();
        }
        ChatClient.Options patient = new ChatClient.Options(java.time.Duration.ofSeconds(5), Backoff.DEFAULT,
                java.time.Duration.ofSeconds(25), java.time.Duration.ofHours(1));
        Links listener = new Links();
        List<String> lost = listener.lost;
        try (ChatClient c = new ChatClient("127.0.0.1", closedPort, listener, patient)) {
            assertThatThrownBy(() -> c.login("alice", "correct horse"))
                    .hasMessageContaining("cannot connect to 127.0.0.1:" + closedPort)
                    .hasMessageContaining("nothing is listening there (connection refused)");
        }
        try (ChatClient c = new ChatClient("no-such-host.invalid", 50051, listener, patient)) {
            assertThatThrownBy(c::ping).hasMessageContaining("unknown host \"no-such-host.invalid\"");
        }
        assertThat(lost).as("never connected, so never 'lost'").isEmpty();
    }

    @Test
    void theAddressMayBeGivenAsHostColonPortOrBracketedIpv6() {
        assertThat(address("localhost:21001")).isEqualTo("localhost 21001");
        assertThat(address("localhost")).isEqualTo("localhost 50051");
        assertThat(address("[::1]:6000")).isEqualTo("::1 6000");
        assertThat(address("[::1]")).isEqualTo("::1 50051");
        assertThat(address("::1", "7000")).isEqualTo("::1 7000");
        assertThat(address("example.org", "7000")).isEqualTo("example.org 7000");
        assertThatThrownBy(() -> address("localhost:21001", "22")).hasMessageContaining("the port is given twice");
        assertThatThrownBy(() -> address("localhost:http")).hasMessageContaining("PORT must be a number");
    }

    private static String address(String... args) {
        ClientMain m = new ClientMain();
        m.host = args[0];
        m.portArgument = args.length > 1 ? Integer.valueOf(args[1]) : null;
        m.resolveAddress();
        return m.host + " " + m.port;
    }

    /**
     * Regression: after a server restart, the first request on the command connection (which the server
     * had closed with SHUTTING_DOWN while it was idle) reported a second, false "connection lost".
     */
    @Test
    void theFirstRequestAfterARestartReportsNoFalseLoss() throws Exception {
        Links listener = new Links();
        List<String> lost = listener.lost;
        java.util.concurrent.atomic.AtomicInteger reconnects = listener.reconnects;
        try (ChatClient c = client(fx.server().port(), listener)) {
            c.register("alice", "Alice", PW);
            c.login("alice", PW);
            c.ping(); // the command connection is open and idle
            fx.restart();
            Await.until("the poller is back after the restart", () -> reconnects.get() > 0);
            int lossesBefore = lost.size();
            c.send("alice", "after the restart");
            assertThat(lost).as("losses reported by the first send after the restart").hasSize(lossesBefore);
        }
    }

    /** The client learns the server's own message limit at login and checks drafts against it. */
    @Test
    void theServersMessageLimitIsLearnedAtLogin() throws Exception {
        fx.reconfigure(b -> b.maxMessageChars(10));
        try (ChatClient c = client(fx.server().port(), collect)) {
            assertThat(c.maxMessageChars()).isEqualTo(org.wirechat.protocol.Limits.BODY_MAX); // before: the protocol's
            c.register("alice", "Alice", PW);
            c.login("alice", PW);
            assertThat(c.maxMessageChars()).isEqualTo(10);
            c.send("alice", "0123456789"); // at the limit
            assertThatThrownBy(() -> c.send("alice", "0123456789x")).isInstanceOf(ChatException.class)
                    .hasMessageContaining("10");
        }
    }

    /**
     * Regression (issue 27 §4): after an outage the client was back 28.7 s after the server — its first poll
     * on the new connection waited its whole long-poll time before saying the server was there. Now the
     * first poll does not wait, and the backoff is capped at 4 s: the client is back within that of the
     * server's return. The outage lasts until the client's backoff is at its cap (its 7th attempt), which is
     * where any longer outage leaves it too; the long poll is 10 minutes, so waiting for it would time out.
     */
    @Test
    void afterAnOutageTheClientIsBackWithinItsCappedBackoffOfTheServersReturn() throws Exception {
        Links listener = new Links();
        ChatClient.Options longPolls = new ChatClient.Options(Duration.ofSeconds(2), Backoff.DEFAULT, Duration.ofMinutes(10),
                Duration.ofSeconds(20));
        assertThat(Backoff.DEFAULT.max()).isLessThanOrEqualTo(Duration.ofSeconds(5));
        try (ChatClient c = new ChatClient("127.0.0.1", fx.server().port(), listener, longPolls)) {
            c.register("alice", "Alice", PW);
            c.login("alice", PW);
            fx.down();
            Await.until("the client's backoff is at its cap", () -> listener.attempts.size() >= 7);
            assertThat(listener.attempts.get(6)).as("the 7th wait is at the cap (less its jitter)")
                    .isGreaterThanOrEqualTo(Backoff.DEFAULT.max().multipliedBy(4).dividedBy(5));
            fx.up();
            long returned = System.nanoTime(); // listening again
            Await.until("the client is back", () -> listener.reconnects.get() > 0);
            System.out.printf("back %d ms after the server's return (backoff cap %s)%n",
                    Duration.ofNanos(System.nanoTime() - returned).toMillis(), Backoff.DEFAULT.max());
            assertThat(listener.attempts).as("every wait while the server was away").allSatisfy(d ->
                    assertThat(d).isLessThanOrEqualTo(Backoff.DEFAULT.max()));
            assertThat(c.connected()).isTrue();
        }
    }

    /** "Retry now": a person who knows the network is back need not wait out the backoff (10 minutes here). */
    @Test
    void retryNowEndsTheBackoffAtOnce() throws Exception {
        Links listener = new Links();
        ChatClient.Options patient = new ChatClient.Options(Duration.ofSeconds(2),
                new Backoff(Duration.ofMinutes(10), Duration.ofMinutes(10)), Duration.ofSeconds(10), Duration.ofSeconds(20));
        try (ChatClient c = new ChatClient("127.0.0.1", fx.server().port(), listener, patient)) {
            c.register("alice", "Alice", PW);
            c.login("alice", PW);
            fx.down();
            Await.until("the client waits out its backoff", () -> !listener.attempts.isEmpty());
            fx.up();
            c.retryNow();
            Await.until("the client is back", () -> listener.reconnects.get() > 0);
        }
    }

    /**
     * Any sign the server is back ends the poller's backoff: here a request that got through. The poller is
     * back when a message sent meanwhile arrives — without the sign, 10 minutes later.
     */
    @Test
    void aRequestThatGetsThroughBringsThePollerBackAtOnce() throws Exception {
        ChatClient.Options patient = new ChatClient.Options(Duration.ofSeconds(2),
                new Backoff(Duration.ofMinutes(10), Duration.ofMinutes(10)), Duration.ofSeconds(10), Duration.ofSeconds(20));
        List<Duration> waits = new CopyOnWriteArrayList<>();
        ChatClient.Listener bobs = new ChatClient.Listener() {
            @Override
            public void messages(List<Response.Message> messages) {
                received.addAll(messages);
            }

            @Override
            public void reconnecting(Duration in, int attempt) {
                waits.add(in);
            }
        };
        try (ChatClient alice = client(fx.server().port(), m -> { });
                ChatClient bob = new ChatClient("127.0.0.1", fx.server().port(), bobs, patient)) {
            alice.register("alice", "Alice", PW);
            bob.register("bob", "Bob", PW);
            alice.login("alice", PW);
            bob.login("bob", PW);
            fx.down();
            Await.until("bob's poller waits out its backoff", () -> !waits.isEmpty());
            fx.up();
            alice.send("bob", "while bob's poller waited").result().join();
            bob.ping(); // gets through: the server is back
            Await.until("bob receives it", () -> !received.isEmpty());
            assertThat(received).extracting(Response.Message::body).containsExactly("while bob's poller waited");
        }
    }

    /** A listener that records what the client says of its connection (and drops messages). */
    private static final class Links implements ChatClient.Listener {
        final List<String> lost = new CopyOnWriteArrayList<>();
        final java.util.concurrent.atomic.AtomicInteger reconnects = new java.util.concurrent.atomic.AtomicInteger();
        /** Each wait before an attempt to reach the server, as the client told it. */
        final List<Duration> attempts = new CopyOnWriteArrayList<>();

        @Override
        public void reconnecting(Duration in, int attempt) {
            attempts.add(in);
        }

        @Override
        public void messages(List<Response.Message> messages) {
        }

        @Override
        public void connectionLost(String why) {
            lost.add(why);
        }

        @Override
        public void reconnected() {
            reconnects.incrementAndGet();
        }
    }
}
