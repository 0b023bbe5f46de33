package org.wirechat.server;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.wirechat.protocol.ErrorCode;
import org.wirechat.protocol.Response;
import org.wirechat.protocol.ResponseCodec;

/**
 * Accepts connections on one platform thread and runs each on its own virtual thread. Counts them:
 * the one over the limit is answered SERVER_BUSY and closed.
 */
final class Listener implements Runnable {
    private static final Logger log = LoggerFactory.getLogger(Listener.class);
    private static final byte[] BUSY = ResponseCodec.encode(0,
            new Response.Error(ErrorCode.SERVER_BUSY, "server busy: too many connections, try again later")).toBytes();

    private final ServerSocket serverSocket;
    private final int maxConnections;
    private final SessionFactory sessions;
    private final ConcurrentHashMap<Long, Running> live = new ConcurrentHashMap<>();
    private final AtomicInteger open = new AtomicInteger();
    private final AtomicLong ids = new AtomicLong();

    /** Makes the session for an accepted socket; it must run {@code onEnd} as it ends. */
    interface SessionFactory {
        Session create(long id, Socket socket, Runnable onEnd);
    }

    private record Running(Session session, Thread thread) {
    }

    Listener(ServerSocket serverSocket, int maxConnections, SessionFactory sessions) {
        this.serverSocket = serverSocket;
        this.maxConnections = maxConnections;
        this.sessions = sessions;
    }

    @Override
    public void run() {
        while (!serverSocket.isClosed()) {
            Socket socket;
            try {
                socket = serverSocket.accept();
            } catch (IOException e) {
                if (!serverSocket.isClosed()) {
                    log.warn("accept failed: {}", e.toString());
                }
                continue;
            }
            if (open.incrementAndGet() > maxConnections) {
                open.decrementAndGet();
                log.warn("connection from {} refused: {} connections open", socket.getRemoteSocketAddress(), maxConnections);
                Thread.ofVirtual().name("busy").start(() -> refuse(socket));
                continue;
            }
            long id = ids.incrementAndGet();
            Session session = sessions.create(id, socket, () -> ended(id));
            Thread thread = Thread.ofVirtual().name("conn-" + id).unstarted(session);
            live.put(id, new Running(session, thread));
            thread.start();
        }
    }

    private void ended(long id) {
        live.remove(id);
        open.decrementAndGet();
    }

    private static void refuse(Socket socket) {
        try {
            socket.setSoTimeout(2_000);
            socket.getOutputStream().write(BUSY);
            Sockets.closeGracefully(socket);
        } catch (IOException e) {
            Sockets.closeQuietly(socket);
        }
    }

    int openConnections() {
        return open.get();
    }

    /** Stops accepting, stops every session, waits up to {@code grace}, then forces the rest closed. */
    void shutdown(Duration grace) {
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
}
