package org.wirechat.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.wirechat.protocol.ErrorCode;
import org.wirechat.protocol.Request;
import org.wirechat.protocol.Response;

/** The metrics and health port, read over real HTTP while real clients use the server. */
@Timeout(60)
class MetricsTest {
    @TempDir
    Path dir;
    ServerFixture fx;
    final HttpClient http = HttpClient.newHttpClient();

    ServerFixture fixture(Path dataDir, UnaryOperator<ServerConfig.Builder> tweak) {
        return new ServerFixture(Backend.SQLITE, dataDir, tweak);
    }

    @BeforeEach
    void start() {
        fx = fixture(dir, b -> b.metricsPort(0));
        // with PostgreSQL, ready only once the connection that listens to the other servers is up (a moment after start)
        Await.until("the server ready", () -> fx.server().notReady() == null);
    }

    @AfterEach
    void stop() {
        fx.close();
        http.close();
    }

    private HttpResponse<String> get(String path) throws Exception {
        InetSocketAddress at = fx.server().metricsAddress().orElseThrow();
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + at.getPort() + path)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    @Test
    void requestsMessagesConnectionsAndTheJvmAreCounted() throws Exception {
        try (TestConnection c = fx.connect()) {
            String alice = fx.register(c, "alice");
            c.ok(ServerFixture.send(alice, "alice", "one"), Response.Sent.class);
            c.ok(ServerFixture.send(alice, "alice", "two"), Response.Sent.class);
            c.error(ServerFixture.send(alice, "nobody", "three"), ErrorCode.NO_SUCH_USER);
            c.error(new Request.Login("alice", "wrong password"), ErrorCode.BAD_CREDENTIALS);
            assertThat(c.ok(ServerFixture.fetch(alice, 0), Response.Messages.class).messages()).hasSize(2);
            HttpResponse<String> r = get("/metrics");
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.body())
                    .contains("wirechat_request_duration_seconds_count{op=\"SEND\",outcome=\"ok\"} 2")
                    .contains("wirechat_request_duration_seconds_count{op=\"SEND\",outcome=\"NO_SUCH_USER\"} 1")
                    .contains("wirechat_request_duration_seconds_count{op=\"LOGIN\",outcome=\"BAD_CREDENTIALS\"} 1")
                    .contains("wirechat_request_duration_seconds_count{op=\"CREATE_ACCOUNT\",outcome=\"ok\"} 1")
                    .contains("wirechat_messages_sent_total 2")
                    .contains("wirechat_messages_delivered_total 2")
                    .contains("wirechat_connections_open 1")
                    .contains("wirechat_connections_accepted_total 1")
                    .contains("wirechat_storage_fault 0")
                    .contains("wirechat_messages_undelivered 2.0") // fetched, not acknowledged
                    .containsPattern("wirechat_commits_total [1-9]")
                    .containsPattern("wirechat_committed_records_total [1-9]")
                    .contains("wirechat_commit_seconds_total")
                    .contains("wirechat_token_lookups_total 4.0") // the three SENDs and the FETCH
                    .containsPattern("wirechat_token_store_reads_total [01]\\.0") // the memo and the cache answer the rest
                    .contains("jvm_memory_used_bytes");
            assertThat(r.body()).doesNotContain("correct horse").doesNotContain(alice);
        }
    }

    @Test
    void gRpcCallsAndSubscribePushesAreCountedLikeTheWireProtocolsRequests() throws Exception {
        fx.close();
        fx = fixture(dir.resolve("grpc"), b -> b.metricsPort(0).grpcPort(0)).connectingOverGrpc();
        Await.until("the server ready", () -> fx.server().notReady() == null);
        List<Response.Message> pushed = new java.util.concurrent.CopyOnWriteArrayList<>();
        try (TestConnection c = fx.connect()) {
            assertThat(c.isGrpc()).isTrue();
            String alice = fx.register(c, "alice");
            fx.register(c, "bob");
            c.error(ServerFixture.send(alice, "nobody", "lost"), ErrorCode.NO_SUCH_USER);
            try (org.wirechat.client.ChatClient bob = new org.wirechat.client.ChatClient("127.0.0.1",
                    fx.server().grpcPort().orElseThrow(), pushed::addAll,
                    org.wirechat.client.ScriptedClient.FAST.withTransport(org.wirechat.client.ChatClient.Transport.GRPC))) {
                bob.login("bob", ServerFixture.PASSWORD); // receives by Subscribe from now on
                c.ok(ServerFixture.send(alice, "bob", "one"), Response.Sent.class);
                c.ok(ServerFixture.send(alice, "bob", "two"), Response.Sent.class);
                Await.until("bob has both", () -> pushed.size() == 2);
            }
            String body = get("/metrics").body();
            assertThat(body)
                    .contains("wirechat_request_duration_seconds_count{op=\"SEND\",outcome=\"ok\"} 2")
                    .contains("wirechat_request_duration_seconds_count{op=\"SEND\",outcome=\"NO_SUCH_USER\"} 1")
                    .contains("wirechat_request_duration_seconds_count{op=\"LOGIN\",outcome=\"ok\"} 3")
                    .contains("wirechat_messages_sent_total 2")
                    .contains("wirechat_messages_delivered_total 2");
        }
    }

    @Test
    void liveAndReadyWhileItServesAndTheHealthCommandSaysSo() throws Exception {
        assertThat(get("/health/live").statusCode()).isEqualTo(200);
        HttpResponse<String> ready = get("/health/ready");
        assertThat(ready.statusCode()).isEqualTo(200);
        assertThat(ready.body()).isEqualTo("ready\n");
        assertThat(get("/elsewhere").statusCode()).isEqualTo(404);

        int port = fx.server().metricsAddress().orElseThrow().getPort();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        assertThat(ServerMain.run(new String[] {"health", "--metrics-port", String.valueOf(port)},
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8))).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).isEqualTo("ready\n");

        fx.close(); // nothing answers there now
        assertThat(ServerMain.run(new String[] {"health", "--metrics-port", String.valueOf(port), "--timeout", "2s"},
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8))).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("cannot ask http://127.0.0.1:" + port + "/health/ready");
    }

    @Test
    void theServerIsNotReadyWhileItStops() {
        fx.server().close();
        assertThat(fx.server().notReady()).isEqualTo("stopping");
    }

    @Test
    void withoutAMetricsPortThereIsNone() {
        try (ServerFixture plain = fixture(dir.resolve("plain"), b -> b)) {
            assertThat(plain.server().metricsAddress()).isEmpty();
        }
    }
}
