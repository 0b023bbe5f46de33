package org.wirechat.server.wire;

import java.io.ByteArrayOutputStream;
import java.util.concurrent.CancellationException;
import javax.net.ssl.SSLSocketFactory;
import org.wirechat.server.core.Chat;
import org.wirechat.server.core.admission.Connection;
import org.wirechat.server.ServerConfig;
import org.wirechat.server.ServerMetrics;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.locks.ReentrantLock;
import javax.net.ssl.SSLSocket;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;
import org.wirechat.protocol.ErrorCode;
import org.wirechat.protocol.Frame;
import org.wirechat.protocol.FrameReader;
import org.wirechat.protocol.ProtocolException;
import org.wirechat.protocol.Request;
import org.wirechat.protocol.Response;
import org.wirechat.protocol.ResponseCodec;

/**
 * One connection, on its own virtual thread: read a frame, decode, dispatch, encode, write, until the
 * peer leaves, breaks framing, idles out, or the server stops. Only this thread reads or writes the
 * socket. {@link #stop()} (another thread) ends the loop once the request in progress is answered;
 * {@link #forceClose()} closes the socket outright.
 *
 * <p>Limits enforced here: the first-frame and idle timeouts, the frame timeout (a frame must arrive
 * whole in time), and the request rate (its {@link Connection}'s bucket: a client over its rate is slowed by up
 * to {@link #MAX_SLOWDOWN_MILLIS} per request, beyond that answered RATE_LIMITED). The connection holds one
 * account online at a time; it is closed (its counts released, its account offline) as the session ends.
 */
public final class Session implements Runnable {
    private static final Logger log = LoggerFactory.getLogger(Session.class);
    static final long MAX_SLOWDOWN_MILLIS = Answerer.MAX_SLOWDOWN_MILLIS;

    private final long id;
    /** The TCP connection; closing it always unblocks the session, whatever TLS is doing. */
    private final Socket tcp;
    private final SSLSocketFactory tls;
    /** What the session reads and writes: {@link #tcp}, or TLS over it. Set once, on the session thread. */
    private volatile Socket socket;
    private final Connection connection;
    private final ServerConfig config;
    private final Runnable onClose;
    /** Guards {@link #busy} and {@link #stopping} together, so a stop never cuts a request in progress. */
    private final ReentrantLock state = new ReentrantLock();
    private boolean busy;
    private volatile boolean stopping;
    /** The read deadlines of this connection; set on the session thread before its first read. */
    private volatile FrameTimer timer;
    /** When the TLS handshake started (System.nanoTime), or 0 once it is done or for plain TCP. */
    private volatile long handshakeStarted;
    /** When the write in progress started (System.nanoTime), or 0: for the stalled-writer watchdog. */
    private volatile long writingSince;
    /** The account named in the logging context, or -1; session thread only. */
    private long loggedAs = -1;
    private OutputStream out;
    /** Rate, decoding and the core for each frame; session thread only. */
    private final Answerer answerer;
    /** Answers waiting to be written, in request order; bounded, so a client that floods SENDs is slowed. */
    private final BlockingQueue<Pending> outbox = new ArrayBlockingQueue<>(PIPELINE);
    /** The last answer queued; a request other than SEND waits until it is written. Session thread only. */
    private volatile Pending last = Pending.DONE;

    /** SENDs one connection may have waiting for their commit at once. */
    static final int PIPELINE = 64;

    /**
     * An answer to write: its request id, the answer (perhaps not ready yet), and whether it was written;
     * for the metrics, the request's opcode ({@code -1}: none, not counted) and when its frame was read.
     */
    private record Pending(int requestId, CompletableFuture<Response> response, CompletableFuture<Void> written,
            int opcode, long startedNanos) {
        static final Pending DONE = new Pending(0, CompletableFuture.completedFuture(null), CompletableFuture.completedFuture(null), -1, 0);
        static final Pending END = new Pending(0, CompletableFuture.completedFuture(null), new CompletableFuture<>(), -1, 0);

        static Pending of(int requestId, Response r) {
            return new Pending(requestId, CompletableFuture.completedFuture(r), new CompletableFuture<>(), -1, 0);
        }
    }

    private final ServerMetrics metrics;

    public Session(long id, Socket tcp, SSLSocketFactory tls, Connection connection, ServerConfig config,
            Chat chat, ServerMetrics metrics, Runnable onClose) {
        this.metrics = metrics;
        this.id = id;
        this.tcp = tcp;
        this.tls = tls;
        this.socket = tcp;
        this.connection = connection;
        this.config = config;
        this.onClose = onClose;
        this.answerer = new Answerer(connection, chat, config.maxFrameBytes());
        this.handshakeStarted = tls == null ? 0 : System.nanoTime();
    }

    @Override
    public void run() {
        MDC.put("conn", "c" + id);
        log.debug("connection from {}", tcp.getRemoteSocketAddress());
        boolean graceful = false;
        try {
            tcp.setTcpNoDelay(true);
            if (tls != null) {
                SSLSocket secure = Sockets.serverTls(tls, tcp);
                socket = secure;
                // the handshake must finish within the first-frame timeout of the connection, however slowly
                // the peer trickles it: the per-read timeout bounds each read, the deadline sweep the total
                secure.setSoTimeout(millis(config.firstFrameTimeout().toMillis()));
                secure.startHandshake();
                handshakeStarted = 0;
            }
            FrameTimer timer = new FrameTimer(socket.getInputStream(), socket, tls != null,
                    config.abuse().frameTimeout().toMillis(), config.firstFrameTimeout().toMillis());
            this.timer = timer;
            ReadBuffer in = new ReadBuffer(timer);
            out = socket.getOutputStream();
            Thread responder = Thread.ofVirtual().name("conn-" + id + "-out").start(this::respond);
            try {
                serve(new FrameReader(in, config.maxFrameBytes()), timer, in);
                graceful = true;
            } catch (IOException e) {
                log.debug("connection ended: {}", e.toString());
            } catch (InterruptedException e) {
                log.debug("connection interrupted");
            } catch (RuntimeException | Error e) { // a bug, or out of memory: this connection ends, the server goes on
                log.error("internal error while serving a connection", e);
                queue(Pending.of(0, Answerer.internalError()));
                graceful = true;
            } finally {
                queue(Pending.END);
                joinQuietly(responder);
            }
        } catch (IOException e) {
            log.debug("connection ended: {}", e.toString());
        } finally {
            try {
                if (graceful && !(socket instanceof SSLSocket)) {
                    Sockets.closeGracefully(socket);
                } else {
                    Sockets.closeQuietly(socket);
                    Sockets.closeQuietly(tcp);
                }
                log.debug("connection closed");
            } finally { // even if closing failed (out of memory, or of descriptors to load a class): the slot is freed
                connection.close(); // its account offline, its place in the connection counts released
                onClose.run();
                MDC.clear();
            }
        }
    }

    private static int millis(long ms) {
        return (int) Math.min(Integer.MAX_VALUE, ms);
    }

    /** A read buffer that tells how much it holds without asking the socket (no {@code ioctl} per frame). */
    private static final class ReadBuffer extends BufferedInputStream {
        ReadBuffer(FrameTimer in) {
            super(in, 16 * 1024);
        }

        boolean holdsMore() {
            return count > pos;
        }
    }

    private void serve(FrameReader reader, FrameTimer timer, ReadBuffer in) throws IOException, InterruptedException {
        boolean first = true;
        while (true) {
            Frame frame;
            try {
                frame = reader.read();
            } catch (FrameTimer.TooSlow e) {
                sendLast(0, new Response.Error(ErrorCode.IDLE_TIMEOUT,
                        "a frame must arrive whole within " + config.abuse().frameTimeout().toMillis() + " ms; closing"));
                return;
            } catch (SocketTimeoutException e) {
                sendLast(0, stopping ? shuttingDown() : new Response.Error(ErrorCode.IDLE_TIMEOUT,
                        "no request for " + (first ? config.firstFrameTimeout() : config.idleTimeout()).toMillis() + " ms; closing"));
                return;
            } catch (ProtocolException e) {
                if (stopping) { // the shut-down input cut a frame short
                    sendLast(0, shuttingDown());
                } else {
                    log.debug("framing error: {}", e.getMessage());
                    sendLast(e.requestId(), framingError(e));
                }
                return;
            }
            if (frame == null) {
                if (stopping) {
                    sendLast(0, shuttingDown());
                }
                return;
            }
            timer.frameDone(in.holdsMore());
            if (first) {
                timer.idleTimeout(config.idleTimeout().toMillis());
                first = false;
            }
            if (!begin()) {
                return; // stopping: this request was not started, so the client may safely repeat it
            }
            long started = metrics.on() ? System.nanoTime() : 0;
            CompletableFuture<Response> answer = answer(frame);
            if (answer.isDone() && last.written().isDone()) {
                Response r = answer.join();
                send(frame.requestId(), r); // nothing pending: write it here, no hand-off
                if (started != 0) {
                    metrics.answered(frame.opcode(), r, System.nanoTime() - started);
                }
            } else {
                queue(new Pending(frame.requestId(), answer, new CompletableFuture<>(), frame.opcode(), started));
            }
            if (!end()) {
                sendLast(0, shuttingDown());
                return;
            }
        }
    }

    /**
     * The answer to a request. A SEND is answered once its message is durable, and the next requests
     * are read meanwhile (so one client's sends share group commits); any other request first waits
     * until every earlier answer is written, so it sees what they did and no more than one large
     * answer is ever held for a connection.
     */
    private CompletableFuture<Response> answer(Frame frame) throws InterruptedException {
        Optional<Response.Error> limited = answerer.awaitRate(config.abuse().requestsPerSecond());
        if (limited.isPresent()) {
            return CompletableFuture.completedFuture(limited.get());
        }
        Answerer.Decoded decoded = Answerer.decode(frame);
        if (decoded.error() != null) {
            return CompletableFuture.completedFuture(decoded.error());
        }
        if (!(decoded.request() instanceof Request.Send)) { // SENDs are stored in order by the core; anything else waits for them
            last.written().exceptionally(x -> null).join();
        }
        CompletableFuture<Response> answer = answerer.submit(decoded.request());
        logAs(connection.lastAccount());
        return answer;
    }

    private void queue(Pending p) {
        try {
            outbox.put(p);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            forceClose();
            return;
        }
        if (p != Pending.END) {
            last = p;
        }
    }

    /**
     * The responder: writes each answer when it is ready, in order, and the answers that are ready
     * together (a group commit completes many SENDs at once) in one write. If a write fails the
     * connection is closed, and the remaining answers are dropped (each marked done so nobody waits on it).
     */
    private void respond() {
        MDC.put("conn", "c" + id);
        boolean broken = false;
        List<Pending> ready = new ArrayList<>();
        while (true) {
            Pending p;
            try {
                p = outbox.take();
            } catch (InterruptedException e) {
                forceClose();
                return;
            }
            if (p == Pending.END) {
                return;
            }
            ready.add(p);
            Pending next;
            while ((next = outbox.peek()) != null && next != Pending.END && next.response().isDone()) {
                ready.add(outbox.poll()); // the session thread only adds at the tail: this is the one peeked
            }
            broken = writeAll(ready, broken);
            ready.forEach(w -> w.written().complete(null));
            ready.clear();
            if (stopping && tls != null && isIdle()) {
                Sockets.closeQuietly(tcp); // a stopping TLS session whose last answer is out: end its read
            }
        }
    }

    /**
     * Writes the answers in one write (up to and including the first INTERNAL_ERROR, after which the
     * connection is closed); returns whether the connection is broken. Nothing is written if it already was.
     */
    private boolean writeAll(List<Pending> answers, boolean broken) {
        if (broken) {
            return true;
        }
        ByteArrayOutputStream frames = new ByteArrayOutputStream(answers.size() * 64);
        boolean fatal = false;
        for (Pending p : answers) {
            Response r;
            try {
                r = p.response().join();
            } catch (CompletionException | CancellationException e) {
                log.error("internal error while answering a request", e.getCause() == null ? e : e.getCause());
                r = Answerer.internalError();
            }
            frames.writeBytes(ResponseCodec.encode(p.requestId(), r).toBytes());
            if (p.opcode() >= 0 && p.startedNanos() != 0) {
                metrics.answered(p.opcode(), r, System.nanoTime() - p.startedNanos());
            }
            if (r instanceof Response.Error e && e.code() == ErrorCode.INTERNAL_ERROR) {
                fatal = true;
                break;
            }
        }
        try {
            write(frames.toByteArray());
        } catch (IOException e) {
            log.debug("writing an answer failed: {}", e.toString());
            fatal = true;
        } catch (RuntimeException | Error e) {
            log.error("internal error while writing an answer", e);
            fatal = true;
        }
        if (fatal) {
            forceClose();
        }
        return fatal;
    }

    private static void joinQuietly(Thread t) {
        boolean interrupted = false;
        while (t.isAlive()) {
            try {
                t.join();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    private boolean isIdle() {
        state.lock();
        try {
            return !busy && last.written().isDone();
        } finally {
            state.unlock();
        }
    }

    private boolean begin() {
        state.lock();
        try {
            busy = !stopping;
            return busy;
        } finally {
            state.unlock();
        }
    }

    /** False if the server is stopping. */
    private boolean end() {
        state.lock();
        try {
            busy = false;
            return !stopping;
        } finally {
            state.unlock();
        }
    }

    private static Response.Error framingError(ProtocolException e) {
        return Answerer.framingError(e);
    }

    private static Response.Error shuttingDown() {
        return Answerer.shuttingDown();
    }

    /** From the session thread: the frame goes out after every answer queued before it. */
    private void sendLast(int requestId, Response response) {
        queue(Pending.of(requestId, response));
    }

    /**
     * Writes one frame: from the responder, or from the session thread when nothing is pending (the
     * responder is then idle, so there is still one writer at a time).
     */
    private void send(int requestId, Response response) throws IOException {
        write(ResponseCodec.encode(requestId, response).toBytes());
    }

    private void write(byte[] bytes) throws IOException {
        writingSince = System.nanoTime();
        try {
            out.write(bytes);
            out.flush();
        } finally {
            writingSince = 0;
        }
    }

    /**
     * If the read in progress is past its deadline (plain connections only: over TLS each read has its
     * own timeout), ends it: the session then answers IDLE_TIMEOUT as for any timeout, and closes.
     */
    boolean expireOverdueRead(long nowNanos) {
        FrameTimer t = timer;
        if (tls != null || t == null) {
            return false;
        }
        long deadline = t.deadline();
        if (deadline == 0 || nowNanos - deadline < 0) {
            return false;
        }
        t.expire();
        try {
            tcp.shutdownInput(); // the blocked read returns at once; the output stays open for the error frame
        } catch (IOException e) {
            Sockets.closeQuietly(tcp);
        }
        return true;
    }

    /** How long the TLS handshake has been going on, in nanoseconds; 0 if it is done (or there is none). */
    long handshakingFor(long nowNanos) {
        long since = handshakeStarted;
        return since == 0 ? 0 : nowNanos - since;
    }

    /** How long the write in progress has been blocked (the client not reading), in nanoseconds; 0 if none. */
    long writeStalledFor(long nowNanos) {
        long since = writingSince;
        return since == 0 ? 0 : nowNanos - since;
    }

    /** Names the connection's account in the logging context (as of the request just submitted). */
    private void logAs(long account) {
        if (account != loggedAs) {
            loggedAs = account;
            if (account >= 0) {
                MDC.put("user", "u" + account);
            } else {
                MDC.remove("user");
            }
        }
    }

    /**
     * Ends the session once the request in progress, if any, is answered. Any thread. A plain socket's
     * input is shut down (the session then says SHUTTING_DOWN); a TLS socket cannot do that, so an
     * idle one is closed.
     */
    void stop() {
        boolean idle;
        state.lock();
        try {
            stopping = true;
            idle = !busy && last.written().isDone();
        } finally {
            state.unlock();
        }
        if (tls != null) {
            if (idle) {
                Sockets.closeQuietly(tcp); // TLS cannot shut down only its input; an idle session just ends
            }
            return;
        }
        try {
            tcp.shutdownInput();
        } catch (IOException e) {
            Sockets.closeQuietly(tcp);
        }
    }

    /** Closes the TCP connection now, even under a blocked TLS write. Any thread. */
    void forceClose() {
        Sockets.closeQuietly(tcp);
    }
}
