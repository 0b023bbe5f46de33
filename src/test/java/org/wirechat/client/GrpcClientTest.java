package org.wirechat.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.wirechat.protocol.ErrorCode;
import org.wirechat.protocol.PatternMode;
import org.wirechat.protocol.Response;
import org.wirechat.server.Await;
import org.wirechat.server.ServerFixture;

/**
 * The client library and the terminal client over gRPC, against a real server with --grpc-port: the
 * same API, chatting with a client on the wire protocol, errors read back from the trailers, a
 * server outage ridden out.
 */
@Timeout(60)
class GrpcClientTest {
    static final String PW = "correct horse";
    static final ChatClient.Options GRPC = ScriptedClient.FAST.withTransport(ChatClient.Transport.GRPC);

    @TempDir
    Path dir;
    ServerFixture fx;
    final List<Response.Message> received = new CopyOnWriteArrayList<>();

    @BeforeEach
    void start() {
        fx = new ServerFixture(dir, b -> b.grpcPort(0));
    }

    @AfterEach
    void stop() {
        fx.close();
    }

    int grpcPort() {
        return fx.server().grpcPort().orElseThrow();
    }

    @Test
    void aGrpcClientChatsWithAWireClient() throws Exception {
        try (ChatClient alice = new ChatClient("127.0.0.1", grpcPort(), m -> { }, GRPC);
                ChatClient bob = new ChatClient("127.0.0.1", fx.server().port(), received::addAll, ScriptedClient.FAST)) {
            alice.register("alice", "Alice", PW);
            bob.register("bob", "Bob", PW);
            assertThat(alice.login("alice", PW)).isZero();
            bob.login("bob", PW);
            assertThat(alice.endpoint().toString()).endsWith("over gRPC");
            Response.Sent sent = alice.send("bob", "from gRPC to the wire").result().join();
            Await.until("bob receives it", () -> !received.isEmpty());
            assertThat(received).extracting(Response.Message::id, Response.Message::body)
                    .containsExactly(org.assertj.core.groups.Tuple.tuple(sent.messageId(), "from gRPC to the wire"));
            List<Response.Message> toAlice = new CopyOnWriteArrayList<>();
            // a second installation: a device of its own (as the same device, alice's first client could
            // receive and acknowledge the message before this one's subscription began)
            try (ChatClient alice2 = new ChatClient("127.0.0.1", grpcPort(), toAlice::addAll, GRPC.withDevice("alice-tablet"))) {
                alice2.login("alice", PW);
                bob.send("alice", "and back").result().join();
                Await.until("alice's poller over gRPC receives it", () -> !toAlice.isEmpty());
                assertThat(toAlice).extracting(Response.Message::body).containsExactly("and back");
                assertThat(alice2.list(PatternMode.WILDCARD, "*", "", 10).accounts())
                        .extracting(Response.Account::username).containsExactly("alice", "bob");
                assertThat(alice2.history("bob", 0, 10).messages()).extracting(Response.Message::body)
                        .containsExactly("from gRPC to the wire", "and back");
            }
            assertThatThrownBy(() -> alice.send("nobody", "lost?").result().get(30, java.util.concurrent.TimeUnit.SECONDS))
                    .hasCauseInstanceOf(ChatException.class);
            assertThatThrownBy(() -> alice.register("alice", "Again", PW))
                    .isInstanceOfSatisfying(ChatException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.USERNAME_TAKEN));
        }
    }

    @Test
    void aSubscriptionBrokenByAnOutageIsMadeAgainAndEachMessageArrivesOnceAndIsAcknowledged() throws Exception {
        int g = grpcPort();
        fx.reconfigure(b -> b.grpcPort(g)); // the same gRPC port across the outage
        try (ChatClient alice = new ChatClient("127.0.0.1", fx.server().port(), m -> { }, ScriptedClient.FAST);
                ChatClient bob = new ChatClient("127.0.0.1", g, received::addAll, GRPC)) {
            alice.register("alice", "Alice", PW);
            bob.register("bob", "Bob", PW);
            alice.login("alice", PW);
            bob.login("bob", PW);
            alice.send("bob", "before").result().join();
            Await.until("bob receives the first by his subscription", () -> received.size() == 1);
            fx.down();
            fx.up();
            alice.send("bob", "after the outage").result().join();
            Await.until("bob's client subscribes again and receives the second", () -> received.size() >= 2);
            assertThat(received).extracting(Response.Message::body).containsExactly("before", "after the outage");
            Await.until("both are acknowledged on the server", () -> {
                try (org.wirechat.server.TestConnection c = fx.connect()) {
                    return c.ok(new org.wirechat.protocol.Request.Login("bob", PW), Response.LoggedIn.class).unread() == 0;
                }
            });
        }
    }

    @Test
    void nothingListeningOnTheGrpcPortIsSaidInWords() {
        int wirePort = fx.server().port(); // the wire protocol's port does not speak HTTP/2
        try (ChatClient c = new ChatClient("127.0.0.1", wirePort, m -> { }, GRPC)) {
            assertThatThrownBy(() -> c.register("alice", "Alice", PW)).isInstanceOf(ChatException.class)
                    .hasMessageContaining("127.0.0.1:" + wirePort);
        }
    }

    @Test
    void theTerminalClientSpeaksGrpcWithItsFlag() {
        try (ScriptedClient bob = new ScriptedClient(fx.server().port())) {
            bob.type("/register bob Bob " + PW, "/login bob " + PW).awaitOutput("logged in as bob");
            try (ScriptedClient alice = new ScriptedClient(grpcPort(), GRPC)) {
                alice.type("/register alice Alice " + PW, "/login alice " + PW, "@bob hello over gRPC")
                        .awaitOutput("sent to bob");
            }
            bob.awaitOutput("alice: hello over gRPC");
        }
    }

    @Test
    void theDesktopClientsModelLogsInOverGrpcAndReceives() throws Exception {
        org.wirechat.client.desktop.ChatModel model = new org.wirechat.client.desktop.ChatModel(
                org.wirechat.client.desktop.ChatModel.ClientFactory.with(ScriptedClient.FAST));
        try (ChatClient bob = new ChatClient("127.0.0.1", fx.server().port(), m -> { }, ScriptedClient.FAST)) {
            model.register("127.0.0.1", grpcPort(), ChatClient.Transport.GRPC, "alice", "Alice", PW);
            assertThat(model.snapshot().me()).isEqualTo("alice");
            bob.register("bob", "Bob", PW);
            bob.login("bob", PW);
            bob.send("alice", "to the desktop over gRPC").result().join();
            Await.until("the conversation shows it", () -> model.snapshot().unread("bob") == 1);
            model.open("bob");
            assertThat(model.snapshot().conversation()).extracting(org.wirechat.client.desktop.ChatModel.Line::body)
                    .containsExactly("to the desktop over gRPC");
        } finally {
            model.close();
        }
    }

    @Test
    void theCommandLineTakesGrpc() {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        java.io.PrintStream ps = new java.io.PrintStream(out, true, java.nio.charset.StandardCharsets.UTF_8);
        java.io.InputStream in = new java.io.ByteArrayInputStream(("/register carol Carol " + PW + "\n/login carol " + PW + "\n")
                .getBytes(java.nio.charset.StandardCharsets.UTF_8));
        int status = ClientMain.run(new String[] {"--script", "--grpc", "127.0.0.1", String.valueOf(grpcPort())}, in, ps, ps);
        assertThat(out.toString(java.nio.charset.StandardCharsets.UTF_8)).contains("logged in as carol");
        assertThat(status).isZero();
    }
}
