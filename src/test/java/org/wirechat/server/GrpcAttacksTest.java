package org.wirechat.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.wirechat.grpc.v1.ChatGrpc;
import org.wirechat.grpc.v1.CreateAccountRequest;
import org.wirechat.grpc.v1.FetchRequest;
import org.wirechat.grpc.v1.HistoryRequest;
import org.wirechat.grpc.v1.ListAccountsRequest;
import org.wirechat.grpc.v1.LoginRequest;
import org.wirechat.grpc.v1.LogoutRequest;
import org.wirechat.grpc.v1.Message;
import org.wirechat.grpc.v1.PingRequest;
import org.wirechat.grpc.v1.SendRequest;
import org.wirechat.grpc.v1.SubscribeRequest;
import org.wirechat.protocol.Request;
import org.wirechat.protocol.Response;
import org.wirechat.server.core.admission.AbuseLimits;
import org.wirechat.server.grpc.GrpcTransport;

/**
 * What an attacker can do to the gRPC transport (issue 33), each against a real server and real HTTP/2
 * clients (grpc-java's, or raw frames where grpc-java would not misbehave): half-calls that never send
 * their request, connections over the per-address limit, a client that stops reading, a subscription
 * whose token is revoked, floods of frames that ask nothing; and that 0 in an optional count means the
 * default. Everyone else's PING keeps being answered throughout.
 */
@Timeout(90)
class GrpcAttacksTest {
    @TempDir
    Path dir;
    ServerFixture fx;
    final List<ManagedChannel> channels = new ArrayList<>();

    void start(UnaryOperator<ServerConfig.Builder> tweak) {
        fx = new ServerFixture(Backend.SQLITE, dir.resolve("data"), b -> tweak.apply(b.grpcPort(0)));
    }

    ManagedChannel channel(UnaryOperator<NettyChannelBuilder> tweak) {
        ManagedChannel c = tweak.apply(NettyChannelBuilder.forAddress("127.0.0.1", port()).usePlaintext()).build();
        channels.add(c);
        return c;
    }

    int port() {
        return fx.server().grpcPort().orElseThrow();
    }

    GrpcTransport grpc() {
        return fx.server().grpcTransport().orElseThrow();
    }

    @AfterEach
    void stop() {
        channels.forEach(ManagedChannel::shutdownNow);
        if (fx != null) {
            fx.close();
        }
    }

    static ChatGrpc.ChatBlockingStub stub(ManagedChannel c) {
        return ChatGrpc.newBlockingStub(c).withDeadlineAfter(30, TimeUnit.SECONDS);
    }

    static ChatGrpc.ChatBlockingStub as(ManagedChannel c, String token) {
        return stub(c).withInterceptors(MetadataUtils.newAttachHeadersInterceptor(GrpcTransportTest.bearer(token)));
    }

    static String register(ManagedChannel c, String name) {
        stub(c).createAccount(CreateAccountRequest.newBuilder().setUsername(name).setFullName(name).setPassword(ServerFixture.PASSWORD).build());
        return stub(c).login(LoginRequest.newBuilder().setUsername(name).setPassword(ServerFixture.PASSWORD).build()).getToken();
    }

    /** The wirechat error name in a status's trailers, or the status code when there is none. */
    static String outcome(Status status, Metadata trailers) {
        String name = trailers == null ? null : trailers.get(Metadata.Key.of("wirechat-error-name", Metadata.ASCII_STRING_MARSHALLER));
        return name != null ? name : status.getCode().name();
    }

    /**
     * Starts a call and sends nothing (its HEADERS only), counting how it ends. (grpc-java holds back the
     * HEADERS of a call whose client sends one message until that message; a call it takes for a stream
     * sends them at once, as an attacker's client does.)
     */
    static <Q, R> ClientCall<Q, R> halfCall(ManagedChannel c, MethodDescriptor<Q, R> method, Map<String, AtomicInteger> ends,
            AtomicInteger messages) {
        ClientCall<Q, R> call = c.newCall(method.toBuilder().setType(MethodDescriptor.MethodType.BIDI_STREAMING).build(),
                CallOptions.DEFAULT);
        call.start(new ClientCall.Listener<>() {
            @Override
            public void onMessage(R message) {
                messages.incrementAndGet();
            }

            @Override
            public void onClose(Status status, Metadata trailers) {
                ends.computeIfAbsent(outcome(status, trailers), k -> new AtomicInteger()).incrementAndGet();
            }
        }, new Metadata());
        return call;
    }

    static Set<String> union(String one, Set<String> more) {
        Set<String> all = new HashSet<>(more);
        all.add(one);
        return all;
    }

    static int ended(Map<String, AtomicInteger> ends) {
        return ends.values().stream().mapToInt(AtomicInteger::get).sum();
    }

    /** Another client's PING, on the wire protocol and over gRPC, answered again and again while {@code attack} runs. */
    final class Bystander implements AutoCloseable {
        final AtomicBoolean running = new AtomicBoolean(true);
        final AtomicInteger answered = new AtomicInteger();
        final List<Throwable> failures = new CopyOnWriteArrayList<>();
        final Thread thread;

        Bystander() {
            ManagedChannel mine = channel(b -> b);
            thread = Thread.ofPlatform().name("bystander").start(() -> {
                try (TestConnection wire = fx.connect()) {
                    while (running.get()) {
                        assertThat(wire.call(new Request.Ping())).isInstanceOf(Response.Pong.class);
                        stub(mine).withDeadlineAfter(5, TimeUnit.SECONDS).ping(PingRequest.getDefaultInstance());
                        answered.incrementAndGet();
                    }
                } catch (Throwable e) {
                    failures.add(e);
                }
            });
        }

        @Override
        public void close() throws InterruptedException {
            // an attack may end before the first round trip: the bystander must still be answered by then
            Await.until(() -> "a ping answered on both transports; failures " + failures,
                    () -> answered.get() > 0 || !failures.isEmpty());
            running.set(false);
            thread.join();
            assertThat(failures).as("the bystander's pings").isEmpty();
            assertThat(answered.get()).as("pings answered on both transports during the attack").isPositive();
        }
    }

    @Test
    void halfCallsWithoutATokenAreBoundedPerConnectionAndCancelledAfterTheDeadline() throws Exception {
        start(b -> b.firstFrameTimeout(Duration.ofSeconds(1)).abuse(AbuseLimits.NONE));
        ManagedChannel attacker = channel(b -> b);
        stub(attacker).ping(PingRequest.getDefaultInstance()); // connected
        Map<String, AtomicInteger> pings = new ConcurrentHashMap<>();
        Map<String, AtomicInteger> fetches = new ConcurrentHashMap<>();
        AtomicInteger messages = new AtomicInteger();
        int calls = 200;
        int[] peak = {0};
        try (Bystander others = new Bystander()) {
            for (int i = 0; i < calls; i++) {
                halfCall(attacker, ChatGrpc.getPingMethod(), pings, messages);          // needs no login: waits for its message
                halfCall(attacker, ChatGrpc.getFetchMethod(), fetches, messages);       // needs one: refused at once
            }
            Await.until("every half-call ends", () -> {
                peak[0] = Math.max(peak[0], grpc().waitingCalls());
                return ended(pings) == calls && ended(fetches) == calls; // the last refusals may come after the pings' ends
            });
        }
        // each half-call ends: refused (Fetch), cancelled after the deadline (Ping) — or with its connection,
        // which grpc-java closes (GOAWAY ENHANCE_YOUR_CALM) once the server has reset 200 of its streams in 10 s
        Set<String> connectionClosed = Set.of("RESOURCE_EXHAUSTED", "UNAVAILABLE");
        assertThat(ended(fetches)).isEqualTo(calls);
        assertThat(fetches.keySet()).as("%s", fetches).isSubsetOf(union("NOT_AUTHENTICATED", connectionClosed));
        assertThat(fetches.get("NOT_AUTHENTICATED").get()).as("refused before anything is built for them").isGreaterThanOrEqualTo(100);
        assertThat(ended(pings)).isEqualTo(calls);
        assertThat(pings.keySet()).as("%s", pings).isSubsetOf(union("IDLE_TIMEOUT", connectionClosed));
        assertThat(pings.get("IDLE_TIMEOUT").get()).as("cancelled for want of its message").isGreaterThanOrEqualTo(100);
        assertThat(messages.get()).isZero();
        assertThat(peak[0]).as("half-calls held at once on one connection").isLessThanOrEqualTo(100);
        assertThat(grpc().expiredCalls()).as("(a cancel may be lost with its connection)")
                .isGreaterThanOrEqualTo(pings.get("IDLE_TIMEOUT").get());
        assertThat(grpc().waitingCalls()).isZero();
    }

    @Test
    void theConnectionOverThePerAddressLimitIsClosedNotKeptOpen() throws Exception {
        start(b -> b.abuse(AbuseLimits.NONE.withConnectionsPerAddress(400)));
        List<Socket> admitted = new ArrayList<>();
        try {
            for (int i = 0; i < 400; i++) {
                admitted.add(new Socket("127.0.0.1", port()));
            }
            for (Socket s : admitted) { // each is served: the server's HTTP/2 SETTINGS come
                assertThat(readFrameType(s)).as("the server's first frame").isEqualTo(SETTINGS);
            }
            try (Socket over = new Socket("127.0.0.1", port())) {
                over.setSoTimeout(30_000);
                assertThat(over.getInputStream().read()).as("the 401st is closed at once, with nothing sent").isEqualTo(-1);
            }
            assertThat(grpc().refusedConnections()).isEqualTo(1);
            assertThat(fx.server().openConnections()).isEqualTo(400);
            admitted.remove(0).close();
            Await.until("the server counts one connection fewer", () -> fx.server().openConnections() == 399);
            try (Socket again = new Socket("127.0.0.1", port())) {
                assertThat(readFrameType(again)).isEqualTo(SETTINGS);
            }
        } finally {
            for (Socket s : admitted) {
                s.close();
            }
        }
    }

    @Test
    void maxConnectionsCountsBothTransports() throws Exception {
        start(b -> b.maxConnections(3).abuse(AbuseLimits.NONE));
        try (TestConnection one = fx.connect(); TestConnection two = fx.connect()) {
            one.ok(new Request.Ping(), Response.Pong.class);
            two.ok(new Request.Ping(), Response.Pong.class);
            try (Socket third = new Socket("127.0.0.1", port())) {
                assertThat(readFrameType(third)).isEqualTo(SETTINGS);
                Socket fourth = new Socket("127.0.0.1", port());
                fourth.setSoTimeout(30_000);
                assertThat(fourth.getInputStream().read()).as("the fourth connection of both transports").isEqualTo(-1);
                fourth.close();
            }
        }
    }

    @Test
    void aClientThatStopsReadingHistoryIsRefusedMoreAnswersAndOthersAreServed() throws Exception {
        start(b -> b.abuse(AbuseLimits.NONE));
        ManagedChannel setup = channel(b -> b);
        String alice = register(setup, "alice");
        register(setup, "bob");
        String body = "x".repeat(1000);
        for (int i = 0; i < 100; i++) {
            as(setup, alice).send(SendRequest.newBuilder().setRecipient("bob").setClientMessageId("m" + i).setBody(body).build());
        }
        // a window of 16 KiB, never grown (flowControlWindow, not initialFlowControlWindow: that one leaves grpc-java's
        // BDP auto-tuning on, which grew the window under load and let the answers through); each answer is ~100 KiB
        ManagedChannel reader = channel(b -> b.flowControlWindow(16 * 1024));
        Map<String, AtomicInteger> ends = new ConcurrentHashMap<>();
        AtomicInteger messages = new AtomicInteger();
        List<ClientCall<HistoryRequest, ?>> pending = new ArrayList<>();
        int calls = 200; // enough to pass the budget many times over
        try (Bystander others = new Bystander()) {
            Metadata auth = GrpcTransportTest.bearer(alice);
            for (int i = 0; i < calls; i++) {
                ClientCall<HistoryRequest, org.wirechat.grpc.v1.HistoryReply> call =
                        reader.newCall(ChatGrpc.getHistoryMethod(), CallOptions.DEFAULT);
                call.start(new ClientCall.Listener<>() {
                    @Override
                    public void onMessage(org.wirechat.grpc.v1.HistoryReply message) {
                        messages.incrementAndGet();
                    }

                    @Override
                    public void onClose(Status status, Metadata trailers) {
                        ends.computeIfAbsent(outcome(status, trailers), k -> new AtomicInteger()).incrementAndGet();
                    }
                }, auth);
                call.sendMessage(HistoryRequest.newBuilder().setPeer("bob").setLimit(100).build());
                call.halfClose(); // and no request(1): the answer is never read
                pending.add(call);
            }
            Await.until(() -> "the calls over the budget are refused; ends so far " + ends,
                    () -> ends.getOrDefault("SERVER_BUSY", new AtomicInteger()).get() >= calls - 4); // the rest held, none in flight
        }
        int held = calls - ends.get("SERVER_BUSY").get();
        assertThat(held).as("answers the server holds for a client that does not read (~64 KiB each)").isBetween(1, 4);
        assertThat(grpc().unsentReplyBytes()).as("bytes the server holds for it").isPositive().isLessThanOrEqualTo(256 * 1024);
        pending.forEach(c -> c.request(1)); // reads again: the answers it was given come, whole
        Await.until("the held answers are read", () -> messages.get() == held);
    }

    @Test
    void aSubscriberThatStopsReadingGetsEveryMessageOnceItReadsAgain() throws Exception {
        start(b -> b.abuse(AbuseLimits.NONE));
        ManagedChannel setup = channel(b -> b);
        String alice = register(setup, "alice");
        String bob = register(setup, "bob");
        ManagedChannel slow = channel(b -> b.flowControlWindow(65_535));
        List<Long> got = new CopyOnWriteArrayList<>();
        ClientCall<SubscribeRequest, Message> call = slow.newCall(ChatGrpc.getSubscribeMethod(), CallOptions.DEFAULT);
        call.start(new ClientCall.Listener<>() {
            @Override
            public void onMessage(Message m) {
                got.add(m.getId());
            }
        }, GrpcTransportTest.bearer(bob));
        call.sendMessage(SubscribeRequest.getDefaultInstance());
        call.halfClose();
        Await.until("the subscription waits for mail", () -> fx.server().waitingFetches() == 1);
        String body = "y".repeat(1000);
        int n = 300; // ~300 KiB: far more than the client's window
        try (Bystander others = new Bystander()) {
            for (int i = 0; i < n; i++) {
                as(setup, alice).send(SendRequest.newBuilder().setRecipient("bob").setClientMessageId("s" + i).setBody(body).build());
            }
        }
        assertThat(got).isEmpty();
        call.request(n);
        Await.until("every message pushed once the client reads", () -> got.size() == n);
        assertThat(got).isSorted().doesNotHaveDuplicates();
        call.cancel("done", null);
    }

    @Test
    void aSubscriptionPushesNothingSentAfterItsTokenWasRevoked() throws Exception {
        start(b -> b);
        ManagedChannel c = channel(b -> b);
        String alice = register(c, "alice");
        String bob = register(c, "bob");
        List<Message> got = new CopyOnWriteArrayList<>();
        List<String> ends = new CopyOnWriteArrayList<>();
        ClientCall<SubscribeRequest, Message> call = c.newCall(ChatGrpc.getSubscribeMethod(), CallOptions.DEFAULT);
        call.start(new ClientCall.Listener<>() {
            @Override
            public void onMessage(Message m) {
                got.add(m);
            }

            @Override
            public void onClose(Status status, Metadata trailers) {
                ends.add(outcome(status, trailers));
            }
        }, GrpcTransportTest.bearer(bob));
        call.sendMessage(SubscribeRequest.getDefaultInstance());
        call.halfClose();
        call.request(100);
        as(c, alice).send(SendRequest.newBuilder().setRecipient("bob").setClientMessageId("before").setBody("before").build());
        Await.until("the first message is pushed", () -> got.size() == 1);
        Await.until("the subscription waits for mail", () -> fx.server().waitingFetches() == 1);
        as(c, bob).logout(LogoutRequest.getDefaultInstance());
        as(c, alice).send(SendRequest.newBuilder().setRecipient("bob").setClientMessageId("after").setBody("after").build());
        Await.until("the subscription ends", () -> !ends.isEmpty());
        assertThat(ends).containsExactly("NOT_AUTHENTICATED");
        assertThat(got).extracting(Message::getBody).containsExactly("before");
    }

    @Test
    void zeroInAnOptionalCountMeansTheDefault() {
        start(b -> b);
        ManagedChannel c = channel(b -> b);
        String alice = register(c, "alice");
        String bob = register(c, "bob");
        for (int i = 0; i < 3; i++) {
            as(c, alice).send(SendRequest.newBuilder().setRecipient("bob").setClientMessageId("z" + i).setBody("m" + i).build());
        }
        assertThat(as(c, bob).history(HistoryRequest.newBuilder().setPeer("alice").build()).getMessagesCount()).isEqualTo(3);
        assertThat(as(c, bob).listAccounts(ListAccountsRequest.getDefaultInstance()).getAccountsCount()).isEqualTo(2);
        assertThat(as(c, bob).fetch(FetchRequest.getDefaultInstance()).getMessagesCount()).isEqualTo(3);
        // above the edge is still refused, as on the wire
        GrpcTransportTest.refused(() -> as(c, bob).history(HistoryRequest.newBuilder().setPeer("alice").setLimit(101).build()),
                Status.Code.INVALID_ARGUMENT, 15);
        assertThat(as(c, bob).history(HistoryRequest.newBuilder().setPeer("alice").setLimit(100).build()).getMessagesCount())
                .as("at the edge").isEqualTo(3);
    }

    // ---- raw HTTP/2, for the floods grpc-java's own client never sends ----

    static final int DATA = 0x0;
    static final int HEADERS = 0x1;
    static final int RST_STREAM = 0x3;
    static final int SETTINGS = 0x4;
    static final int GOAWAY = 0x7;
    static final int ENHANCE_YOUR_CALM = 0xb;
    static final byte[] PREFACE = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

    static byte[] frame(int type, int flags, int stream, byte[] payload) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.write(payload.length >>> 16);
        b.write(payload.length >>> 8);
        b.write(payload.length);
        b.write(type);
        b.write(flags);
        b.write(stream >>> 24);
        b.write(stream >>> 16);
        b.write(stream >>> 8);
        b.write(stream);
        b.writeBytes(payload);
        return b.toByteArray();
    }

    /** A HEADERS block of a call to Ping, in HPACK literals (no table, no Huffman). */
    static byte[] pingHeaders() {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        String[][] fields = {{":method", "POST"}, {":scheme", "http"}, {":path", "/wirechat.v1.Chat/Ping"},
                {":authority", "localhost"}, {"content-type", "application/grpc"}, {"te", "trailers"}};
        for (String[] f : fields) {
            b.write(0x00); // literal without indexing, new name
            b.write(f[0].length());
            b.writeBytes(f[0].getBytes(StandardCharsets.US_ASCII));
            b.write(f[1].length());
            b.writeBytes(f[1].getBytes(StandardCharsets.US_ASCII));
        }
        return b.toByteArray();
    }

    static int readFrameType(Socket s) throws IOException {
        s.setSoTimeout(30_000);
        DataInputStream in = new DataInputStream(s.getInputStream());
        byte[] header = new byte[9];
        in.readFully(header);
        in.skipNBytes(((header[0] & 0xff) << 16) | ((header[1] & 0xff) << 8) | (header[2] & 0xff));
        return header[3];
    }

    /** Reads frames until the server closes: the error code of its GOAWAY, or -1 when it sent none. */
    static int goAwayError(Socket s) throws IOException {
        s.setSoTimeout(30_000);
        DataInputStream in = new DataInputStream(s.getInputStream());
        int error = -1;
        try {
            while (true) {
                byte[] header = new byte[9];
                in.readFully(header);
                int length = ((header[0] & 0xff) << 16) | ((header[1] & 0xff) << 8) | (header[2] & 0xff);
                byte[] payload = in.readNBytes(length);
                if (header[3] == GOAWAY && payload.length >= 8) {
                    error = ((payload[4] & 0xff) << 24) | ((payload[5] & 0xff) << 16) | ((payload[6] & 0xff) << 8) | (payload[7] & 0xff);
                }
            }
        } catch (EOFException | java.net.SocketException closed) {
            return error;
        }
    }

    /** Sends what the flood is made of, ignoring a write refused because the server has closed already. */
    static void send(Socket s, byte[] bytes) throws IOException {
        try {
            OutputStream out = s.getOutputStream();
            out.write(bytes);
            out.flush();
        } catch (java.net.SocketException closedAlready) {
            // the server closed the connection before the flood was over: what the test checks next
        }
    }

    @Test
    void aFloodOfSettingsFramesClosesTheConnection() throws Exception {
        start(b -> b.abuse(AbuseLimits.NONE));
        try (Socket s = new Socket("127.0.0.1", port()); Bystander others = new Bystander()) {
            ByteArrayOutputStream flood = new ByteArrayOutputStream();
            flood.writeBytes(PREFACE);
            for (int i = 0; i < 500; i++) {
                flood.writeBytes(frame(SETTINGS, 0, 0, new byte[0]));
            }
            send(s, flood.toByteArray());
            assertThat(goAwayError(s)).isEqualTo(ENHANCE_YOUR_CALM);
        }
    }

    @Test
    void aFloodOfEmptyDataFramesClosesTheConnection() throws Exception {
        start(b -> b.abuse(AbuseLimits.NONE));
        try (Socket s = new Socket("127.0.0.1", port()); Bystander others = new Bystander()) {
            ByteArrayOutputStream flood = new ByteArrayOutputStream();
            flood.writeBytes(PREFACE);
            flood.writeBytes(frame(SETTINGS, 0, 0, new byte[0]));
            flood.writeBytes(frame(HEADERS, 0x4, 1, pingHeaders())); // END_HEADERS, the stream stays open
            for (int i = 0; i < 1000; i++) {
                flood.writeBytes(frame(DATA, 0, 1, new byte[0]));
            }
            send(s, flood.toByteArray());
            assertThat(goAwayError(s)).isEqualTo(ENHANCE_YOUR_CALM);
        }
    }

    @Test
    void rapidResetClosesTheConnection() throws Exception {
        start(b -> b.abuse(AbuseLimits.NONE));
        try (Socket s = new Socket("127.0.0.1", port()); Bystander others = new Bystander()) {
            ByteArrayOutputStream flood = new ByteArrayOutputStream();
            flood.writeBytes(PREFACE);
            flood.writeBytes(frame(SETTINGS, 0, 0, new byte[0]));
            byte[] cancel = {0, 0, 0, 8}; // CANCEL
            for (int stream = 1; stream < 2 * 1000; stream += 2) {
                flood.writeBytes(frame(HEADERS, 0x4, stream, pingHeaders()));
                flood.writeBytes(frame(RST_STREAM, 0, stream, cancel));
            }
            send(s, flood.toByteArray());
            assertThat(goAwayError(s)).isEqualTo(ENHANCE_YOUR_CALM);
        }
    }

    @Test
    void aRequestTrickledToTheMetricsPortIsCut() throws Exception {
        start(b -> b.metricsPort(0));
        java.net.InetSocketAddress at = fx.server().metricsAddress().orElseThrow();
        try (Socket s = new Socket(at.getAddress(), at.getPort()); Bystander others = new Bystander()) {
            s.getOutputStream().write("GET /metrics HTTP/1.1\r\nHost: x\r\n".getBytes(StandardCharsets.US_ASCII)); // never ends
            s.setSoTimeout(60_000);
            String answer = new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII); // until it is closed
            assertThat(answer).doesNotContain("200");
        }
    }

    @Test
    void anErrorThatKillsAThreadStopsTheServerAndAnExceptionDoesNot() throws Exception {
        start(b -> b);
        Thread.ofVirtual().name("failing-with-an-exception").start(() -> {
            throw new IllegalStateException("a bug in one task");
        }).join();
        try (TestConnection c = fx.connect()) {
            c.ok(new Request.Ping(), Response.Pong.class);
        }
        assertThat(fx.server().failure()).isEmpty();
        Thread.ofPlatform().name("failing-with-an-error").start(() -> {
            throw new StackOverflowError("thrown to stand for any Error");
        }).join();
        fx.server().awaitTermination();
        assertThat(fx.server().failure()).get().isInstanceOf(StackOverflowError.class);
    }
}
