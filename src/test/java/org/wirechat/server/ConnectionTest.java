package org.wirechat.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.wirechat.server.ServerFixture.send;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.wirechat.protocol.ErrorCode;
import org.wirechat.protocol.Frame;
import org.wirechat.protocol.Opcode;
import org.wirechat.protocol.Request;
import org.wirechat.protocol.Response;

/** Framing errors, limits, timeouts and shutdown, on live sockets. */
class ConnectionTest {
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

    private static byte[] header(int version, int opcode, int requestId, int length) {
        return new byte[] {0x57, 0x43, (byte) version, (byte) opcode, (byte) (requestId >>> 24), (byte) (requestId >>> 16),
                (byte) (requestId >>> 8), (byte) requestId, (byte) (length >>> 24), (byte) (length >>> 16),
                (byte) (length >>> 8), (byte) length};
    }

    private static Response.Error errorFrame(TestConnection c, int expectedRequestId) {
        Frame f = c.readFrame();
        assertThat(f.opcode()).isEqualTo(Opcode.ERROR_RESPONSE);
        assertThat(f.requestId()).isEqualTo(expectedRequestId);
        Response r = TestConnection.decode(f);
        return (Response.Error) r;
    }

    @Test
    void framingErrorsGetOneErrorFrameThenTheConnectionCloses() {
        fx = new ServerFixture(dir);
        try (TestConnection c = fx.connect()) {
            c.sendBytes("GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes());
            assertThat(errorFrame(c, 0).code()).isEqualTo(ErrorCode.MALFORMED_FRAME);
            assertThat(c.closedByServer()).isTrue();
        }
        try (TestConnection c = fx.connect()) {
            c.sendBytes(header(2, 1, 77, 0));
            Response.Error e = errorFrame(c, 77);
            assertThat(e.code()).isEqualTo(ErrorCode.UNSUPPORTED_VERSION);
            assertThat(e.details()).containsExactly("1");
            assertThat(c.closedByServer()).isTrue();
        }
        try (TestConnection c = fx.connect()) {
            c.sendBytes(header(1, 1, 78, Frame.MAX_FRAME_BYTES - Frame.HEADER_BYTES + 1));
            assertThat(errorFrame(c, 78).code()).isEqualTo(ErrorCode.FRAME_TOO_LARGE);
            assertThat(c.closedByServer()).isTrue();
        }
    }

    @Test
    void errorsInsideAWellFramedRequestKeepTheConnectionOpen() {
        fx = new ServerFixture(dir);
        try (TestConnection c = fx.connect()) {
            c.sendBytes(header(1, 0x42, 5, 0));
            assertThat(errorFrame(c, 5).code()).isEqualTo(ErrorCode.UNKNOWN_OPCODE);
            byte[] badUtf8 = {(byte) 0xC3, 0x1F, 'x'};
            c.sendBytes(org.wirechat.protocol.RequestCodec.encode(6, new Request.Ping()).toBytes());
            assertThat(c.readFrame().requestId()).isEqualTo(6);
            byte[] login = new byte[12 + badUtf8.length];
            System.arraycopy(header(1, Opcode.LOGIN.wire(), 7, badUtf8.length), 0, login, 0, 12);
            System.arraycopy(badUtf8, 0, login, 12, badUtf8.length);
            c.sendBytes(login);
            assertThat(errorFrame(c, 7).code()).isEqualTo(ErrorCode.INVALID_ENCODING);
            c.ok(new Request.Ping(), Response.Pong.class);
        }
    }

    @Test
    void garbageOnOneConnectionDoesNotDisturbAnother() throws Exception {
        fx = new ServerFixture(dir);
        try (TestConnection good = fx.connect()) {
            String alice = fx.register(good, "alice");
            String bob = fx.register(good, "bob");
            CompletableFuture<Void> attackers = CompletableFuture.runAsync(() -> {
                java.util.Random random = new java.util.Random(42);
                for (int i = 0; i < 50; i++) {
                    try (TestConnection bad = fx.connect()) {
                        byte[] junk = new byte[1 + random.nextInt(200)];
                        random.nextBytes(junk);
                        junk[0] = (byte) (i % 2 == 0 ? 0x57 : junk[0]); // half start like a frame
                        bad.sendBytes(junk);
                        bad.sendBytes(header(1, 1, 1, Integer.MAX_VALUE));
                        assertThat(bad.closedByServerAfterAnyFrames()).isTrue();
                    }
                }
            }, threads);
            for (int i = 0; i < 100; i++) {
                good.ok(send(alice, "bob", "still here " + i), Response.Sent.class);
            }
            attackers.get();
            assertThat(good.ok(new Request.Fetch(bob, 0, 1000, 0), Response.Messages.class).messages()).hasSize(100);
        }
    }

    @Test
    void theConnectionOverTheLimitIsToldTheServerIsBusy() {
        fx = new ServerFixture(dir, b -> b.maxConnections(2));
        try (TestConnection one = fx.connect(); TestConnection two = fx.connect()) {
            one.ok(new Request.Ping(), Response.Pong.class);
            two.ok(new Request.Ping(), Response.Pong.class);
            try (TestConnection three = fx.connect()) {
                assertThat(errorFrame(three, 0).code()).isEqualTo(ErrorCode.SERVER_BUSY);
                assertThat(three.closedByServer()).isTrue();
            }
            one.close();
            Await.until("the server notices one connection left", () -> fx.server().openConnections() < 2);
            try (TestConnection again = fx.connect()) {
                again.ok(new Request.Ping(), Response.Pong.class);
            }
        }
    }

    @Test
    void anIdleConnectionIsToldAndClosed() {
        fx = new ServerFixture(dir, b -> b.idleTimeout(Duration.ofMillis(300)));
        try (TestConnection c = fx.connect()) {
            c.ok(new Request.Ping(), Response.Pong.class);
            Response.Error e = errorFrame(c, 0); // blocks until the server's idle timeout fires
            assertThat(e.code()).isEqualTo(ErrorCode.IDLE_TIMEOUT);
            assertThat(c.closedByServer()).isTrue();
        }
    }

    @Test
    void aConnectionThatNeverSpeaksIsClosedAfterTheFirstFrameTimeout() {
        fx = new ServerFixture(dir, b -> b.firstFrameTimeout(Duration.ofMillis(300)));
        try (TestConnection c = fx.connect()) {
            assertThat(errorFrame(c, 0).code()).isEqualTo(ErrorCode.IDLE_TIMEOUT);
            assertThat(c.closedByServer()).isTrue();
        }
    }

    @Test
    void shutdownAnswersAWaitingFetchAndTellsIdleConnections() throws Exception {
        fx = new ServerFixture(dir, b -> b.maxFetchWait(Duration.ofMinutes(10)));
        TestConnection poller = fx.connect();
        TestConnection idle = fx.connect();
        String bob = fx.register(poller, "bob");
        idle.ok(new Request.Ping(), Response.Pong.class);
        CompletableFuture<Response> poll = CompletableFuture.supplyAsync(
                () -> poller.call(new Request.Fetch(bob, 0, 10, 600_000)), threads);
        Await.until("the fetch is waiting", () -> fx.server().waitingFetches() == 1);
        fx.close();
        assertThat(poll.get()).isEqualTo(new Response.Messages(java.util.List.of()));
        assertThat(errorFrame(idle, 0).code()).isEqualTo(ErrorCode.SHUTTING_DOWN);
        assertThat(idle.closedByServer()).isTrue();
        assertThat(poller.readResponse()).isInstanceOf(Response.Error.class);
        poller.close();
        idle.close();
        fx = null;
    }
}
