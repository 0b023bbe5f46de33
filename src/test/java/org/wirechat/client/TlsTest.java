package org.wirechat.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.wirechat.protocol.Request;
import org.wirechat.protocol.Response;
import org.wirechat.server.Await;
import org.wirechat.server.ServerFixture;
import org.wirechat.server.ServerMain;
import org.wirechat.server.ServerProcess;
import org.wirechat.server.TestCerts;
import org.wirechat.server.TestConnection;

class TlsTest {
    static final String PW = "correct horse";
    /** Would retry for ten minutes: a test that passes with it proves no retry happened. */
    static final ChatClient.Options PATIENT = new ChatClient.Options(Duration.ofSeconds(2),
            new Backoff(Duration.ofMillis(20), Duration.ofMillis(300)), Duration.ofSeconds(10), Duration.ofMinutes(10));

    @TempDir
    Path dir;

    @Test
    void theClientLibraryChatsOverTls() throws Exception {
        List<Response.Message> got = new CopyOnWriteArrayList<>();
        try (ServerFixture fx = new ServerFixture(dir, b -> b, true);
                ChatClient c = new ChatClient("127.0.0.1", fx.server().port(), got::addAll,
                        ScriptedClient.FAST.withTls(TestCerts.clientTrust()))) {
            c.register("alice", "Alice", PW);
            c.login("alice", PW);
            c.send("alice", "secret note");
            Await.until("the note arrives over TLS", () -> got.size() == 1);
            assertThat(got.get(0).body()).isEqualTo("secret note");
        }
    }

    @Test
    void anUntrustedCertificateFailsAtOnceWithAHint() throws Exception {
        try (ServerFixture fx = new ServerFixture(dir, b -> b, true);
                ChatClient c = new ChatClient("127.0.0.1", fx.server().port(), m -> { }, PATIENT.withTls(Tls.systemTrust()))) {
            assertThatThrownBy(c::ping).isInstanceOf(ChatException.class)
                    .hasMessageContaining("certificate trusted (--truststore FILE)");
        }
    }

    @Test
    void aCertificateForAnotherHostIsRefused() throws Exception {
        try (ServerFixture fx = new ServerFixture(dir, b -> b.tls(TestCerts.serverForAnotherHost()), false);
                ChatClient c = new ChatClient("127.0.0.1", fx.server().port(), m -> { },
                        PATIENT.withTls(Tls.trusting(TestCerts.otherCertificate(), null)))) {
            // trusted, but it names other.invalid, not 127.0.0.1
            assertThatThrownBy(c::ping).isInstanceOf(ChatException.class).hasMessageContaining("TLS with 127.0.0.1");
        }
    }

    @Test
    void aPlainClientAtATlsServerIsToldToUseTls() {
        try (ServerFixture fx = new ServerFixture(dir, b -> b, true);
                ChatClient c = new ChatClient("127.0.0.1", fx.server().port(), m -> { }, PATIENT)) {
            assertThatThrownBy(c::ping).isInstanceOf(ChatException.class).hasMessageContaining("use --tls");
        }
    }

    @Test
    void shutdownOverTlsAnswersTheWaitingFetchAndClosesIdleConnections() throws Exception {
        ServerFixture fx = new ServerFixture(dir, b -> b.maxFetchWait(Duration.ofMinutes(10)), true);
        try (TestConnection poller = fx.connect(); TestConnection idle = fx.connect()) {
            String bob = fx.register(poller, "bob");
            idle.ok(new Request.Ping(), Response.Pong.class);
            var poll = java.util.concurrent.CompletableFuture.supplyAsync(
                    () -> poller.call(new Request.Fetch(bob, 0, 10, 600_000)));
            Await.until("the fetch waits", () -> fx.server().waitingFetches() == 1);
            fx.close();
            assertThat(poll.get()).isEqualTo(new Response.Messages(List.of()));
            assertThat(idle.closedByServer()).isTrue();
        }
    }

    @Test
    void aTlsClientThatDoesNotReadIsCutOffAndTheServerStillStopsPromptly() throws Exception {
        ServerFixture fx = new ServerFixture(dir, b -> b.abuse(org.wirechat.server.core.admission.AbuseLimits.NONE
                .withTimeouts(Duration.ofHours(1), Duration.ofMillis(500))), true);
        try (TestConnection helper = fx.connect(); TestConnection deaf = fx.connect()) {
            String alice = fx.register(helper, "alice");
            for (int i = 0; i < 20; i++) {
                helper.ok(ServerFixture.send(alice, "alice", "中".repeat(1000)), Response.Sent.class);
            }
            byte[] history = org.wirechat.protocol.RequestCodec.encode(1, new Request.History(alice, "alice", 0, 100)).toBytes();
            for (int i = 0; i < 100; i++) {
                deaf.sendBytes(history);
            }
            Await.until("the deaf TLS connection is closed", () -> fx.server().openConnections() == 1);
            helper.ok(new Request.Ping(), Response.Pong.class);
        } finally {
            fx.close();
        }
    }

    @Test
    void theServerTakesItsKeyStorePasswordFromAFileAndNeverShowsIt() throws Exception {
        Path pwFile = dir.resolve("pw");
        Files.writeString(pwFile, new String(TestCerts.server().password()) + "\n");
        try (ServerProcess server = new ServerProcess(dir.resolve("data"), dir.resolve("server.log"),
                "--tls-keystore", TestCerts.server().keyStore().toString(), "--tls-password-file", pwFile.toString());
                TestConnection c = new TestConnection(server.address, TestCerts.clientTrust())) {
            c.ok(new Request.Ping(), Response.Pong.class);
        }
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8);
        PrintStream o = new PrintStream(new ByteArrayOutputStream());
        String ks = TestCerts.server().keyStore().toString();
        assertThat(ServerMain.run(new String[] {"--port", "0", "--data-dir", dir.toString(), "--tls-keystore", ks}, o, e))
                .isEqualTo(2);
        Files.writeString(pwFile, "the wrong password\n");
        assertThat(ServerMain.run(new String[] {"--port", "0", "--data-dir", dir.resolve("d2").toString(),
                "--tls-keystore", ks, "--tls-password-file", pwFile.toString()}, o, e)).isEqualTo(1);
        assertThat(err.toString(StandardCharsets.UTF_8))
                .contains("needs its password: set WIRECHAT_TLS_PASSWORD or use --tls-password-file")
                .contains("cannot read the TLS key store")
                .doesNotContain("the wrong password");
    }
}
