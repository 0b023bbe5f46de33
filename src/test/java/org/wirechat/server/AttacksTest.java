package org.wirechat.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketException;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.CountDownLatch;
import java.util.ArrayList;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.wirechat.protocol.ErrorCode;
import org.wirechat.protocol.PatternMode;
import org.wirechat.protocol.Request;
import org.wirechat.protocol.Response;
import org.wirechat.server.core.account.AccountMatcher;

/** What an attacker tried against the server (issue 13), each answered as documented while others are served. */
class AttacksTest {
    private static final List<String> NAMED_GROUP_BOMBS = List.of("(?<n>((a{1000}){249}){249})", "(?P<n>((a{1000}){249}){249})",
            "(?<n>(?<m>(?<o>a{1000}){249}){249})", "(?i)(?<n>(?:(?i:a{1000}){249}){249})", "(?<n>((a{2,1000}){2,249}){2,249})");
    private static final int BOMB_ATTACKERS = 6;
    private static final int BOMB_ROUNDS = 3;

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

    /** 24 bytes that once took 110 s and 6 GB to compile; now refused before compiling, while PINGs flow. */
    @Test
    void nestedCountedRepetitionIsRefusedBeforeItIsCompiledWhileOthersAreServed() throws Exception {
        fx = new ServerFixture(dir);
        try (TestConnection c = fx.connect(); TestConnection other = fx.connect()) {
            String t = fx.register(c, "alice");
            AtomicBoolean done = new AtomicBoolean();
            Future<Integer> pings = threads.submit(() -> {
                int n = 0;
                while (!done.get()) {
                    other.ok(new Request.Ping(), Response.Pong.class);
                    n++;
                }
                return n;
            });
            for (String p : List.of("((a{1000}){1000}){1000}", "(a{1000}){1000}", "(?:(?:a{999}){999})", "((a{100}){100})",
                    "[a-z]{1000}[a-z]{1000}", "((a*){1000}){1000}", "\\pL{500}\\pL{500}", "(x{2}|y{1000}){1000}",
                    "(?i)(?P<n>(a|b){30}){30}", "\\Q((\\E{900}(b){300}", "a{999}")) {
                Response.Error e = c.error(ServerFixture.list(t, PatternMode.REGEX, p, "", 10), ErrorCode.INVALID_PATTERN);
                assertThat(e.reason()).as("pattern %s", p).contains("expression too large")
                        .contains(String.valueOf(AccountMatcher.MAX_PROGRAM));
            }
            // at the limit, and what people type, still works
            for (String p : List.of("a{998}", "^[a-z]{3,8}$", "(alice|bob)", "\\p{L}+", "a{0,50}", "(?i)AL.*")) {
                c.ok(ServerFixture.list(t, PatternMode.REGEX, p, "", 10), Response.Accounts.class);
            }
            c.ok(ServerFixture.list(t, PatternMode.WILDCARD, "*a*l*i*c*e*", "", 10), Response.Accounts.class);
            done.set(true);
            assertThat(pings.get()).as("PINGs answered meanwhile").isPositive();
        }
    }

    /** A ClientHello trickled a byte at a time: each read is quick, the handshake never ends — until the deadline. */
    @Test
    void aTrickledTlsHandshakeIsCutAtTheFirstFrameTimeout() throws Exception {
        fx = new ServerFixture(dir, b -> b.firstFrameTimeout(Duration.ofSeconds(1)), true);
        try (Socket s = new Socket()) {
            s.connect(fx.server().address(), 5_000);
            s.setSoTimeout(50_000);
            // a handshake record that announces 16 KiB, then its bytes at 4 a second: an hour's worth
            byte[] header = {0x16, 0x03, 0x01, 0x40, 0x00, 0x01, 0x00, 0x3F, (byte) 0xFC, 0x03, 0x03};
            AtomicBoolean cut = new AtomicBoolean();
            Future<?> trickle = threads.submit(() -> {
                OutputStream out = s.getOutputStream();
                for (int i = 0; !cut.get(); i++) {
                    out.write(i < header.length ? header[i] : 0);
                    out.flush();
                    LockSupport.parkNanos(250_000_000);
                }
                return null;
            });
            Await.until("the handshake is under way", () -> fx.server().openConnections() == 1);
            assertThat(readUntilClosed(s.getInputStream())).as("bytes the server sent").isZero();
            cut.set(true);
            try {
                trickle.get(); // ends with an exception once the socket is closed under it
            } catch (java.util.concurrent.ExecutionException expected) {
                // writing to a closed connection
            }
            Await.until("the server forgets the connection", () -> fx.server().openConnections() == 0);
        }
        try (TestConnection c = fx.connect()) { // and a real client is served
            c.ok(new Request.Ping(), Response.Pong.class);
        }
    }

    private static int readUntilClosed(InputStream in) throws IOException {
        int n = 0;
        try {
            while (in.read() >= 0) {
                n++;
            }
        } catch (SocketException reset) {
            // a reset is a close too
        }
        return n;
    }

    @Test
    void tlsOffersOnlyAeadSuitesForTls12() throws Exception {
        fx = new ServerFixture(dir, b -> b, true);
        javax.net.ssl.SSLSocketFactory trust = fx.clientTls();
        for (String suite : List.of("TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA256", "TLS_ECDHE_RSA_WITH_AES_256_CBC_SHA384",
                "TLS_RSA_WITH_AES_128_GCM_SHA256", "TLS_ECDHE_RSA_WITH_AES_128_CBC_SHA")) {
            assertThat(handshake(trust, "TLSv1.2", suite)).as("TLS 1.2 with %s", suite).isNull();
        }
        // the test certificate has an EC key, so TLS 1.2's suites are ECDHE_ECDSA ones
        for (String suite : List.of("TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA256", "TLS_ECDHE_ECDSA_WITH_AES_256_CBC_SHA384",
                "TLS_ECDHE_ECDSA_WITH_AES_128_CBC_SHA")) {
            assertThat(handshake(trust, "TLSv1.2", suite)).as("TLS 1.2 with %s", suite).isNull();
        }
        assertThat(handshake(trust, "TLSv1.2", "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256"))
                .isEqualTo("TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256");
        assertThat(handshake(trust, "TLSv1.2", "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256"))
                .isEqualTo("TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256");
        assertThat(handshake(trust, "TLSv1.3", "TLS_AES_128_GCM_SHA256")).isEqualTo("TLS_AES_128_GCM_SHA256");
    }

    /** The suite agreed on, or null if the server refused the handshake. */
    private String handshake(javax.net.ssl.SSLSocketFactory trust, String protocol, String suite) throws IOException {
        try (Socket plain = new Socket()) {
            plain.connect(fx.server().address(), 5_000);
            javax.net.ssl.SSLSocket s = (javax.net.ssl.SSLSocket) trust.createSocket(plain, "127.0.0.1", fx.server().port(), true);
            s.setSoTimeout(10_000);
            s.setEnabledProtocols(new String[] {protocol});
            s.setEnabledCipherSuites(new String[] {suite});
            try {
                s.startHandshake();
                return s.getSession().getCipherSuite();
            } catch (javax.net.ssl.SSLException e) {
                return null;
            }
        }
    }

    /** An Error where every connection depends (here: reported as the writer would) stops the server cleanly. */
    @Test
    void aFatalErrorStopsTheServerCleanly() {
        fx = new ServerFixture(dir);
        TestConnection c = fx.connect();
        fx.register(c, "alice");
        OutOfMemoryError oom = new OutOfMemoryError("simulated");
        fx.server().fatal("the store writer", oom);
        fx.server().awaitTermination();
        assertThat(fx.server().failure()).containsSame(oom);
        assertThat(c.closedByServerAfterAnyFrames()).as("connections are closed").isTrue();
        c.close();
    }

    /**
     * Issue 33: LIST_ACCOUNTS with the 27 bytes {@code (?<n>((a{1000}){249}){249})} slipped past the size
     * check (it skipped named groups), and RE2/J built a program of 62 million instructions: an
     * OutOfMemoryError per request, and the server stopped when one landed in the deadline sweep. Now every
     * such request is answered INVALID_PATTERN while PINGs from others keep being answered.
     */
    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void aNamedGroupRegexBombFromSeveralConnectionsIsRefusedAndTheServerKeepsAnswering() throws Exception {
        fx = new ServerFixture(dir);
        String token;
        try (TestConnection c = fx.connect()) {
            token = fx.register(c, "alice");
        }
        try (TestConnection other = fx.connect()) {
            AtomicBoolean done = new AtomicBoolean();
            Future<Integer> pings = threads.submit(() -> {
                int n = 0;
                while (!done.get()) {
                    other.ok(new Request.Ping(), Response.Pong.class);
                    n++;
                }
                return n;
            });
            CountDownLatch gate = new CountDownLatch(1);
            List<Future<Integer>> attackers = new ArrayList<>();
            for (int i = 0; i < BOMB_ATTACKERS; i++) {
                attackers.add(threads.submit(() -> {
                    try (TestConnection c = fx.connect()) {
                        gate.await();
                        int refused = 0;
                        for (int r = 0; r < BOMB_ROUNDS; r++) {
                            for (String p : NAMED_GROUP_BOMBS) {
                                Response.Error e = c.error(ServerFixture.list(token, PatternMode.REGEX, p, "", 10),
                                        ErrorCode.INVALID_PATTERN);
                                assertThat(e.reason()).as(p).contains("expression too large")
                                        .contains(String.valueOf(AccountMatcher.MAX_PROGRAM));
                                refused++;
                            }
                        }
                        c.ok(ServerFixture.list(token, PatternMode.REGEX, "(?<n>al{1,3}ice)", "", 10), Response.Accounts.class);
                        return refused;
                    }
                }));
            }
            gate.countDown();
            for (Future<Integer> a : attackers) {
                assertThat(a.get()).isEqualTo(BOMB_ROUNDS * NAMED_GROUP_BOMBS.size());
            }
            done.set(true);
            assertThat(pings.get()).as("PINGs answered during the attack").isPositive();
            other.ok(new Request.Ping(), Response.Pong.class);
        }
        assertThat(fx.server().failure()).as("what stopped the server").isEmpty();
        try (TestConnection fresh = fx.connect()) {
            fresh.ok(new Request.Ping(), Response.Pong.class);
            Response.Accounts found = fresh.ok(ServerFixture.list(token, PatternMode.REGEX, "(?<n>a{0,5}lice)", "", 10),
                    Response.Accounts.class);
            assertThat(found.accounts()).hasSize(1);
        }
    }
}
