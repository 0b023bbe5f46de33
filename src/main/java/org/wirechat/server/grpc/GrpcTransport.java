package org.wirechat.server.grpc;

import org.wirechat.server.Dispatcher;
import org.wirechat.server.Presence;
import org.wirechat.server.ServerConfig;
import io.grpc.Attributes;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Grpc;
import io.grpc.InsecureServerCredentials;
import io.grpc.Metadata;
import io.grpc.Server;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerCredentials;
import io.grpc.ServerInterceptor;
import io.grpc.ServerInterceptors;
import io.grpc.ServerTransportFilter;
import io.grpc.Status;
import io.grpc.TlsServerCredentials;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.protobuf.services.HealthStatusManager;
import io.grpc.protobuf.services.ProtoReflectionServiceV1;
import io.grpc.health.v1.HealthCheckResponse.ServingStatus;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.wirechat.grpc.v1.ChatGrpc;
import org.wirechat.protocol.ErrorCode;
import org.wirechat.server.abuse.AddressLimits;
import org.wirechat.server.abuse.TokenBucket;
import org.wirechat.server.auth.Tokens;

/**
 * The gRPC transport: service {@code wirechat.v1.Chat} ({@link GrpcChatService}) on {@code --grpc-port},
 * with the standard health service and server reflection, over the same {@link Dispatcher} (stores,
 * tokens, login throttle) as the wire transport. What the wire transport limits per connection is limited
 * here per HTTP/2 connection: connections per address (counted together with the wire transport's),
 * the request rate (one token bucket a connection, each call one request), the first-frame timeout (the
 * TLS and HTTP/2 handshake), the idle timeout (an idle connection is closed), the largest request
 * (the frame limit). The same TLS key store. docs/grpc.md.
 */
public final class GrpcTransport implements AutoCloseable {
    /** What one HTTP/2 connection holds (its address, its request rate, its login), in its transport's attributes. */
    static final Attributes.Key<GrpcConnection> CONNECTION = Attributes.Key.create("wirechat-connection");
    /** The connection of the call being served, for the service. */
    static final Context.Key<GrpcConnection> CALLER = Context.key("wirechat-caller");

    private final Server server;
    private final HealthStatusManager health = new HealthStatusManager();
    private final ExecutorService calls = Executors.newVirtualThreadPerTaskExecutor();
    private final AtomicInteger open = new AtomicInteger();

    public GrpcTransport(ServerConfig config, Dispatcher dispatcher, Presence presence, AddressLimits addresses,
            java.util.function.BooleanSupplier closing, org.wirechat.server.ServerMetrics metrics) throws IOException {
        InetSocketAddress at = new InetSocketAddress(InetAddress.getByName(config.bindAddress()), config.grpcPort());
        ServerCredentials credentials = config.tls() == null ? InsecureServerCredentials.create()
                : TlsServerCredentials.newBuilder().keyManager(config.tls().keyManagers()).build();
        ServerTransportFilter connections = new ServerTransportFilter() {
            @Override
            public Attributes transportReady(Attributes attributes) {
                String address = addressOf(attributes);
                boolean admitted = open.incrementAndGet() <= config.maxConnections() && addresses.connect(address);
                GrpcConnection c = new GrpcConnection(address, admitted, presence,
                        new TokenBucket(config.abuse().requestBurst(), config.abuse().requestsPerSecond(), System.nanoTime()));
                return attributes.toBuilder().set(CONNECTION, c).build();
            }

            @Override
            public void transportTerminated(Attributes attributes) {
                GrpcConnection c = attributes == null ? null : attributes.get(CONNECTION);
                if (c != null) {
                    open.decrementAndGet();
                    if (c.admitted) {
                        addresses.disconnect(c.address);
                    }
                    c.close();
                }
            }
        };
        ServerInterceptor limits = new ServerInterceptor() {
            @Override
            public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
                GrpcConnection c = call.getAttributes().get(CONNECTION);
                if (c == null) {
                    call.close(Status.INTERNAL.withDescription("no connection state"), new Metadata());
                    return new ServerCall.Listener<>() { };
                }
                if (!c.admitted) {
                    call.close(GrpcChatService.status(ErrorCode.SERVER_BUSY, "too many connections (from your address, or"
                            + " to this server); close some and try again", java.util.List.of()), GrpcChatService.trailers(
                            ErrorCode.SERVER_BUSY, java.util.List.of()));
                    return new ServerCall.Listener<>() { };
                }
                long waitNanos = c.requests.tryTake(System.nanoTime());
                if (waitNanos > 0) {
                    long waitMillis = (waitNanos + 999_999) / 1_000_000;
                    java.util.List<String> details = java.util.List.of(String.valueOf(waitMillis));
                    call.close(GrpcChatService.status(ErrorCode.RATE_LIMITED, "too many requests on this connection (at most "
                            + config.abuse().requestsPerSecond() + " a second)", details),
                            GrpcChatService.trailers(ErrorCode.RATE_LIMITED, details));
                    return new ServerCall.Listener<>() { };
                }
                String auth = headers.get(GrpcChatService.AUTHORIZATION);
                String token = auth != null && auth.regionMatches(true, 0, "Bearer ", 0, 7) ? auth.substring(7).trim() : "";
                return Contexts.interceptCall(Context.current().withValues(CALLER, c, GrpcChatService.TOKEN, token),
                        call, headers, next);
            }
        };
        NettyServerBuilder builder = NettyServerBuilder.forAddress(at, credentials)
                .executor(calls) // a call may block (a long poll): each runs on a virtual thread
                .maxInboundMessageSize(config.maxFrameBytes())
                .maxInboundMetadataSize(8 * 1024)
                .handshakeTimeout(config.firstFrameTimeout().toMillis(), TimeUnit.MILLISECONDS)
                .maxConnectionIdle(config.idleTimeout().toMillis(), TimeUnit.MILLISECONDS)
                .permitKeepAliveTime(30, TimeUnit.SECONDS)
                .permitKeepAliveWithoutCalls(true)
                .addTransportFilter(connections)
                .addService(ServerInterceptors.intercept(new GrpcChatService(dispatcher, closing, config.maxFrameBytes(), metrics), limits))
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

    private static String addressOf(Attributes attributes) {
        return attributes.get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR) instanceof InetSocketAddress a
                ? a.getAddress().getHostAddress() : "unknown";
    }

    public int port() {
        return server.getPort();
    }

    /** Open HTTP/2 connections. */
    public int openConnections() {
        return open.get();
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

    /** One HTTP/2 connection: the caller the dispatcher sees for its calls. */
    static final class GrpcConnection {
        final String address;
        final boolean admitted;
        final TokenBucket requests;
        private final Presence presence;
        private final java.util.Set<Long> accounts = new java.util.HashSet<>();
        private boolean closed;

        GrpcConnection(String address, boolean admitted, Presence presence, TokenBucket requests) {
            this.address = address;
            this.admitted = admitted;
            this.presence = presence;
            this.requests = requests;
        }

        /** The dispatcher's view of this connection, for one call. */
        Dispatcher.Caller caller() {
            return new Dispatcher.Caller() {
                private long account = -1;
                // a memo per call: a connection's calls run at once, and a memo is confined to one thread
                private final Tokens.Memo tokenMemo = new Tokens.Memo();

                @Override
                public void authenticatedAs(long id) {
                    account = id;
                    arrive(id);
                }

                @Override
                public void loggedOut() {
                    if (account >= 0) {
                        leave(account);
                    }
                }

                @Override
                public String address() {
                    return address;
                }

                @Override
                public Tokens.Memo tokenMemo() {
                    return tokenMemo;
                }
            };
        }

        /**
         * Online (presence) from an account's first authenticated call on this connection until the
         * connection closes or that account logs out. One HTTP/2 connection may carry the calls of several
         * accounts (a channel shared by a gateway, or several people's clients in one process).
         */
        synchronized void arrive(long account) {
            if (!closed && accounts.add(account)) {
                presence.arrive(account);
            }
        }

        synchronized void leave(long account) {
            if (accounts.remove(account)) {
                presence.leave(account);
            }
        }

        synchronized void close() {
            closed = true;
            accounts.forEach(presence::leave);
            accounts.clear();
        }
    }
}
