package org.wirechat.server.wire;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SSLSocketFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.wirechat.protocol.ErrorCode;
import org.wirechat.protocol.Response;
import org.wirechat.protocol.ResponseCodec;
import org.wirechat.server.ServerMetrics;
import org.wirechat.server.core.admission.Admission;
import org.wirechat.server.core.admission.Connection;

/**
 * Accepts connections on one platform thread and runs each on its own virtual thread. Each is admitted by
 * the {@link Admission} both transports share: the one over a limit is answered SERVER_BUSY and closed.
 */
public final class Listener implements Runnable {
    private static final Logger log = LoggerFactory.getLogger(Listener.class);
    private static final byte[] BUSY = ResponseCodec.encode(0,
            new Response.Error(ErrorCode.SERVER_BUSY, "server busy: too many connections, try again later")).toBytes();

    private final ServerSocket serverSocket;
    private final SessionFactory sessions;
    private final Admission admission;
    private final SSLSocketFactory tls;
    private final ConcurrentHashMap<Long, Running> live = new ConcurrentHashMap<>();
    private final AtomicLong ids = new AtomicLong();
    /** When the last "server full" warning was logged: a flood of connections must not flood the log. */
    private long lastFullWarning;

    /** Makes the session for an accepted, admitted socket; it must close {@code connection} and run {@code onEnd} as it ends. */
    public interface SessionFactory {
        Session create(long id, Socket socket, Connection connection, Runnable onEnd);
    }

    private record Running(Session session, Thread thread, String address) {
    }

    public Listener(ServerSocket serverSocket, Admission admission, SSLSocketFactory tls,
            ServerMetrics metrics, SessionFactory sessions) {
        this.metrics = metrics;
        this.serverSocket = serverSocket;
        this.tls = tls;
        this.admission = admission;
        this.sessions = sessions;
    }

    /** The longest pause after a failed accept. */
    static final Duration ACCEPT_BACKOFF_MAX = Duration.ofSeconds(1);
    private static final long ACCEPT_BACKOFF_MIN_NANOS = Duration.ofMillis(10).toNanos();
    /** Failed accepts not yet logged, and when the last such line was written: at most one a minute. */
    private long acceptFailures;
    private long lastAcceptWarning;
    private long acceptBackoffNanos;
    private final ServerMetrics metrics;
    /** Set by {@link #shutdown} before it stops the sessions in {@link #live}. */
    private volatile boolean shuttingDown;

    @Override
    public void run() {
        while (!serverSocket.isClosed()) {
            Socket socket;
            try {
                socket = serverSocket.accept();
            } catch (IOException e) {
                if (!serverSocket.isClosed()) {
                    acceptFailed(e);
                }
                continue;
            }
            if (acceptBackoffNanos > 0) {
                log.info("accepting connections again ({} failed accepts not logged before)", acceptFailures);
                acceptBackoffNanos = 0;
                acceptFailures = 0;
            }
            metrics.accepted();
            String address = socket.getInetAddress().getHostAddress();
            Optional<Connection> admitted = admission.open(address, Connection.Logins.ONE, limit -> refused(socket, address, limit));
            if (admitted.isEmpty()) {
                continue;
            }
            long id = ids.incrementAndGet();
            Session session = sessions.create(id, socket, admitted.get(), () -> ended(id));
            Thread thread = Thread.ofVirtual().name("conn-" + id).unstarted(session);
            live.put(id, new Running(session, thread, address));
            thread.start();
            if (shuttingDown) {
                // accepted just as the shutdown began: it may have missed this one (it stops what is in
                // live after setting the flag; this checks the flag after adding to live)
                session.stop();
            }
        }
    }

    /**
     * A failed accept (out of file descriptors, most often) fails again at once if retried at once, so
     * the listener pauses, 10 ms doubling up to {@link #ACCEPT_BACKOFF_MAX}, and logs one line a minute
     * with the count. Connections already open keep being served meanwhile, and as they close,
     * descriptors free up and accepting resumes.
     */
    private void acceptFailed(IOException e) {
        acceptFailures++;
        long now = System.nanoTime();
        if (lastAcceptWarning == 0 || now - lastAcceptWarning > Duration.ofMinutes(1).toNanos()) {
            log.warn("accepting connections fails: {} ({} failure{} since the last such line; retrying with backoff; "
                    + "logged at most once a minute)", e.getMessage(), acceptFailures, acceptFailures == 1 ? "" : "s");
            lastAcceptWarning = now;
            acceptFailures = 0;
        }
        acceptBackoffNanos = Math.min(ACCEPT_BACKOFF_MAX.toNanos(), Math.max(ACCEPT_BACKOFF_MIN_NANOS, acceptBackoffNanos * 2));
        try {
            Thread.sleep(Duration.ofNanos(acceptBackoffNanos));
        } catch (InterruptedException x) {
            Thread.currentThread().interrupt();
            closeListening();
        }
    }

    /** Over a limit of the {@link Admission}: counted, told SERVER_BUSY (on a virtual thread of its own) and closed. */
    private void refused(Socket socket, String address, Admission.Limit limit) {
        metrics.refused(limit.reason());
        byte[] busy;
        if (limit == Admission.Limit.CONNECTIONS) {
            if (System.nanoTime() - lastFullWarning > Duration.ofMinutes(1).toNanos()) {
                lastFullWarning = System.nanoTime();
                log.warn("refusing connections: {} are open, the configured maximum (logged at most once a minute)",
                        admission.maxConnections());
            }
            busy = BUSY;
        } else {
            log.debug("connection from {} refused: {} connections from that address", address,
                    admission.maxConnectionsPerAddress());
            busy = ResponseCodec.encode(0, new Response.Error(ErrorCode.SERVER_BUSY, "too many connections from your address (at most "
                    + admission.maxConnectionsPerAddress() + ")")).toBytes();
        }
        Thread.ofVirtual().name("busy").start(() -> refuse(socket, busy));
    }

    private void ended(long id) {
        live.remove(id);
    }

    /**
     * The deadline sweep (ten times a second, on a thread of its own): ends every read past its deadline
     * (first-frame, idle and frame timeouts: the session answers IDLE_TIMEOUT), and closes every connection
     * whose client has not taken a response for longer than {@code writeTimeoutNanos}, and every TLS
     * connection whose handshake has not finished {@code handshakeTimeoutNanos} after it was accepted.
     * One sweep instead of a timer per read: deadlines are kept to within the sweep's period.
     */
    public void closeOverdue(long writeTimeoutNanos, long handshakeTimeoutNanos) {
        long now = System.nanoTime();
        for (Running r : live.values()) {
            if (r.session().expireOverdueRead(now)) {
                continue;
            }
            String why = r.session().writeStalledFor(now) > writeTimeoutNanos ? "it has not read its responses"
                    : r.session().handshakingFor(now) > handshakeTimeoutNanos ? "its TLS handshake took too long" : null;
            if (why != null) {
                log.debug("closing connection from {}: {}", r.address(), why);
                r.session().forceClose();
            }
        }
    }

    /** Tells the peer why (over TLS if the server speaks it) and closes, on a virtual thread of its own. */
    private void refuse(Socket socket, byte[] frame) {
        try {
            socket.setSoTimeout(2_000);
            if (tls == null) {
                socket.getOutputStream().write(frame);
                Sockets.closeGracefully(socket);
            } else {
                Socket secure = Sockets.serverTls(tls, socket);
                secure.getOutputStream().write(frame);
                secure.getOutputStream().flush();
                Sockets.closeQuietly(secure);
            }
        } catch (IOException e) {
            Sockets.closeQuietly(socket);
        }
    }

    /** Wire connections open now (admitted, not yet ended). */
    public int openConnections() {
        return live.size();
    }

    /** Stops accepting, stops every session, waits up to {@code grace}, then forces the rest closed. */
    public void shutdown(Duration grace) {
        shuttingDown = true;
        closeListening();
        live.values().forEach(r -> r.session().stop());
        long deadline = System.nanoTime() + grace.toNanos();
        joinAll(deadline);
        if (!live.isEmpty()) {
            log.warn("{} connections still busy after {}; closing them", live.size(), grace);
            live.values().forEach(r -> r.session().forceClose());
            joinAll(System.nanoTime() + Duration.ofSeconds(5).toNanos());
        }
    }

    private void closeListening() {
        try {
            serverSocket.close();
        } catch (IOException e) {
            log.debug("closing the listening socket: {}", e.toString());
        }
    }

    private void joinAll(long deadlineNanos) {
        for (Running r : live.values()) {
            long left = deadlineNanos - System.nanoTime();
            if (left <= 0) {
                return;
            }
            try {
                r.thread().join(Duration.ofNanos(left));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /**
     * A plain TCP listening socket, also for TLS: each session layers TLS over its accepted socket on its
     * own thread (so a slow handshake never holds up accepting), and keeps the TCP socket underneath so
     * that a forced close always works, even while a TLS write is blocked.
     */
    public static ServerSocket bind(String bindAddress, int port) throws IOException {
        InetSocketAddress at = new InetSocketAddress(InetAddress.getByName(bindAddress), port);
        ServerSocket socket = new ServerSocket();
        try {
            socket.setReuseAddress(true);
            socket.bind(at, 1024);
            return socket;
        } catch (IOException e) {
            socket.close();
            throw new IOException("cannot listen on " + bindAddress + ":" + port + ": " + e.getMessage(), e);
        }
    }
}
