package org.wirechat.server.grpc;

import org.wirechat.server.core.Chat;
import org.wirechat.server.ServerConfig;
import io.grpc.Attributes;
import io.grpc.Context;
import io.grpc.Grpc;
import io.grpc.InsecureServerCredentials;
import io.grpc.Server;
import io.grpc.ServerCredentials;
import io.grpc.ServerTransportFilter;
import io.grpc.TlsServerCredentials;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.protobuf.services.ProtoReflectionServiceV1;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import org.wirechat.grpc.v1.ChatGrpc;
import org.wirechat.server.ServerMetrics;
import org.wirechat.server.core.admission.Admission;
import org.wirechat.server.core.admission.Connection;
import org.wirechat.server.core.auth.Tokens;

/**
 * The gRPC transport: service {@code wirechat.v1.Chat} ({@link GrpcChatService}) on {@code --grpc-port},
 * with the standard health service and server reflection, over the same {@link Chat} (stores,
 * tokens, login throttle) as the wire transport. What the wire transport limits per connection is limited
 * here per HTTP/2 connection: connections per address and in all (one {@link Admission} for both transports;
 * the excess connection is closed at once, {@link ConnectionGate}), the request rate (the {@link Connection}'s
 * bucket, each call one request), the first-frame timeout (the TLS and HTTP/2 handshake,
 * and each call's request message, {@link RequestDeadlines}), the idle timeout (an idle connection is
 * closed), the largest request (the frame limit). Besides, what HTTP/2 itself lets a client ask of a
 * server is bounded: calls per connection, metadata, resets, pings, empty frames ({@link FloodGuard}),
 * answers not read ({@link CallGate}). The same TLS key store. docs/grpc.md and docs/security.md list them.
 */
public final class GrpcTransport implements AutoCloseable {
    /** What one HTTP/2 connection holds (its address, its request rate, its login), in its transport's attributes. */
    static final Attributes.Key<GrpcConnection> CONNECTION = Attributes.Key.create("wirechat-connection");
    /** The connection of the call being served, for the service. */
    static final Context.Key<GrpcConnection> CALLER = Context.key("wirechat-caller");

    private final Server server;
    private final HealthStatusManager health = new HealthStatusManager();
    private final ExecutorService calls = Executors.newVirtualThreadPerTaskExecutor();

    /** How many calls one HTTP/2 connection may have open at once (its SETTINGS_MAX_CONCURRENT_STREAMS). */
    static final int MAX_CALLS_PER_CONNECTION = 100;
    /** The largest request metadata (headers), the token included. */
    static final int MAX_METADATA_BYTES = 8 * 1024;
    /** RST_STREAM frames a connection may send within {@link #RESET_WINDOW} (rapid reset, CVE-2023-44487); more: GOAWAY. */
    static final int MAX_RESETS = 200;
    static final Duration RESET_WINDOW = Duration.ofSeconds(10);
    /** The server pings a connection silent this long, and closes it if the ping is not answered within {@link #KEEPALIVE_TIMEOUT}. */
    static final Duration KEEPALIVE_TIME = Duration.ofMinutes(2);
    static final Duration KEEPALIVE_TIMEOUT = Duration.ofSeconds(20);
    /** The most often a client may ping (HTTP/2 PING): more often is answered GOAWAY {@code too_many_pings}. */
    static final Duration PERMIT_KEEPALIVE = Duration.ofSeconds(30);
    /** A connection's longest life: then GOAWAY, and its calls get {@link #MAX_AGE_GRACE} to end (a Subscribe is cut and resubscribes). */
    static final Duration MAX_AGE = Duration.ofHours(24);
    static final Duration MAX_AGE_GRACE = Duration.ofMinutes(1);

    private final ConnectionGate gate;
    /** The connections that have said their HTTP/2 preface (their state is made then). */
    private final Set<GrpcConnection> ready = ConcurrentHashMap.newKeySet();
    private final RequestDeadlines deadlines;
    private final CallThreads threads = new CallThreads(calls);

    public GrpcTransport(ServerConfig config, Chat chat, Admission admission, BooleanSupplier closing,
            ServerMetrics metrics) throws IOException {
        InetSocketAddress at = new InetSocketAddress(InetAddress.getByName(config.bindAddress()), config.grpcPort());
        ServerCredentials credentials = config.tls() == null ? InsecureServerCredentials.create()
                : TlsServerCredentials.newBuilder().keyManager(config.tls().keyManagers()).build();
        gate = new ConnectionGate(admission);
        deadlines = new RequestDeadlines(config.firstFrameTimeout());
        ServerTransportFilter connections = new ServerTransportFilter() {
            @Override
            public Attributes transportReady(Attributes attributes) {
                Connection admitted = gate.admitted(attributes.get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR)).orElse(null);
                if (admitted == null) { // closed meanwhile: its calls find no state and are refused
                    return attributes;
                }
                GrpcConnection c = new GrpcConnection(admitted);
                ready.add(c);
                return attributes.toBuilder().set(CONNECTION, c).build();
            }

            @Override
            public void transportTerminated(Attributes attributes) {
                GrpcConnection c = attributes == null ? null : attributes.get(CONNECTION);
                if (c != null) {
                    ready.remove(c); // its Connection is closed with its channel (ConnectionGate)
                }
            }
        };
        NettyServerBuilder builder = NettyServerBuilder.forAddress(at, gate.guard(credentials))
                .directExecutor() // each call's first step (finding its method) on the event loop, then:
                .callExecutor(threads) // a virtual thread a call (it may block), but Send and Ack (CallThreads)
                .maxInboundMessageSize(config.maxFrameBytes())
                .maxInboundMetadataSize(MAX_METADATA_BYTES)
                .maxConcurrentCallsPerConnection(MAX_CALLS_PER_CONNECTION)
                .maxRstFramesPerWindow(MAX_RESETS, (int) RESET_WINDOW.toSeconds())
                .handshakeTimeout(config.firstFrameTimeout().toMillis(), TimeUnit.MILLISECONDS)
                .maxConnectionIdle(config.idleTimeout().toMillis(), TimeUnit.MILLISECONDS)
                .maxConnectionAge(MAX_AGE.toMillis(), TimeUnit.MILLISECONDS)
                .maxConnectionAgeGrace(MAX_AGE_GRACE.toMillis(), TimeUnit.MILLISECONDS)
                .keepAliveTime(KEEPALIVE_TIME.toMillis(), TimeUnit.MILLISECONDS)
                .keepAliveTimeout(KEEPALIVE_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
                .permitKeepAliveTime(PERMIT_KEEPALIVE.toMillis(), TimeUnit.MILLISECONDS)
                .permitKeepAliveWithoutCalls(true)
                .addTransportFilter(connections)
                .intercept(new CallGate(deadlines, config.abuse().requestsPerSecond()))
                .addService(new GrpcChatService(chat, closing, config.maxFrameBytes(), metrics, calls))
                .addService(health.getHealthService())
                .addService(ProtoReflectionServiceV1.newInstance());
        try {
            server = builder.build().start();
        } catch (IOException e) {
            calls.shutdownNow();
            throw new IOException("cannot serve gRPC on " + config.bindAddress() + ":" + config.grpcPort() + ": "
                    + e.getMessage(), e);
        }
        health.setStatus("", ServingStatus.SERVING);
        health.setStatus(ChatGrpc.SERVICE_NAME, ServingStatus.SERVING);
    }

    public int port() {
        return server.getPort();
    }

    /** Open HTTP/2 connections (admitted ones: those over a limit are closed at once). */
    public int openConnections() {
        return gate.open();
    }

    /** Connections closed at once for being over a connection limit, since the start. */
    public int refusedConnections() {
        return gate.refused();
    }

    /** Calls cancelled because their request message did not come in time, since the start. */
    public int expiredCalls() {
        return deadlines.expired();
    }

    /** Bytes of unary answers the server holds because their clients have not taken them yet, on every connection. */
    public long unsentReplyBytes() {
        return ready.stream().mapToLong(c -> c.unsentReplies.get()).sum();
    }

    /** Calls run on their connection's event loop rather than a thread of their own, since the start ({@link CallThreads}). */
    public long callsOnEventLoop() {
        return threads.onEventLoop();
    }

    /** Calls waiting for their request message now. */
    public int waitingCalls() {
        return deadlines.waiting();
    }

    /** Cancels the calls whose request message is overdue (the server's deadline sweep calls this). */
    public void closeOverdue(long nowNanos) {
        deadlines.expire(nowNanos);
    }

    /** Says NOT_SERVING and stops taking new calls; those in progress go on (see {@link #finish}). */
    public void stopAccepting() {
        health.enterTerminalState();
        server.shutdown();
    }

    /**
     * Lets the calls in progress finish within {@code graceMillis} (waiting polls have been woken by
     * then), then cancels the rest.
     */
    public void finish(long graceMillis) {
        try {
            if (!server.awaitTermination(graceMillis, TimeUnit.MILLISECONDS)) {
                server.shutdownNow();
                server.awaitTermination(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            server.shutdownNow();
            Thread.currentThread().interrupt();
        }
        calls.shutdownNow();
    }

    @Override
    public void close() {
        stopAccepting();
        finish(0);
    }

    /**
     * One HTTP/2 connection: its admitted {@link Connection}, its token memo (its calls', so that a client that calls
     * with the same token again and again has it hashed once) and the bytes of its answers not yet taken.
     */
    static final class GrpcConnection {
        final Connection connection;
        final Tokens.Memo tokens = new Tokens.Memo();
        /** Bytes of unary answers written but not yet taken by the client (see {@link CallGate#UNSENT_REPLY_BUDGET}). */
        final AtomicLong unsentReplies = new AtomicLong();

        GrpcConnection(Connection connection) {
            this.connection = connection;
        }
    }
}
