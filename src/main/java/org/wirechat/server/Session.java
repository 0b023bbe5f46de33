package org.wirechat.server;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;
import org.wirechat.protocol.ErrorCode;
import org.wirechat.protocol.Frame;
import org.wirechat.protocol.FrameReader;
import org.wirechat.protocol.ProtocolException;
import org.wirechat.protocol.RequestCodec;
import org.wirechat.protocol.Response;
import org.wirechat.protocol.ResponseCodec;

/**
 * One connection, on its own virtual thread: read a frame, decode, dispatch, encode, write, until the
 * peer leaves, breaks framing, idles out, or the server stops. Only this thread reads or writes the
 * socket; {@link #stop()} (another thread) only shuts its input down, which ends the loop after the
 * request in progress has been answered.
 */
final class Session implements Runnable, Dispatcher.Caller {
    private static final Logger log = LoggerFactory.getLogger(Session.class);

    private final long id;
    private final Socket socket;
    private final ServerConfig config;
    private final Dispatcher dispatcher;
    private final Presence presence;
    private final Runnable onClose;
    private volatile boolean stopping;
    /** The account this connection last authenticated as, or -1; confined to the session thread. */
    private long accountId = -1;
    private OutputStream out;

    Session(long id, Socket socket, ServerConfig config, Dispatcher dispatcher, Presence presence, Runnable onClose) {
        this.id = id;
        this.socket = socket;
        this.config = config;
        this.dispatcher = dispatcher;
        this.presence = presence;
        this.onClose = onClose;
    }

    @Override
    public void run() {
        MDC.put("conn", "c" + id);
        log.debug("connection from {}", socket.getRemoteSocketAddress());
        boolean graceful = false;
        try {
            socket.setTcpNoDelay(true);
            socket.setSoTimeout((int) Math.min(Integer.MAX_VALUE, config.firstFrameTimeout().toMillis()));
            InputStream in = new BufferedInputStream(socket.getInputStream(), 16 * 1024);
            out = socket.getOutputStream();
            serve(new FrameReader(in, config.maxFrameBytes()));
            graceful = true;
        } catch (IOException e) {
            log.debug("connection ended: {}", e.toString());
        } catch (InterruptedException e) {
            log.debug("connection interrupted");
        } catch (RuntimeException e) {
            log.error("internal error while serving a connection", e);
            sendQuietly(0, new Response.Error(ErrorCode.INTERNAL_ERROR, "internal error; the request may or may not have taken effect"));
            graceful = true;
        } finally {
            if (accountId >= 0) {
                presence.leave(accountId);
            }
            if (graceful) {
                Sockets.closeGracefully(socket);
            } else {
                Sockets.closeQuietly(socket);
            }
            log.debug("connection closed");
            onClose.run();
            MDC.clear();
        }
    }

    private void serve(FrameReader reader) throws IOException, InterruptedException {
        boolean first = true;
        while (true) {
            Frame frame;
            try {
                frame = reader.read();
            } catch (SocketTimeoutException e) {
                send(0, stopping ? shuttingDown() : new Response.Error(ErrorCode.IDLE_TIMEOUT,
                        "no request for " + (first ? config.firstFrameTimeout() : config.idleTimeout()) + "; closing"));
                return;
            } catch (ProtocolException e) {
                if (stopping) { // the shut-down input cut a frame short
                    send(0, shuttingDown());
                } else {
                    log.debug("framing error: {}", e.getMessage());
                    send(e.requestId(), framingError(e));
                }
                return;
            }
            if (frame == null) {
                if (stopping) {
                    send(0, shuttingDown());
                }
                return;
            }
            if (first) {
                socket.setSoTimeout((int) Math.min(Integer.MAX_VALUE, config.idleTimeout().toMillis()));
                first = false;
            }
            Response response;
            try {
                response = dispatcher.handle(RequestCodec.decode(frame), this);
            } catch (ProtocolException e) {
                response = new Response.Error(e.code(), e.detail());
            }
            send(frame.requestId(), response);
        }
    }

    private static Response.Error framingError(ProtocolException e) {
        List<String> details = e.code() == ErrorCode.UNSUPPORTED_VERSION ? List.of(String.valueOf(Frame.VERSION_1)) : List.of();
        return new Response.Error(e.code(), e.detail(), details);
    }

    private static Response.Error shuttingDown() {
        return new Response.Error(ErrorCode.SHUTTING_DOWN, "server shutting down");
    }

    private void send(int requestId, Response response) throws IOException {
        out.write(ResponseCodec.encode(requestId, response).toBytes());
        out.flush();
    }

    private void sendQuietly(int requestId, Response response) {
        if (out == null) {
            return;
        }
        try {
            send(requestId, response);
        } catch (IOException | RuntimeException e) {
            log.debug("could not send the error: {}", e.toString());
        }
    }

    @Override
    public void authenticatedAs(long account) {
        if (account != accountId) {
            if (accountId >= 0) {
                presence.leave(accountId);
            }
            presence.arrive(account);
            accountId = account;
            MDC.put("user", "u" + account);
        }
    }

    @Override
    public void loggedOut() {
        if (accountId >= 0) {
            presence.leave(accountId);
            accountId = -1;
            MDC.remove("user");
        }
    }

    /** Ends the session once the request in progress, if any, is answered. Any thread. */
    void stop() {
        stopping = true;
        try {
            socket.shutdownInput();
        } catch (IOException e) {
            Sockets.closeQuietly(socket);
        }
    }

    /** Closes the socket now (after the grace period). Any thread. */
    void forceClose() {
        Sockets.closeQuietly(socket);
    }
}
