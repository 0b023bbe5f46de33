package org.wirechat.server.web;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.net.http.WebSocketHandshakeException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import org.wirechat.protocol.Frame;
import org.wirechat.protocol.FrameReader;
import org.wirechat.protocol.Request;
import org.wirechat.protocol.RequestCodec;
import org.wirechat.protocol.Response;
import org.wirechat.protocol.ResponseCodec;

/** A WebSocket client of /ws for tests (the JDK's): sends binary messages, collects the binary messages and the close. */
final class WsClient implements AutoCloseable {
    /** A close from the server: its code and reason. */
    record Close(int code, String reason) {
    }

    private final WebSocket ws;
    private final Collector in;

    private WsClient(WebSocket ws, Collector in) {
        this.ws = ws;
        this.in = in;
    }

    private static final class Collector implements WebSocket.Listener {
        private final ByteArrayOutputStream partial = new ByteArrayOutputStream();
        private final BlockingQueue<byte[]> messages = new LinkedBlockingQueue<>();
        private final CompletableFuture<Close> closed = new CompletableFuture<>();

        @Override
        public CompletionStage<?> onBinary(WebSocket ws, ByteBuffer data, boolean last) {
            byte[] b = new byte[data.remaining()];
            data.get(b);
            partial.writeBytes(b);
            if (last) {
                messages.add(partial.toByteArray());
                partial.reset();
            }
            ws.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket ws, int statusCode, String reason) {
            closed.complete(new Close(statusCode, reason));
            return null;
        }

        @Override
        public void onError(WebSocket ws, Throwable error) {
            closed.completeExceptionally(error);
        }
    }

    /** Connects to {@code uri}, with an {@code Origin} header unless it is null; throws the handshake's failure. */
    static WsClient connect(URI uri, String origin, SSLContext tls) throws Exception {
        HttpClient.Builder hb = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10));
        if (tls != null) {
            hb.sslContext(tls);
        }
        Collector collector = new Collector();
        WebSocket.Builder b = hb.build().newWebSocketBuilder();
        if (origin != null) {
            b.header("Origin", origin);
        }
        WebSocket ws;
        try {
            ws = b.buildAsync(uri, collector).get(20, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof Exception x ? x : e;
        }
        return new WsClient(ws, collector);
    }

    /** The HTTP status a refused handshake was answered, or -1 if it was not refused by a status. */
    static int refusedStatus(Exception e) {
        Throwable t = e;
        while (t != null) {
            if (t instanceof WebSocketHandshakeException h) {
                return h.getResponse().statusCode();
            }
            t = t.getCause();
        }
        return -1;
    }

    void sendBytes(byte[] message) throws Exception {
        ws.sendBinary(ByteBuffer.wrap(message), true).get(10, TimeUnit.SECONDS);
    }

    void sendText(String message) throws Exception {
        ws.sendText(message, true).get(10, TimeUnit.SECONDS);
    }

    /** The next binary message, waiting up to 20 s. */
    byte[] next() throws InterruptedException {
        byte[] b = in.messages.poll(20, TimeUnit.SECONDS);
        if (b == null) {
            throw new AssertionError("no message from the server within 20 s");
        }
        return b;
    }

    Response ask(int requestId, Request request) throws Exception {
        sendBytes(RequestCodec.encode(requestId, request).toBytes());
        return decode(next());
    }

    static Response decode(byte[] message) throws Exception {
        Frame f = new FrameReader(new ByteArrayInputStream(message), Frame.MAX_FRAME_BYTES).read();
        return ResponseCodec.decode(f);
    }

    /** The server's close, waiting up to 20 s. */
    Close awaitClose() throws Exception {
        return in.closed.get(20, TimeUnit.SECONDS);
    }

    /**
     * The close, or null when the connection broke instead (the server closed it while this client was still
     * writing: its close frame is then lost with the connection — TCP, not the server, decides which one is seen).
     */
    Close awaitCloseOrBreak() throws Exception {
        try {
            return awaitClose();
        } catch (ExecutionException e) {
            if (e.getCause() instanceof IOException) {
                return null;
            }
            throw e;
        }
    }

    boolean isClosed() {
        return in.closed.isDone();
    }

    /** Drops the TCP connection without a WebSocket close. */
    void abort() {
        ws.abort();
    }

    @Override
    public void close() {
        ws.abort();
    }
}
