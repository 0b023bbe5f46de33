package org.wirechat.server.web;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.InputStream;
import java.net.Socket;
import java.net.URI;
import java.nio.ByteBuffer;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.function.UnaryOperator;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.wirechat.protocol.ErrorCode;
import org.wirechat.protocol.Frame;
import org.wirechat.protocol.FrameReader;
import org.wirechat.protocol.Request;
import org.wirechat.protocol.Response;
import org.wirechat.protocol.RequestCodec;
import org.wirechat.protocol.ResponseCodec;
import org.wirechat.protocol.SpecVectors;
import org.wirechat.server.Await;
import org.wirechat.server.ServerConfig;
import org.wirechat.server.ServerFixture;
import org.wirechat.server.TestCerts;
import org.wirechat.server.TestConnection;
import org.wirechat.server.WebSettings;
import org.wirechat.server.core.admission.AbuseLimits;
import org.wirechat.server.wire.Answerer;

/** The web transport, end to end: a real server with --web-port, real HTTP and WebSocket clients (the JDK's). */
@Timeout(60)
class WebTransportTest {
    @TempDir
    Path dir;
    private ServerFixture server;

    @AfterEach
    void stop() {
        if (server != null) {
            server.close();
        }
    }

    private ServerFixture start(UnaryOperator<ServerConfig.Builder> tweak, boolean tls) {
        server = new ServerFixture(dir, b -> tweak.apply(b.web(new WebSettings(0, "127.0.0.1", List.of()))), tls);
        return server;
    }

    private ServerFixture start(UnaryOperator<ServerConfig.Builder> tweak) {
        return start(tweak, false);
    }

    private int webPort() {
        return server.server().webPort().orElseThrow();
    }

    private URI ws() {
        return URI.create("ws://127.0.0.1:" + webPort() + "/ws");
    }

    private String sameOrigin() {
        return "http://127.0.0.1:" + webPort();
    }

    private static SSLContext trustingTheTestCertificate() throws Exception {
        KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
        trust.load(null, null);
        try (InputStream in = Files.newInputStream(TestCerts.certificate())) {
            trust.setCertificateEntry("test", CertificateFactory.getInstance("X.509").generateCertificate(in));
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, tmf.getTrustManagers(), null);
        return context;
    }

    private HttpResponse<String> get(String path) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + webPort() + path)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private static void assertSecurityHeaders(HttpResponse<?> r) {
        String csp = r.headers().firstValue("Content-Security-Policy").orElseThrow();
        assertThat(csp).contains("default-src 'self'", "connect-src 'self'", "frame-ancestors 'none'").doesNotContain("unsafe");
        assertThat(r.headers().firstValue("X-Content-Type-Options")).hasValue("nosniff");
        assertThat(r.headers().firstValue("Referrer-Policy")).hasValue("no-referrer");
    }

    @Test
    void theRootServesThePageWithItsSecurityHeaders() throws Exception {
        start(b -> b);
        HttpResponse<String> page = get("/");
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.headers().firstValue("Content-Type")).hasValue("text/html; charset=utf-8");
        assertThat(page.body()).contains("<script type=\"module\" src=\"js/app.js\"></script>").doesNotContain("<style", " style=", "http://", "https://");
        assertSecurityHeaders(page);
        HttpResponse<String> module = get("/js/protocol.js");
        assertThat(module.statusCode()).isEqualTo(200);
        assertThat(module.headers().firstValue("Content-Type")).hasValue("text/javascript; charset=utf-8");
        assertSecurityHeaders(module);
        for (String missing : List.of("/nothing.html", "/../pom.xml", "/js/../../logback.xml", "/web/index.html")) {
            HttpResponse<String> r = get(missing);
            assertThat(r.statusCode()).as(missing).isEqualTo(404);
            assertSecurityHeaders(r);
        }
        HttpResponse<String> plain = get("/ws");
        assertThat(plain.statusCode()).isEqualTo(426);
        assertSecurityHeaders(plain);
    }

    /** The wire port's answer to {@code request}, as bytes, over TLS. */
    private byte[] wireAnswer(byte[] request) throws Exception {
        try (Socket socket = TestCerts.clientTrust().createSocket("localhost", server.server().port())) {
            socket.getOutputStream().write(request);
            return new FrameReader(socket.getInputStream(), Frame.MAX_FRAME_BYTES).read().toBytes();
        }
    }

    @Test
    void aServerInfoFrameOverTlsIsAnsweredWithTheSpecsResponse() throws Exception {
        start(b -> b, true);
        SpecVectors.Vector request = SpecVectors.all().get("server-info-request");
        SpecVectors.Vector spec = SpecVectors.all().get("server-info-response");
        byte[] wire = wireAnswer(request.bytes());
        try (WsClient c = WsClient.connect(URI.create("wss://localhost:" + webPort() + "/ws"), null, trustingTheTestCertificate())) {
            c.sendBytes(request.bytes());
            byte[] answer = c.next();
            assertThat(answer).isEqualTo(wire); // the same bytes as the wire port's, frame for frame
            // the spec's example is a server with only TLS among the optional features; this one has more of them
            Response.ServerInfo expected = (Response.ServerInfo) spec.message();
            Response.ServerInfo got = (Response.ServerInfo) WsClient.decode(answer);
            assertThat(got.features()).contains("tls");
            assertThat(answer).isEqualTo(ResponseCodec.encode(spec.requestId(), new Response.ServerInfo(expected.versions(),
                    expected.maxFrameBytes(), expected.maxMessageChars(), expected.maxFetchWaitMillis(), got.features())).toBytes());
            assertThat(Arrays.copyOfRange(answer, 0, 8)).isEqualTo(Arrays.copyOfRange(spec.bytes(), 0, 8));
            c.sendBytes(request.bytes()); // and again: the connection stays open
            assertThat(c.next()).isEqualTo(wire);
        }
        HttpResponse<String> page = HttpClient.newBuilder().sslContext(trustingTheTestCertificate()).build().send(
                HttpRequest.newBuilder(URI.create("https://localhost:" + webPort() + "/")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(page.statusCode()).isEqualTo(200);
        assertSecurityHeaders(page);
    }

    @Test
    void aMalformedFrameGetsTheSpecsErrorAndTheConnectionCloses() throws Exception {
        start(b -> b);
        try (WsClient c = WsClient.connect(ws(), null, null)) {
            c.sendBytes("GET / HTTP/1.1\r\n\r\n".getBytes());
            byte[] answer = c.next();
            assertThat(Arrays.copyOfRange(answer, 0, 8)).isEqualTo(new byte[] {0x57, 0x43, 1, (byte) 0xff, 0, 0, 0, 0});
            Response.Error e = (Response.Error) WsClient.decode(answer);
            assertThat(e.code()).isEqualTo(ErrorCode.MALFORMED_FRAME);
            assertThat(c.awaitClose().code()).isEqualTo(4000 + ErrorCode.MALFORMED_FRAME.wire());
        }
        try (WsClient c = WsClient.connect(ws(), null, null)) { // a frame followed by more bytes than its length says
            byte[] ping = SpecVectors.all().get("ping-request").bytes();
            byte[] twice = Arrays.copyOf(ping, ping.length * 2);
            System.arraycopy(ping, 0, twice, ping.length, ping.length);
            c.sendBytes(twice);
            assertThat(((Response.Error) WsClient.decode(c.next())).code()).isEqualTo(ErrorCode.MALFORMED_FRAME);
            assertThat(c.awaitClose().code()).isEqualTo(4001);
        }
        try (WsClient c = WsClient.connect(ws(), null, null)) { // a frame in a text message
            c.sendText("WC");
            assertThat(((Response.Error) WsClient.decode(c.next())).code()).isEqualTo(ErrorCode.MALFORMED_FRAME);
            assertThat(c.awaitClose().code()).isEqualTo(4001);
        }
        try (WsClient c = WsClient.connect(ws(), null, null)) { // a field error is answered and the connection stays open
            byte[] ping = SpecVectors.all().get("ping-request").bytes().clone();
            ping[3] = 0x70; // an opcode nobody has
            c.sendBytes(ping);
            assertThat(((Response.Error) WsClient.decode(c.next())).code()).isEqualTo(ErrorCode.UNKNOWN_OPCODE);
            assertThat(c.ask(2, new Request.Ping())).isInstanceOf(Response.Pong.class);
        }
    }

    @Test
    void aDisallowedOriginIsRefusedAndTheServersOwnOrAListedOneAccepted() throws Exception {
        start(b -> b);
        assertThatThrownBy(() -> WsClient.connect(ws(), "http://evil.example", null))
                .satisfies(e -> assertThat(WsClient.refusedStatus((Exception) e)).isEqualTo(403));
        assertThatThrownBy(() -> WsClient.connect(ws(), "http://127.0.0.1:" + (webPort() + 1), null))
                .satisfies(e -> assertThat(WsClient.refusedStatus((Exception) e)).isEqualTo(403));
        try (WsClient c = WsClient.connect(ws(), sameOrigin(), null)) {
            assertThat(c.ask(1, new Request.Ping())).isInstanceOf(Response.Pong.class);
        }
        server.close();
        server = new ServerFixture(dir, b -> b.web(new WebSettings(0, "127.0.0.1", List.of("https://chat.example.org"))));
        try (WsClient c = WsClient.connect(ws(), "https://chat.example.org", null)) {
            assertThat(c.ask(1, new Request.Ping())).isInstanceOf(Response.Pong.class);
        }
        assertThatThrownBy(() -> WsClient.connect(ws(), "http://evil.example", null))
                .satisfies(e -> assertThat(WsClient.refusedStatus((Exception) e)).isEqualTo(403));
    }

    /** A PING frame padded to {@code total} bytes: well framed, but with fields a PING has none of. */
    private static byte[] frameOf(int requestId, int total) {
        byte[] payload = new byte[total - Frame.HEADER_BYTES];
        Arrays.fill(payload, (byte) 'a');
        return new Frame(Frame.VERSION_1, 0x01, requestId, payload).toBytes();
    }

    @Test
    void aFrameOverTheSizeLimitIsFrameTooLargeAndCloses() throws Exception {
        start(b -> b.maxFrameBytes(8192));
        try (WsClient c = WsClient.connect(ws(), null, null)) {
            c.sendBytes(frameOf(5, 8191)); // below: read and answered, the connection stays
            assertThat(((Response.Error) WsClient.decode(c.next())).code()).isEqualTo(ErrorCode.WRONG_FIELD_COUNT);
            c.sendBytes(frameOf(6, 8192)); // at the limit: the same
            assertThat(((Response.Error) WsClient.decode(c.next())).code()).isEqualTo(ErrorCode.WRONG_FIELD_COUNT);
            c.sendBytes(frameOf(7, 8193)); // above: FRAME_TOO_LARGE with its request id, and closed
            byte[] answer = c.next();
            assertThat(ByteBuffer.wrap(answer).getInt(4)).isEqualTo(7);
            assertThat(((Response.Error) WsClient.decode(answer)).code()).isEqualTo(ErrorCode.FRAME_TOO_LARGE);
            assertThat(c.awaitClose().code()).isEqualTo(4000 + ErrorCode.FRAME_TOO_LARGE.wire());
        }
        try (WsClient c = WsClient.connect(ws(), null, null)) { // far above: closed unread (1009, too big)
            try {
                c.sendBytes(frameOf(8, 40_000));
            } catch (ExecutionException e) {
                // the server may close before the whole message is sent
            }
            WsClient.Close close = c.awaitCloseOrBreak();
            assertThat(close == null ? 1009 : close.code()).as("closed unread: 1009, or the connection broken under the write")
                    .isEqualTo(1009);
            assertThat(c.isClosed()).isTrue();
        }
    }

    @Test
    void noFirstFrameWithinItsTimeoutIsIdleTimeoutAndCloses() throws Exception {
        start(b -> b.firstFrameTimeout(Duration.ofMillis(300)));
        try (WsClient c = WsClient.connect(ws(), null, null)) {
            Response.Error e = (Response.Error) WsClient.decode(c.next());
            assertThat(e.code()).isEqualTo(ErrorCode.IDLE_TIMEOUT);
            assertThat(c.awaitClose().code()).isEqualTo(4000 + ErrorCode.IDLE_TIMEOUT.wire());
        }
        Await.until("the closed connection is released", () -> server.server().openConnections() == 0);
    }

    @Test
    void silenceAfterARequestForTheIdleTimeoutIsIdleTimeoutAndCloses() throws Exception {
        start(b -> b.idleTimeout(Duration.ofMillis(400)));
        try (WsClient c = WsClient.connect(ws(), null, null)) {
            assertThat(c.ask(1, new Request.Ping())).isInstanceOf(Response.Pong.class);
            Response.Error e = (Response.Error) WsClient.decode(c.next());
            assertThat(e.code()).isEqualTo(ErrorCode.IDLE_TIMEOUT);
            assertThat(c.awaitClose().code()).isEqualTo(4042);
        }
    }

    @Test
    void connectionsPerAddressAreCountedWithTheWireProtocolsAtBelowAndAboveTheLimit() throws Exception {
        start(b -> b.abuse(AbuseLimits.NONE.withConnectionsPerAddress(3)));
        try (TestConnection wire = server.connect(); WsClient below = WsClient.connect(ws(), null, null);
                WsClient at = WsClient.connect(ws(), null, null)) {
            assertThat(wire.call(new Request.Ping())).isInstanceOf(Response.Pong.class);
            assertThat(below.ask(1, new Request.Ping())).isInstanceOf(Response.Pong.class);
            assertThat(at.ask(1, new Request.Ping())).isInstanceOf(Response.Pong.class);
            try (WsClient above = WsClient.connect(ws(), null, null)) {
                byte[] answer = above.next();
                assertThat(ByteBuffer.wrap(answer).getInt(4)).isZero();
                assertThat(((Response.Error) WsClient.decode(answer)).code()).isEqualTo(ErrorCode.SERVER_BUSY);
                assertThat(above.awaitClose().code()).isEqualTo(4040);
            }
            assertThat(server.server().openConnections()).isEqualTo(3);
            at.abort(); // dropped without a WebSocket close: its place is released all the same
            Await.until("the dropped WebSocket is released", () -> server.server().openConnections() == 2);
            try (WsClient again = WsClient.connect(ws(), null, null)) {
                assertThat(again.ask(1, new Request.Ping())).isInstanceOf(Response.Pong.class);
            }
        }
    }

    @Test
    void aWebSocketOverItsRequestRateIsRateLimitedAndStaysOpen() throws Exception {
        start(b -> b.abuse(AbuseLimits.NONE.withRequestRate(1, 2)));
        try (WsClient c = WsClient.connect(ws(), null, null)) {
            assertThat(c.ask(1, new Request.Ping())).isInstanceOf(Response.Pong.class); // the burst of 2
            assertThat(c.ask(2, new Request.Ping())).isInstanceOf(Response.Pong.class);
            Response.Error e = (Response.Error) c.ask(3, new Request.Ping()); // the next would wait about a second
            assertThat(e.code()).isEqualTo(ErrorCode.RATE_LIMITED);
            assertThat(Long.parseLong(e.details().getFirst())).isGreaterThan(Answerer.MAX_SLOWDOWN_MILLIS);
            assertThat(c.isClosed()).isFalse();
        }
    }

    @Test
    void aStoppingServerTellsAnIdleWebSocketShuttingDown() throws Exception {
        start(b -> b);
        try (WsClient c = WsClient.connect(ws(), null, null)) {
            assertThat(c.ask(1, new Request.Ping())).isInstanceOf(Response.Pong.class);
            Thread stopping = Thread.ofVirtual().start(server::close);
            Response.Error e = (Response.Error) WsClient.decode(c.next());
            assertThat(e.code()).isEqualTo(ErrorCode.SHUTTING_DOWN);
            assertThat(c.awaitClose().code()).isEqualTo(4000 + ErrorCode.SHUTTING_DOWN.wire());
            stopping.join();
            server = null;
        }
    }

    @Test
    void aWaitingFetchHoldsItsOwnConnectionOnlyAndAnswersWhenMailComes() throws Exception {
        start(b -> b);
        try (WsClient alice = WsClient.connect(ws(), null, null); WsClient bob = WsClient.connect(ws(), null, null)) {
            assertThat(alice.ask(1, new Request.CreateAccount("alice", "Alice", ServerFixture.PASSWORD))).isInstanceOf(Response.AccountCreated.class);
            assertThat(bob.ask(1, new Request.CreateAccount("bob", "Bob", ServerFixture.PASSWORD))).isInstanceOf(Response.AccountCreated.class);
            String a = ((Response.LoggedIn) alice.ask(2, new Request.Login("alice", ServerFixture.PASSWORD))).token();
            String b = ((Response.LoggedIn) bob.ask(2, new Request.Login("bob", ServerFixture.PASSWORD))).token();
            alice.sendBytes(RequestCodec.encode(3, new Request.Fetch(a, 0, 10, 20_000)).toBytes());
            Response sent = bob.ask(3, new Request.Send(b, "alice", "m-1", "hello over WebSocket"));
            assertThat(sent).isInstanceOf(Response.Sent.class);
            byte[] answer = alice.next();
            assertThat(ByteBuffer.wrap(answer).getInt(4)).isEqualTo(3);
            assertThat(((Response.Messages) WsClient.decode(answer)).messages())
                    .extracting(Response.Message::body).containsExactly("hello over WebSocket");
        }
    }
}
