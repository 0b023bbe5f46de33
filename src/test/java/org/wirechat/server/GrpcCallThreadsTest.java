package org.wirechat.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.wirechat.server.GrpcTransportTest.refused;
import static org.wirechat.server.GrpcTransportTest.send;

import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.wirechat.grpc.v1.AckRequest;
import org.wirechat.grpc.v1.ChatGrpc;
import org.wirechat.grpc.v1.CreateAccountRequest;
import org.wirechat.grpc.v1.FetchRequest;
import org.wirechat.grpc.v1.LoginRequest;
import org.wirechat.grpc.v1.LogoutRequest;
import org.wirechat.grpc.v1.Message;
import org.wirechat.protocol.ErrorCode;
import org.wirechat.server.grpc.GrpcTransport;

/**
 * Send and Ack on a connection whose token memo knows the call's token run on the connection's event loop (they never
 * block in the core); every other call, and those with a token the connection does not know (a first call, a token
 * revoked meanwhile), on a thread of its own. Both answer alike: the same replies, the same refusals with the same
 * status and wirechat error; and a connection's calls share its memo without ever acting as another of its tokens.
 */
@Timeout(60)
class GrpcCallThreadsTest {
    @TempDir
    Path dir;
    ServerFixture fx;
    GrpcTransport transport;
    final List<ManagedChannel> channels = new ArrayList<>();

    @BeforeEach
    void start() {
        fx = new ServerFixture(Backend.SQLITE, dir, b -> b.grpcPort(0).maxMessageChars(20));
        transport = fx.server().grpcTransport().orElseThrow();
    }

    @AfterEach
    void stop() {
        channels.forEach(ManagedChannel::shutdownNow);
        fx.close();
    }

    /** A stub on an HTTP/2 connection of its own. */
    ChatGrpc.ChatBlockingStub connection() {
        ManagedChannel c = NettyChannelBuilder.forAddress("127.0.0.1", fx.server().grpcPort().orElseThrow()).usePlaintext().build();
        channels.add(c);
        return ChatGrpc.newBlockingStub(c).withDeadlineAfter(30, TimeUnit.SECONDS);
    }

    static ChatGrpc.ChatBlockingStub as(ChatGrpc.ChatBlockingStub stub, String token) {
        Metadata m = new Metadata();
        m.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer " + token);
        return stub.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(m));
    }

    String register(ChatGrpc.ChatBlockingStub stub, String name) {
        stub.createAccount(CreateAccountRequest.newBuilder().setUsername(name).setFullName(name + " Example")
                .setPassword(ServerFixture.PASSWORD).build());
        return stub.login(LoginRequest.newBuilder().setUsername(name).setPassword(ServerFixture.PASSWORD).build()).getToken();
    }

    static AckRequest ack(long through) {
        return AckRequest.newBuilder().setThroughId(through).build();
    }

    @Test
    void sendAndAckRunOnTheEventLoopOnceTheConnectionKnowsTheirToken() {
        ChatGrpc.ChatBlockingStub setup = connection();
        String alice = register(setup, "alice");
        register(setup, "bob");
        ChatGrpc.ChatBlockingStub mine = as(connection(), alice);
        long before = transport.callsOnEventLoop();
        mine.ack(ack(0));
        assertThat(transport.callsOnEventLoop()).as("the connection's first call: its token not known yet").isEqualTo(before);
        for (int i = 0; i < 10; i++) {
            assertThat(mine.send(send("bob", "m" + i, "hello " + i)).getId()).isPositive();
            mine.ack(ack(0));
        }
        assertThat(transport.callsOnEventLoop() - before).isEqualTo(20);
        mine.fetch(FetchRequest.newBuilder().setMaxCount(1).setMaxWaitMs(0).build());
        assertThat(transport.callsOnEventLoop() - before).as("a Fetch may wait: never on the event loop").isEqualTo(20);
        ChatGrpc.ChatBlockingStub elsewhere = as(connection(), alice);
        elsewhere.ack(ack(0));
        assertThat(transport.callsOnEventLoop() - before).as("another connection knows nothing of the token yet").isEqualTo(20);
    }

    @Test
    void sendsRefusalsOnTheEventLoopKeepTheirStatusAndError() {
        ChatGrpc.ChatBlockingStub setup = connection();
        String alice = register(setup, "alice");
        register(setup, "bob");
        ChatGrpc.ChatBlockingStub mine = as(connection(), alice);
        mine.send(send("bob", "first", "hello"));
        long before = transport.callsOnEventLoop();
        refused(() -> mine.send(send("nobody", "m1", "hello")), Status.Code.NOT_FOUND, ErrorCode.NO_SUCH_USER.wire());
        refused(() -> mine.send(send("bob", "m2", "x".repeat(21))), Status.Code.INVALID_ARGUMENT,
                ErrorCode.MESSAGE_TOO_LONG.wire());
        assertThat(mine.send(send("bob", "m3", "x".repeat(20))).getId()).as("at the edge").isPositive();
        refused(() -> mine.send(send("bob", "first", "another body")), Status.Code.FAILED_PRECONDITION,
                ErrorCode.CLIENT_ID_REUSED.wire());
        refused(() -> mine.send(send("bob", "m4", "")), Status.Code.INVALID_ARGUMENT, ErrorCode.MESSAGE_EMPTY.wire());
        assertThat(transport.callsOnEventLoop() - before).as("each answered from the event loop").isEqualTo(5);
    }

    @Test
    void aTokenRevokedElsewhereIsCheckedOffTheEventLoopAndRefused() {
        ChatGrpc.ChatBlockingStub setup = connection();
        String alice = register(setup, "alice");
        register(setup, "bob");
        ChatGrpc.ChatBlockingStub mine = as(connection(), alice);
        mine.send(send("bob", "m1", "hello"));
        as(connection(), alice).logout(LogoutRequest.getDefaultInstance());
        long before = transport.callsOnEventLoop();
        refused(() -> mine.send(send("bob", "m2", "hello again")), Status.Code.UNAUTHENTICATED,
                ErrorCode.NOT_AUTHENTICATED.wire());
        refused(() -> mine.ack(ack(1)), Status.Code.UNAUTHENTICATED, ErrorCode.NOT_AUTHENTICATED.wire());
        assertThat(transport.callsOnEventLoop()).isEqualTo(before);
    }

    @Test
    void concurrentCallsOfTwoAccountsOnOneConnectionEachActAsTheirOwn() throws Exception {
        ChatGrpc.ChatBlockingStub setup = connection();
        String[] names = {"alice", "bob"};
        String[] issued = {register(setup, "alice"), register(setup, "bob")};
        String carol = register(setup, "carol");
        ChatGrpc.ChatBlockingStub shared = connection(); // one HTTP/2 connection, both accounts' calls at once
        int threads = 8;
        int each = 25;
        CountDownLatch go = new CountDownLatch(1);
        AtomicReference<Throwable> failed = new AtomicReference<>();
        List<Thread> running = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int thread = t;
            running.add(Thread.ofVirtual().start(() -> {
                try {
                    go.await();
                    for (int i = 0; i < each; i++) {
                        int who = (thread + i) % 2;
                        as(shared, issued[who]).send(send("carol", names[who] + "-" + thread + "-" + i, names[who] + " " + thread + " " + i));
                    }
                } catch (Throwable e) {
                    failed.compareAndSet(null, e);
                }
            }));
        }
        go.countDown();
        for (Thread t : running) {
            t.join();
        }
        assertThat(failed.get()).isNull();
        List<Message> got = new ArrayList<>();
        ChatGrpc.ChatBlockingStub reader = as(connection(), carol);
        long through = 0;
        while (got.size() < threads * each) {
            List<Message> page = reader.fetch(FetchRequest.newBuilder().setAckThroughId(through).setMaxCount(100)
                    .setMaxWaitMs(1_000).build()).getMessagesList();
            assertThat(page).as("carol's messages so far: %d", got.size()).isNotEmpty();
            got.addAll(page);
            through = page.get(page.size() - 1).getId();
        }
        assertThat(got).hasSize(threads * each).allSatisfy(m -> assertThat(m.getBody()).startsWith(m.getSender() + " "));
    }
}
