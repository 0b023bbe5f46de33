package org.wirechat.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.wirechat.grpc.v1.AckRequest;
import org.wirechat.grpc.v1.ChatGrpc;
import org.wirechat.grpc.v1.CreateAccountRequest;
import org.wirechat.grpc.v1.DeleteAccountRequest;
import org.wirechat.grpc.v1.FetchRequest;
import org.wirechat.grpc.v1.HistoryRequest;
import org.wirechat.grpc.v1.ListAccountsRequest;
import org.wirechat.grpc.v1.LoginRequest;
import org.wirechat.grpc.v1.LogoutRequest;
import org.wirechat.grpc.v1.Message;
import org.wirechat.grpc.v1.SendRequest;
import org.wirechat.grpc.v1.ServerInfoRequest;
import org.wirechat.grpc.v1.SubscribeRequest;
import org.wirechat.protocol.ErrorCode;
import org.wirechat.protocol.Limits;
import org.wirechat.protocol.Request;
import org.wirechat.protocol.Response;

/**
 * The gRPC transport against a real server on a free port, through generated stubs over real HTTP/2:
 * every call, the errors with their trailers, limits at, below and above their edges, Subscribe's
 * delivery, and the same accounts and messages as the wire transport.
 */
@Timeout(60)
class GrpcTransportTest {
    @TempDir
    Path dir;
    ServerFixture fx;
    ManagedChannel channel;
    ChatGrpc.ChatBlockingStub chat;

    ServerFixture fixture(Path dataDir, UnaryOperator<ServerConfig.Builder> tweak) {
        return new ServerFixture(Backend.SQLITE, dataDir, tweak);
    }

    @BeforeEach
    void start() {
        start(b -> b);
    }

    void start(UnaryOperator<ServerConfig.Builder> tweak) {
        if (fx != null) {
            stop();
        }
        fx = fixture(dir.resolve("d" + System.nanoTime()), b -> tweak.apply(b.grpcPort(0)));
        channel = NettyChannelBuilder.forAddress("127.0.0.1", fx.server().grpcPort().orElseThrow()).usePlaintext().build();
        chat = ChatGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS);
    }

    @AfterEach
    void stop() {
        channel.shutdownNow();
        fx.close();
    }

    /** The stub with the token as the call's "authorization: Bearer" metadata. */
    ChatGrpc.ChatBlockingStub as(String token) {
        return chat.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(bearer(token)));
    }

    String register(String name) {
        chat.createAccount(CreateAccountRequest.newBuilder().setUsername(name).setFullName(name + " Example")
                .setPassword(ServerFixture.PASSWORD).build());
        return chat.login(LoginRequest.newBuilder().setUsername(name).setPassword(ServerFixture.PASSWORD).build()).getToken();
    }

    static SendRequest send(String to, String id, String body) {
        return SendRequest.newBuilder().setRecipient(to).setClientMessageId(id).setBody(body).build();
    }

    /** The status and the wirechat error (its number) of a failed call. */
    static void refused(Runnable call, Status.Code status, int wirechatError) {
        assertThatThrownBy(call::run).isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
            assertThat(e.getStatus().getCode()).isEqualTo(status);
            assertThat(e.getTrailers().get(Metadata.Key.of("wirechat-error", Metadata.ASCII_STRING_MARSHALLER)))
                    .isEqualTo(String.valueOf(wirechatError));
        });
    }

    @Test
    void everyCallWorksEndToEnd() {
        var info = chat.serverInfo(ServerInfoRequest.getDefaultInstance());
        assertThat(info.getWireVersionsList()).contains(1);
        assertThat(info.getMaxMessageChars()).isEqualTo(Limits.BODY_MAX);
        String alice = register("alice");
        String bob = register("bob");
        var page = as(alice).listAccounts(ListAccountsRequest.newBuilder().setPattern("*").setLimit(10).build());
        assertThat(page.getAccountsList()).extracting(a -> a.getUsername() + ":" + a.getOnline())
                .containsExactly("alice:true", "bob:true");
        var sent = as(alice).send(send("bob", "m1", "hello over HTTP/2"));
        assertThat(sent.getId()).isPositive();
        assertThat(as(alice).send(send("bob", "m1", "hello over HTTP/2")).getId()).as("a retry is stored once").isEqualTo(sent.getId());
        var fetched = as(bob).fetch(FetchRequest.newBuilder().setMaxCount(10).setMaxWaitMs(0).build());
        assertThat(fetched.getMessagesList()).extracting(Message::getSender, Message::getBody)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("alice", "hello over HTTP/2"));
        refused(() -> as(bob).deleteAccount(DeleteAccountRequest.newBuilder().setPassword(ServerFixture.PASSWORD).build()),
                Status.Code.FAILED_PRECONDITION, 34);
        assertThat(as(bob).fetch(FetchRequest.newBuilder().setAckThroughId(sent.getId()).setMaxCount(10).build())
                .getMessagesList()).isEmpty();
        var history = as(bob).history(HistoryRequest.newBuilder().setPeer("alice").setLimit(10).build());
        assertThat(history.getMessagesList()).extracting(Message::getId).containsExactly(sent.getId());
        assertThat(history.getNextBeforeId()).isZero();
        as(bob).deleteAccount(DeleteAccountRequest.newBuilder().setPassword(ServerFixture.PASSWORD).build());
        refused(() -> as(alice).send(send("bob", "m2", "gone?")), Status.Code.NOT_FOUND, 33);
        as(alice).logout(LogoutRequest.getDefaultInstance());
        refused(() -> as(alice).fetch(FetchRequest.newBuilder().setMaxCount(1).build()), Status.Code.UNAUTHENTICATED, 32);
    }

    @Test
    void aLongPollWaitsForTheMessageAndAnswersWhenItIsStored() throws Exception {
        String alice = register("alice");
        String bob = register("bob");
        var waiting = ChatGrpc.newFutureStub(channel).withInterceptors(MetadataUtils.newAttachHeadersInterceptor(bearer(bob)))
                .fetch(FetchRequest.newBuilder().setMaxCount(10).setMaxWaitMs(30_000).build());
        Await.until("the FETCH is waiting", () -> fx.server().waitingFetches() == 1);
        as(alice).send(send("bob", "w", "wake up"));
        assertThat(waiting.get(30, TimeUnit.SECONDS).getMessagesList()).extracting(Message::getBody).containsExactly("wake up");
    }

    static Metadata bearer(String token) {
        Metadata m = new Metadata();
        m.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer " + token);
        return m;
    }

    @Test
    void subscribePushesEachMessageAndABrokenStreamLosesNothing() {
        String alice = register("alice");
        String bob = register("bob");
        long first = as(alice).send(send("bob", "1", "before subscribing")).getId();
        var stream = ChatGrpc.newBlockingStub(channel).withInterceptors(MetadataUtils.newAttachHeadersInterceptor(bearer(bob)));
        io.grpc.Context.CancellableContext call = io.grpc.Context.current().withCancellation();
        long second;
        try {
            Iterator<Message> pushed = call.call(() -> stream.subscribe(SubscribeRequest.getDefaultInstance()));
            assertThat(pushed.next().getBody()).isEqualTo("before subscribing");
            second = as(alice).send(send("bob", "2", "while subscribed")).getId();
            assertThat(pushed.next().getId()).isEqualTo(second);
        } catch (Exception e) {
            throw new AssertionError(e);
        } finally {
            call.cancel(null); // the stream breaks; nothing was acknowledged
        }
        Await.until("the subscription has ended on the server", () -> fx.server().waitingFetches() == 0);
        assertThat(as(bob).fetch(FetchRequest.newBuilder().setMaxCount(10).build()).getMessagesList())
                .as("pushed is not delivered: both are still waiting").extracting(Message::getId).containsExactly(first, second);
        as(bob).ack(AckRequest.newBuilder().setThroughId(first).build());
        Iterator<Message> again = stream.withDeadlineAfter(30, TimeUnit.SECONDS).subscribe(
                SubscribeRequest.newBuilder().setAfterId(first).build());
        assertThat(again.next().getId()).as("subscribed again after the acknowledged one").isEqualTo(second);
    }

    @Test
    void theTwoTransportsShareAccountsAndMessages() {
        String alice = register("alice");
        try (TestConnection wire = fx.connect()) {
            String bob = fx.register(wire, "bob");
            long id = as(alice).send(send("bob", "x", "from gRPC")).getId();
            Response r = wire.call(ServerFixture.fetch(bob, 0));
            assertThat(((Response.Messages) r).messages()).extracting(Response.Message::id).containsExactly(id);
            Response sent = wire.call(new Request.Send(bob, "alice", "y", "from the wire"));
            long back = ((Response.Sent) sent).messageId();
            assertThat(as(alice).fetch(FetchRequest.newBuilder().setMaxCount(5).build()).getMessagesList())
                    .extracting(Message::getId, Message::getBody).containsExactly(org.assertj.core.groups.Tuple.tuple(back, "from the wire"));
        }
    }

    @Test
    void fieldsAreCheckedAsTheWireCodecChecksThem() {
        String alice = register("alice");
        register("bob");
        String longest = "x".repeat(Limits.BODY_MAX);
        assertThat(as(alice).send(send("bob", "at", longest)).getId()).as("at the edge").isPositive();
        refused(() -> as(alice).send(send("bob", "above", longest + "x")), Status.Code.INVALID_ARGUMENT, 23);
        refused(() -> as(alice).send(send("bob", "empty", "")), Status.Code.INVALID_ARGUMENT, 24);
        refused(() -> as(alice).send(send("bob", "ctl", "a\u0007b")), Status.Code.INVALID_ARGUMENT, 13);
        assertThat(as(alice).send(send("bob", "lines", "two\nlines\tand a tab")).getId()).isPositive();
        refused(() -> as(alice).send(send("bad name!", "n", "hi")), Status.Code.INVALID_ARGUMENT, 20);
        refused(() -> as(alice).send(send("bob", "", "hi")), Status.Code.INVALID_ARGUMENT, 15);
        refused(() -> as(alice).send(send("bob", "y".repeat(65), "hi")), Status.Code.INVALID_ARGUMENT, 14);
        for (int count : new int[] {1, Limits.FETCH_COUNT_MAX}) {
            as(alice).fetch(FetchRequest.newBuilder().setMaxCount(count).build());
        }
        refused(() -> as(alice).fetch(FetchRequest.newBuilder().setMaxCount(Limits.FETCH_COUNT_MAX + 1).build()),
                Status.Code.INVALID_ARGUMENT, 15);
        refused(() -> chat.createAccount(CreateAccountRequest.newBuilder().setUsername("carol").setFullName("C")
                .setPassword("short").build()), Status.Code.INVALID_ARGUMENT, 21);
        refused(() -> chat.createAccount(CreateAccountRequest.newBuilder().setUsername("alice").setFullName("A")
                .setPassword(ServerFixture.PASSWORD).build()), Status.Code.ALREADY_EXISTS, 30);
        refused(() -> chat.login(LoginRequest.newBuilder().setUsername("alice").setPassword("wrong password").build()),
                Status.Code.UNAUTHENTICATED, 31);
        refused(() -> chat.fetch(FetchRequest.newBuilder().setMaxCount(1).build()), Status.Code.UNAUTHENTICATED, 32);
        refused(() -> as("not a token!").fetch(FetchRequest.newBuilder().setMaxCount(1).build()), Status.Code.UNAUTHENTICATED, 32);
    }

    @Test
    void aFullInboxIsRefusedWithItsCode() {
        start(b -> b.inboxCapacity(1));
        String alice = register("alice");
        register("bob");
        as(alice).send(send("bob", "1", "fits"));
        refused(() -> as(alice).send(send("bob", "2", "one too many")), Status.Code.RESOURCE_EXHAUSTED, 35);
    }

    @Test
    void theRequestRateIsLimitedPerConnectionAndSaysHowLongToWait() {
        start(b -> b.abuse(org.wirechat.server.core.admission.AbuseLimits.NONE.withRequestRate(1, 3)));
        for (int i = 0; i < 3; i++) {
            chat.serverInfo(ServerInfoRequest.getDefaultInstance()); // the burst
        }
        assertThatThrownBy(() -> chat.serverInfo(ServerInfoRequest.getDefaultInstance()))
                .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                    assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED);
                    assertThat(e.getTrailers().get(Metadata.Key.of("wirechat-error-name", Metadata.ASCII_STRING_MARSHALLER)))
                            .isEqualTo("RATE_LIMITED");
                    assertThat(Long.parseLong(e.getTrailers().get(
                            Metadata.Key.of("wirechat-retry-after-ms", Metadata.ASCII_STRING_MARSHALLER)))).isBetween(1L, 1_000L);
                });
    }

    @Test
    void connectionsPerAddressCountBothTransports() {
        start(b -> b.abuse(org.wirechat.server.core.admission.AbuseLimits.NONE.withConnectionsPerAddress(1)));
        try (TestConnection wire = fx.connect()) {
            assertThat(wire.call(new Request.Ping())).isInstanceOf(Response.Pong.class);
            // the HTTP/2 connection over the limit is closed as it is accepted: no call is answered on it
            assertThatThrownBy(() -> chat.serverInfo(ServerInfoRequest.getDefaultInstance()))
                    .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
                        assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
                        assertThat(e.getTrailers() == null ? null : e.getTrailers().get(
                                Metadata.Key.of("wirechat-error", Metadata.ASCII_STRING_MARSHALLER))).isNull();
                    });
        }
    }

    /**
     * Before one admission served both transports, the wire listener counted only its own connections against
     * --max-connections (gRPC counted both): with the server full of HTTP/2 connections it took more wire ones.
     */
    @Test
    void theWireListenerCountsHttp2ConnectionsAgainstMaxConnections() {
        start(b -> b.maxConnections(1));
        assertThat(chat.serverInfo(ServerInfoRequest.getDefaultInstance()).getWireVersionsList()).contains(1);
        assertThat(fx.server().openConnections()).as("the HTTP/2 connection, at the edge").isEqualTo(1);
        try (TestConnection wire = fx.connect()) {
            Response.Error busy = (Response.Error) wire.readResponse();
            assertThat(busy.code()).isEqualTo(ErrorCode.SERVER_BUSY);
            assertThat(busy.reason()).isEqualTo("server busy: too many connections, try again later");
            assertThat(wire.closedByServer()).isTrue();
        }
        channel.shutdownNow();
        Await.until("the HTTP/2 connection's place is free", () -> fx.server().openConnections() == 0);
        try (TestConnection wire = fx.connect()) {
            assertThat(wire.call(new Request.Ping())).as("below the edge again").isInstanceOf(Response.Pong.class);
        }
    }

    @Test
    void aRequestLargerThanTheFrameLimitIsRefusedByGrpcItself() {
        start(b -> b.maxFrameBytes(ServerConfig.MIN_FRAME_BYTES));
        String alice = register("alice");
        String huge = "é".repeat(ServerConfig.MIN_FRAME_BYTES); // 2 bytes each in UTF-8: twice the limit
        assertThatThrownBy(() -> as(alice).send(send("alice", "big", huge)))
                .isInstanceOfSatisfying(StatusRuntimeException.class,
                        e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.RESOURCE_EXHAUSTED));
    }

    @Test
    void healthAndReflectionAnswerForGenericTools() throws Exception {
        var health = io.grpc.health.v1.HealthGrpc.newBlockingStub(channel).withDeadlineAfter(30, TimeUnit.SECONDS);
        assertThat(health.check(io.grpc.health.v1.HealthCheckRequest.newBuilder().setService("wirechat.v1.Chat").build())
                .getStatus()).isEqualTo(io.grpc.health.v1.HealthCheckResponse.ServingStatus.SERVING);
        var services = new java.util.ArrayList<String>();
        var done = new java.util.concurrent.CountDownLatch(1);
        var requests = io.grpc.reflection.v1.ServerReflectionGrpc.newStub(channel).serverReflectionInfo(
                new io.grpc.stub.StreamObserver<io.grpc.reflection.v1.ServerReflectionResponse>() {
                    @Override
                    public void onNext(io.grpc.reflection.v1.ServerReflectionResponse r) {
                        r.getListServicesResponse().getServiceList().forEach(s -> services.add(s.getName()));
                    }

                    @Override
                    public void onError(Throwable t) {
                        done.countDown();
                    }

                    @Override
                    public void onCompleted() {
                        done.countDown();
                    }
                });
        requests.onNext(io.grpc.reflection.v1.ServerReflectionRequest.newBuilder().setListServices("").build());
        requests.onCompleted();
        assertThat(done.await(30, TimeUnit.SECONDS)).isTrue();
        assertThat(services).contains("wirechat.v1.Chat", "grpc.health.v1.Health");
    }

    @Test
    void withTlsTheSameKeyStoreServesGrpcAndPlainTextIsRefused() throws Exception {
        try (ServerFixture tls = new ServerFixture(dir.resolve("tls"), b -> b.grpcPort(0), true)) {
            int port = tls.server().grpcPort().orElseThrow();
            ManagedChannel secure = io.grpc.Grpc.newChannelBuilderForAddress("localhost", port,
                    io.grpc.TlsChannelCredentials.newBuilder().trustManager(TestCerts.certificate().toFile()).build()).build();
            ManagedChannel plain = NettyChannelBuilder.forAddress("127.0.0.1", port).usePlaintext().build();
            try {
                assertThat(ChatGrpc.newBlockingStub(secure).withDeadlineAfter(30, TimeUnit.SECONDS)
                        .serverInfo(ServerInfoRequest.getDefaultInstance()).getFeaturesList()).contains("tls");
                assertThatThrownBy(() -> ChatGrpc.newBlockingStub(plain).withDeadlineAfter(30, TimeUnit.SECONDS)
                        .serverInfo(ServerInfoRequest.getDefaultInstance()))
                        .isInstanceOfSatisfying(StatusRuntimeException.class,
                                e -> assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE));
            } finally {
                secure.shutdownNow();
                plain.shutdownNow();
            }
        }
    }

    @Test
    void withoutAGrpcPortThereIsNoGrpc() {
        try (ServerFixture plain = new ServerFixture(dir.resolve("plain"))) {
            assertThat(plain.server().grpcPort()).isEmpty();
        }
    }
}
