package org.wirechat.server.web;

import io.helidon.common.buffers.BufferData;
import io.helidon.webserver.spi.ServerConnection;
import io.helidon.websocket.WsListener;
import io.helidon.websocket.WsSession;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;
import org.wirechat.protocol.ErrorCode;
import org.wirechat.protocol.Frame;
import org.wirechat.protocol.FrameReader;
import org.wirechat.protocol.ProtocolException;
import org.wirechat.protocol.Response;
import org.wirechat.protocol.ResponseCodec;
import org.wirechat.server.core.admission.Admission;
import org.wirechat.server.core.admission.Connection;
import org.wirechat.server.wire.Answerer;

/**
 * One WebSocket connection of {@code /ws}: each binary message carries one request frame of the wire protocol,
 * answered by one binary message with the response frame (docs/wire_design.md, "WebSocket transport"). Helidon
 * calls it on the connection's own virtual thread, one message at a time, so a request is answered before the
 * next message is read — as the wire protocol answers in order; a FETCH that waits holds its connection as it
 * does on TCP (a client polls on a connection of its own). Admitted by the {@link Admission} every transport
 * shares; rate, decoding and the core through the wire's {@link Answerer}. The deadlines (first frame, idle,
 * write) are kept by {@link WebTransport}'s sweep through {@link #expire(long)}.
 */
final class WebSession implements WsListener {
    private static final Logger log = LoggerFactory.getLogger(WebSession.class);
    /** The close code that goes with an error frame before closing: 4000 + its error code (docs/wire_design.md). */
    static final int CLOSE_CODE_BASE = 4000;
    /** How long a peer may take to answer the close that follows a fatal error before its socket is closed. */
    private static final long CLOSE_GRACE_NANOS = 2_000_000_000L;

    private final long id;
    private final WebTransport transport;
    private final ReentrantLock state = new ReentrantLock();
    private volatile WsSession ws;
    private volatile Thread thread;
    /** Set once on open, on the connection's thread; read by the sweep's thread too, to release it. */
    private volatile Connection connection;
    private Answerer answerer;
    /** A message arriving in fragments; connection thread only. */
    private ByteArrayOutputStream partial;
    /** Guarded by {@link #state}: a request is being answered; the session is ending (nothing more is answered). */
    private boolean busy;
    private boolean ended;
    private volatile boolean first = true;
    /** When the next message must have arrived (System.nanoTime), or 0 while a request is being answered. */
    private volatile long readDeadline;
    /** When the write in progress started, or 0. */
    private volatile long writingSince;
    /** When this side closed (sent its close), or 0: a peer that does not answer it is cut after a grace. */
    private volatile long closedAt;

    WebSession(long id, WebTransport transport) {
        this.id = id;
        this.transport = transport;
    }

    @Override
    public void onOpen(WsSession session) {
        ws = session;
        thread = Thread.currentThread();
        String address = session.socketContext().remotePeer().address() instanceof InetSocketAddress a
                ? a.getAddress().getHostAddress() : session.socketContext().remotePeer().host();
        WebTransport.Admitted admitted = transport.admit(address, this);
        if (admitted.connection() == null) {
            endWith(0, admitted.refusal(), true);
            return;
        }
        connection = admitted.connection();
        answerer = new Answerer(connection, transport.chat(), transport.config().maxFrameBytes());
        readDeadline = System.nanoTime() + transport.config().firstFrameTimeout().toNanos();
        MDC.put("conn", "w" + id);
        log.debug("WebSocket connection from {}", address);
        MDC.clear();
    }

    @Override
    public void onMessage(WsSession session, String text, boolean last) {
        if (connection != null) {
            fatal(new ProtocolException(ErrorCode.MALFORMED_FRAME,
                    "a text message: each request frame travels in a binary WebSocket message"));
        }
    }

    @Override
    public void onMessage(WsSession session, BufferData buffer, boolean last) {
        if (connection == null) {
            return; // refused at open: closing
        }
        byte[] bytes = new byte[buffer.available()];
        buffer.read(bytes);
        int max = transport.config().maxFrameBytes();
        if (!last || partial != null) {
            if (partial == null) {
                partial = new ByteArrayOutputStream();
            }
            partial.writeBytes(bytes);
            if (partial.size() <= max && !last) {
                return;
            }
            bytes = partial.toByteArray();
            partial = null;
        }
        Frame frame;
        try {
            frame = frameOf(bytes, max);
        } catch (ProtocolException e) {
            fatal(e);
            return;
        }
        answer(frame);
    }

    /**
     * The one frame a message carries: framing errors in the spec's order (magic, version, length), then a message
     * over the limit (FRAME_TOO_LARGE, with its request id), or one that holds less or more than its frame
     * (MALFORMED_FRAME: a frame must neither end early nor be followed by anything).
     */
    static Frame frameOf(byte[] message, int maxFrameBytes) throws ProtocolException {
        ByteArrayInputStream in = new ByteArrayInputStream(message);
        Frame frame;
        try {
            frame = new FrameReader(in, maxFrameBytes).read();
        } catch (IOException e) {
            throw new IllegalStateException("reading bytes in memory", e);
        }
        if (frame == null) {
            throw new ProtocolException(ErrorCode.MALFORMED_FRAME, "an empty message: each message carries one frame");
        }
        if (message.length > maxFrameBytes) {
            throw new ProtocolException(ErrorCode.FRAME_TOO_LARGE, "a message of more than " + maxFrameBytes
                    + " bytes exceeds the frame limit", frame.requestId());
        }
        if (in.available() > 0) {
            throw new ProtocolException(ErrorCode.MALFORMED_FRAME, in.available()
                    + " bytes after the frame: each message carries exactly one frame");
        }
        return frame;
    }

    private void answer(Frame frame) {
        if (!begin()) {
            return;
        }
        MDC.put("conn", "w" + id);
        long started = System.nanoTime();
        Response response;
        try {
            response = respond(frame);
        } catch (InterruptedException e) {
            log.debug("WebSocket connection interrupted");
            Thread.currentThread().interrupt();
            MDC.clear();
            return;
        } catch (RuntimeException | Error e) { // a bug, or out of memory: this connection ends, the server goes on
            log.error("internal error while answering a request", e);
            response = Answerer.internalError();
        }
        Response.Error fatal = response instanceof Response.Error e && e.code() == ErrorCode.INTERNAL_ERROR ? e : null;
        try {
            write(frame.requestId(), response);
            transport.metrics().answered(frame.opcode(), response, System.nanoTime() - started);
        } finally {
            MDC.clear();
        }
        if (fatal != null) {
            endWith(frame.requestId(), fatal, true);
        } else if (!end()) {
            endWith(0, Answerer.shuttingDown(), true);
        }
    }

    private Response respond(Frame frame) throws InterruptedException {
        Optional<Response.Error> limited = answerer.awaitRate(transport.config().abuse().requestsPerSecond());
        if (limited.isPresent()) {
            return limited.get();
        }
        Answerer.Decoded decoded = Answerer.decode(frame);
        if (decoded.error() != null) {
            return decoded.error();
        }
        try {
            return answerer.submit(decoded.request()).join();
        } catch (CompletionException | CancellationException e) {
            log.error("internal error while answering a request", e.getCause() == null ? e : e.getCause());
            return Answerer.internalError();
        }
    }

    private void fatal(ProtocolException e) {
        log.debug("framing error on a WebSocket: {}", e.getMessage());
        endWith(e.requestId(), Answerer.framingError(e), false);
    }

    private boolean begin() {
        state.lock();
        try {
            if (ended) {
                return false;
            }
            busy = true;
            readDeadline = 0;
            return true;
        } finally {
            state.unlock();
        }
    }

    /** False if the server is stopping. */
    private boolean end() {
        state.lock();
        try {
            busy = false;
            if (transport.stopping()) {
                return false;
            }
            first = false;
            readDeadline = System.nanoTime() + transport.config().idleTimeout().toNanos();
            return true;
        } finally {
            state.unlock();
        }
    }

    /**
     * Sends the error frame, then closes with 4000 + its code; the peer's close ends the connection (or, if it
     * never answers, the sweep cuts it). Once: later calls do nothing.
     */
    private void endWith(int requestId, Response.Error response, boolean force) {
        state.lock();
        try {
            if (!force && (ended || busy)) {
                return; // ended already, or a request came in meanwhile: its answer goes first
            }
            ended = true;
            busy = false;
            readDeadline = 0;
        } finally {
            state.unlock();
        }
        if (closedAt != 0) {
            return;
        }
        closedAt = System.nanoTime();
        try {
            write(requestId, response);
            ws.close(CLOSE_CODE_BASE + response.status(), shortReason(response.reason()));
        } catch (RuntimeException e) {
            log.debug("closing a WebSocket: {}", e.toString());
            forceClose();
        }
    }

    /** A close frame's reason is at most 123 bytes of UTF-8. */
    private static String shortReason(String reason) {
        String s = reason;
        while (s.getBytes(StandardCharsets.UTF_8).length > 123) {
            s = s.substring(0, s.length() - 1);
        }
        return s;
    }

    private void write(int requestId, Response response) {
        writingSince = System.nanoTime();
        try {
            ws.send(BufferData.create(ResponseCodec.encode(requestId, response).toBytes()), true);
        } finally {
            writingSince = 0;
        }
    }

    /**
     * The sweep: a peer past its read deadline is told IDLE_TIMEOUT and closed; one that has not taken an
     * answer for the write timeout, or not answered this side's close, is cut. Never blocks: what it sends, it
     * sends on a virtual thread of its own.
     */
    void expire(long now) {
        long writing = writingSince;
        long closed = closedAt;
        if ((writing != 0 && now - writing > transport.config().abuse().writeTimeout().toNanos())
                || (closed != 0 && now - closed > CLOSE_GRACE_NANOS)) {
            forceClose();
            return;
        }
        long deadline = readDeadline;
        if (deadline == 0 || now - deadline < 0) {
            return;
        }
        boolean wasFirst = first;
        String why = "no request for " + (wasFirst ? transport.config().firstFrameTimeout() : transport.config().idleTimeout()).toMillis()
                + " ms; closing";
        Thread.ofVirtual().name("ws-" + id + "-idle").start(() -> endWith(0, new Response.Error(ErrorCode.IDLE_TIMEOUT, why), false));
    }

    /** The server is stopping: an idle connection is told SHUTTING_DOWN now, a busy one once its answer is out. */
    void stop() {
        boolean idle;
        state.lock();
        try {
            idle = !busy && !ended;
        } finally {
            state.unlock();
        }
        if (idle) {
            Thread.ofVirtual().name("ws-" + id + "-stop").start(() -> endWith(0, Answerer.shuttingDown(), false));
        }
    }

    /** Whether the connection's thread has ended (however the connection ended: Helidon tells no listener of an EOF). */
    boolean gone() {
        Thread t = thread;
        return t != null && !t.isAlive();
    }

    /** Closes the socket now: interrupting a virtual thread blocked on its socket closes it. */
    void forceClose() {
        if (ws instanceof ServerConnection c) {
            c.close(true);
        }
    }

    @Override
    public void onClose(WsSession session, int status, String reason) {
        transport.ended(this);
    }

    @Override
    public void onError(WsSession session, Throwable t) {
        log.debug("WebSocket error: {}", t.toString());
        transport.ended(this);
    }

    /** Releases the admission's counts and the account's presence; once. */
    void release() {
        Connection c = connection;
        if (c != null) {
            c.close();
        }
    }

    long id() {
        return id;
    }
}
