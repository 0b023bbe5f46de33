package org.wirechat.server.grpc;

import io.grpc.ServerCredentials;
import io.grpc.internal.ObjectPool;
import io.grpc.netty.shaded.io.grpc.netty.GrpcHttp2ConnectionHandler;
import io.grpc.netty.shaded.io.grpc.netty.InternalNettyServerCredentials;
import io.grpc.netty.shaded.io.grpc.netty.InternalProtocolNegotiator;
import io.grpc.netty.shaded.io.netty.channel.ChannelHandler;
import io.grpc.netty.shaded.io.netty.channel.ChannelHandlerContext;
import io.grpc.netty.shaded.io.netty.channel.ChannelInboundHandlerAdapter;
import io.grpc.netty.shaded.io.netty.util.AsciiString;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.wirechat.server.core.admission.Admission;
import org.wirechat.server.core.admission.Connection;

/**
 * Admits an HTTP/2 connection or closes it the moment it is accepted, before gRPC builds anything for
 * it, by the {@link Admission} both transports share: at most {@code --max-connections-per-address} from one
 * address and {@code --max-connections} open, on both transports together. An admitted connection's
 * {@link Connection} waits here, by its remote address, for the transport to take it when the connection is
 * ready ({@link #admitted}), and is closed with the channel; its frames pass a {@link FloodGuard}.
 *
 * <p>grpc-java offers no public hook into a connection's pipeline; this wraps the server credentials'
 * protocol negotiator ({@link InternalNettyServerCredentials}, the hook grpc's own xDS and ALTS use), so
 * TLS and plaintext negotiate exactly as before. {@code GrpcAttacksTest} fails if an upgrade changes that.
 */
final class ConnectionGate {
    private static final Logger log = LoggerFactory.getLogger(ConnectionGate.class);

    private final Admission admission;
    /** The admitted connections open now, by their channel's remote address (unique among open TCP connections). */
    private final ConcurrentHashMap<SocketAddress, Connection> open = new ConcurrentHashMap<>();
    private final AtomicInteger refused = new AtomicInteger();

    ConnectionGate(Admission admission) {
        this.admission = admission;
    }

    /** Open, admitted HTTP/2 connections. */
    int open() {
        return open.size();
    }

    /** The admitted connection whose channel has this remote address, if it is still open. */
    Optional<Connection> admitted(SocketAddress remote) {
        return remote == null ? Optional.empty() : Optional.ofNullable(open.get(remote));
    }

    /** Connections closed at once because they were over a limit, since the start. */
    int refused() {
        return refused.get();
    }

    /** The same credentials, negotiating through this gate. */
    ServerCredentials guard(ServerCredentials credentials) {
        InternalProtocolNegotiator.ServerFactory inner = InternalNettyServerCredentials.toNegotiator(credentials);
        return InternalNettyServerCredentials.create(new InternalProtocolNegotiator.ServerFactory() {
            @Override
            public InternalProtocolNegotiator.ProtocolNegotiator newNegotiator(ObjectPool<? extends Executor> pool) {
                InternalProtocolNegotiator.ProtocolNegotiator negotiator = inner.newNegotiator(pool);
                return new InternalProtocolNegotiator.ProtocolNegotiator() {
                    @Override
                    public AsciiString scheme() {
                        return negotiator.scheme();
                    }

                    @Override
                    public ChannelHandler newHandler(GrpcHttp2ConnectionHandler grpcHandler) {
                        return new Entrance(negotiator.newHandler(grpcHandler), grpcHandler);
                    }

                    @Override
                    public void close() {
                        negotiator.close();
                    }
                };
            }
        });
    }

    /** First in a new connection's pipeline: admits it (then steps aside for the negotiation) or closes it. */
    private final class Entrance extends ChannelInboundHandlerAdapter {
        private final ChannelHandler negotiation;
        private final GrpcHttp2ConnectionHandler grpcHandler;

        Entrance(ChannelHandler negotiation, GrpcHttp2ConnectionHandler grpcHandler) {
            this.negotiation = negotiation;
            this.grpcHandler = grpcHandler;
        }

        @Override
        public void handlerAdded(ChannelHandlerContext ctx) {
            SocketAddress remote = ctx.channel().remoteAddress();
            String address = remote instanceof InetSocketAddress a ? a.getAddress().getHostAddress() : "unknown";
            Optional<Connection> admitted = admission.open(address, Connection.Logins.MANY, limit -> refuse(ctx, address,
                    limit == Admission.Limit.CONNECTIONS ? "the server has --max-connections open"
                            : "its address has --max-connections-per-address open"));
            if (admitted.isEmpty()) {
                return;
            }
            Connection connection = admitted.get();
            if (remote != null) {
                open.put(remote, connection);
            }
            ctx.channel().closeFuture().addListener(f -> {
                if (remote != null) {
                    open.remove(remote, connection);
                }
                connection.close();
            });
            grpcHandler.decoder().frameListener(new FloodGuard(grpcHandler.decoder().frameListener()));
            ctx.pipeline().replace(this, null, negotiation);
        }

        private void refuse(ChannelHandlerContext ctx, String address, String why) {
            refused.incrementAndGet();
            log.debug("gRPC connection from {} closed at once: {}", address, why);
            ctx.close();
        }
    }
}
