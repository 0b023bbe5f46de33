package org.wirechat.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.wirechat.protocol.Response;
import org.wirechat.server.Await;
import org.wirechat.server.Backend;
import org.wirechat.server.ServerFixture;

/**
 * Who is typing, through the client library as front ends use it: over the wire protocol its poller SYNCs, over
 * gRPC it reads the Sync stream; messages come as before, with the events beside them (docs/wire_design.md, SYNC and
 * TYPING; docs/grpc.md, Sync).
 */
@Timeout(60)
class LiveEventsTest {
    static final String PW = "correct horse";

    @TempDir
    Path dir;
    ServerFixture fx;

    @BeforeEach
    void start() {
        fx = new ServerFixture(Backend.SQLITE, dir, b -> b.grpcPort(0));
    }

    @AfterEach
    void stop() {
        fx.close();
    }

    /** What one client's listener was told. */
    static final class Told implements ChatClient.Listener {
        final List<Response.Message> messages = new CopyOnWriteArrayList<>();
        final List<Response.Typing> typing = new CopyOnWriteArrayList<>();

        @Override
        public void messages(List<Response.Message> m) {
            messages.addAll(m);
        }

        @Override
        public void typing(Response.Typing t) {
            typing.add(t);
        }
    }

    private ChatClient client(ChatClient.Transport transport, Told told) {
        int port = transport == ChatClient.Transport.GRPC ? fx.server().grpcPort().orElseThrow() : fx.server().port();
        return new ChatClient("127.0.0.1", port, told, ScriptedClient.FAST.withTransport(transport));
    }

    @Test
    void overTheWireProtocol() throws Exception {
        typingAndMessagesReachTheOtherClient(ChatClient.Transport.WIRE, ChatClient.Transport.WIRE);
    }

    @Test
    void overGrpc() throws Exception {
        typingAndMessagesReachTheOtherClient(ChatClient.Transport.GRPC, ChatClient.Transport.GRPC);
    }

    @Test
    void fromAWireClientToAGrpcClientAndBack() throws Exception {
        typingAndMessagesReachTheOtherClient(ChatClient.Transport.WIRE, ChatClient.Transport.GRPC);
    }

    private void typingAndMessagesReachTheOtherClient(ChatClient.Transport a, ChatClient.Transport b) throws Exception {
        Told onAlice = new Told();
        Told onBob = new Told();
        try (ChatClient alice = client(a, onAlice); ChatClient bob = client(b, onBob)) {
            alice.register("alice", "Alice", PW);
            bob.register("bob", "Bob", PW);
            alice.login("alice", PW);
            bob.login("bob", PW);
            assertThat(alice.hasEvents()).isTrue();
            // bob's poller SYNCs once it is waiting: until then an indication has no device to be kept for
            Await.until("both pollers SYNC", () -> fx.server().liveDevices() == 2);
            alice.typing("bob", true);
            Await.until("bob is told alice types", () -> !onBob.typing.isEmpty());
            assertThat(onBob.typing.get(0)).extracting(Response.Typing::from, Response.Typing::conversation, Response.Typing::typing)
                    .containsExactly("alice", "alice", true);
            alice.send("bob", "there you are");
            bob.typing("alice", false);
            Await.until("bob got the message", () -> !onBob.messages.isEmpty());
            Await.until("alice is told bob stopped", () -> !onAlice.typing.isEmpty());
            assertThat(onBob.messages).extracting(Response.Message::body).containsExactly("there you are");
            assertThat(onAlice.typing).containsExactly(new Response.Typing("bob", "bob", false, 0));
        }
    }

    @Test
    void aClientOfTodayThatOnlyFetchesGetsItsMessagesAsBefore() throws Exception {
        try (ChatClient alice = client(ChatClient.Transport.WIRE, new Told());
                org.wirechat.server.TestConnection old = fx.connect()) {
            alice.register("alice", "Alice", PW);
            alice.register("bob", "Bob", PW);
            alice.login("alice", PW);
            String bob = fx.login(old, "bob");
            old.ok(new org.wirechat.protocol.Request.Fetch(bob, 0, 10, 0), Response.Messages.class); // polls as clients of today do
            alice.typing("bob", true);
            alice.send("bob", "hello");
            assertThat(alice.awaitSent(java.time.Duration.ofSeconds(30))).isTrue();
            assertThat(old.ok(new org.wirechat.protocol.Request.Fetch(bob, 0, 10, 0), Response.Messages.class).messages())
                    .extracting(Response.Message::body).containsExactly("hello");
        }
    }
}
