package org.wirechat.server.web;

import io.helidon.common.tls.Tls;
import io.helidon.webserver.WebServer;
import io.helidon.webserver.websocket.WsConfig;
import io.helidon.webserver.websocket.WsRouting;
import java.io.IOException;
import java.net.InetAddress;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.SSLContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.wirechat.protocol.ErrorCode;
import org.wirechat.protocol.Response;
import org.wirechat.server.ServerConfig;
import org.wirechat.server.ServerMetrics;
import org.wirechat.server.WebSettings;
import org.wirechat.server.core.Chat;
import org.wirechat.server.core.admission.Admission;
import org.wirechat.server.core.admission.Connection;
import org.wirechat.server.tls.TlsSettings;

/**
 * The web transport ({@code --web-port}): Helidon's WebServer, on virtual threads like our connections, serving
 * the web client's files at {@code /} and the wire protocol over WebSocket at {@code /ws}, with the server's key
 * store when it has one. Each WebSocket is a {@link WebSession}, admitted by the {@link Admission} all transports
 * share. Origins: the server's own (the {@code Origin}'s host and port are its {@code Host}'s), or only those
 * {@code --web-origin} lists; any other is refused 403 before the upgrade.
 */
public final class WebTransport {
    private static final Logger log = LoggerFactory.getLogger(WebTransport.class);

    private final ServerConfig config;
    private final Chat chat;
    private final Admission admission;
    private final ServerMetrics metrics;
    private final WebServer server;
    private final ConcurrentHashMap<Long, WebSession> live = new ConcurrentHashMap<>();
    private final AtomicLong ids = new AtomicLong();
    private volatile boolean stopping;
    /** When the last "server full" warning was logged: a flood must not flood the log. */
    private volatile long lastFullWarning;

    public WebTransport(ServerConfig config, Chat chat, Admission admission, ServerMetrics metrics) throws IOException {
        this.config = config;
        this.chat = chat;
        this.admission = admission;
        this.metrics = metrics;
        WebSettings web = config.web();
        // a message up to twice the frame limit is read and answered FRAME_TOO_LARGE; a bigger one Helidon closes unread (1009)
        WsConfig ws = WsConfig.builder().name("websocket").origins(new HashSet<>(web.origins()))
                .maxFrameLength(2 * config.maxFrameBytes()).build();
        StaticFiles files = new StaticFiles();
        var builder = WebServer.builder()
                .address(InetAddress.getByName(web.bindAddress()))
                .port(web.port())
                .shutdownGracePeriod(config.shutdownGrace())
                .maxTcpConnections(config.maxConnections())
                .idleConnectionTimeout(config.idleTimeout())
                .addProtocol(ws)
                .directHandlers(SecurityHeaders.directHandlers())
                .routing(r -> r.addFilter((chain, req, res) -> {
                    SecurityHeaders.addTo(res.headers());
                    chain.proceed();
                }).any(files))
                .addRouting(WsRouting.builder().endpoint("/ws", () -> new WebSession(ids.incrementAndGet(), this)));
        if (config.tls() != null) {
            SSLContext context = config.tls().context();
            builder.tls(Tls.builder().sslContext(context).enabledProtocols(List.of(TlsSettings.PROTOCOLS))
                    .enabledCipherSuites(List.of(TlsSettings.cipherSuites(context.getDefaultSSLParameters().getCipherSuites())))
                    .build());
        }
        try {
            this.server = builder.build().start();
        } catch (RuntimeException e) {
            Throwable root = e;
            while (root.getCause() != null) {
                root = root.getCause();
            }
            // the socket's own exception as the cause (a BindException says the port is taken)
            throw new IOException("cannot serve the web client on " + web.bindAddress() + ":" + web.port() + ": " + root.getMessage(),
                    root instanceof IOException ? root : e);
        }
    }

    /** The port it listens on. */
    public int port() {
        return server.port();
    }

    /**
     * A new WebSocket from {@code address}: counted with every transport's connections, or refused with the
     * SERVER_BUSY answer it is sent before any request is read.
     */
    Admitted admit(String address, WebSession session) {
        live.put(session.id(), session);
        metrics.accepted();
        Admission.Limit[] refused = {null};
        Optional<Connection> admitted = admission.open(address, Connection.Logins.ONE, limit -> refused[0] = limit);
        if (stopping) {
            session.stop();
        }
        if (admitted.isPresent()) {
            return new Admitted(admitted.get(), null);
        }
        metrics.refused(refused[0].reason());
        if (refused[0] == Admission.Limit.CONNECTIONS) {
            if (System.nanoTime() - lastFullWarning > Duration.ofMinutes(1).toNanos()) {
                lastFullWarning = System.nanoTime();
                log.warn("refusing connections: {} are open, the configured maximum (logged at most once a minute)",
                        admission.maxConnections());
            }
            return new Admitted(null, new Response.Error(ErrorCode.SERVER_BUSY, "server busy: too many connections, try again later"));
        }
        log.debug("WebSocket from {} refused: {} connections from that address", address, admission.maxConnectionsPerAddress());
        return new Admitted(null, new Response.Error(ErrorCode.SERVER_BUSY, "too many connections from your address (at most "
                + admission.maxConnectionsPerAddress() + ")"));
    }

    /** An admitted connection, or the refusal to send. */
    record Admitted(Connection connection, Response.Error refusal) {
    }

    /** A WebSocket ended: its counts are released (once). */
    void ended(WebSession session) {
        if (live.remove(session.id(), session)) {
            session.release();
        }
    }

    /** The deadline sweep (from the server's, ten times a second): timeouts, stalled writers, ended connections. */
    public void closeOverdue(long nowNanos) {
        for (WebSession s : live.values()) {
            if (s.gone()) {
                ended(s);
            } else {
                s.expire(nowNanos);
            }
        }
    }

    /** WebSocket connections open now. */
    public int openConnections() {
        return live.size();
    }

    /** The server is stopping: idle WebSockets are told SHUTTING_DOWN and closed now, busy ones once their answer is out. */
    public void beginStop() {
        stopping = true;
        live.values().forEach(WebSession::stop);
    }

    /** Waits up to {@code grace} for the WebSockets to end, then stops the HTTP server, closing whatever is left. */
    public void stop(Duration grace) {
        beginStop();
        long deadline = System.nanoTime() + grace.toNanos();
        while (!live.isEmpty() && System.nanoTime() - deadline < 0) {
            closeOverdue(System.nanoTime());
            try {
                Thread.sleep(10); // each session ends on its own thread; this only waits for them, up to the grace
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        server.stop();
        live.values().forEach(this::ended);
    }

    boolean stopping() {
        return stopping;
    }

    ServerConfig config() {
        return config;
    }

    Chat chat() {
        return chat;
    }

    ServerMetrics metrics() {
        return metrics;
    }
}
