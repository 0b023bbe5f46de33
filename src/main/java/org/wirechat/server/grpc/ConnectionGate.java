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
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.wirechat.server.core.admission.AddressLimits;

/**
 * Admits an HTTP/2 connection or closes it the moment it is accepted, before gRPC builds anything for
 * it: at most {@code --max-connections-per-address} from one address (counted with the wire protocol's,
 * in one {@link AddressLimits}) and {@code --max-connections} open on both transports together. An
 * admitted connection's frames pass a {@link FloodGuard}.
 *
 * <p>grpc-java offers no public hook into a connection's pipeline; this wraps the server credentials'
 * protocol negotiator ({@link InternalNettyServerCredentials}, the hook grpc's own xDS and ALTS use), so
 * TLS and plaintext negotiate exactly as before. {@code GrpcAttacksTest} fails if an upgrade changes that.
 */
final class ConnectionGate {
    private static final Logger log = LoggerFactory.getLogger(ConnectionGate.class);

    private final AddressLimits addresses;
    private final int maxConnections;
    /** The wire protocol's open connections, counted against {@code maxConnections} with these. */
    private final IntSupplier wireConnections;
    private final AtomicInteger open = new AtomicInteger();
    private final AtomicInteger refused = new AtomicInteger();

    ConnectionGate(AddressLimits addresses, int maxConnections, IntSupplier wireConnections) {
        this.addresses = addresses;
        this.maxConnections = maxConnections;
        this.wireConnections = wireConnections;
    }

    /** Open, admitted HTTP/2 connections. */
    int open() {
        return open.get();
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
                        return new Admission(negotiator.newHandler(grpcHandler), grpcHandler);
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
    private final class Admission extends ChannelInboundHandlerAdapter {
        private final ChannelHandler negotiation;
        private final GrpcHttp2ConnectionHandler grpcHandler;

        Admission(ChannelHandler negotiation, GrpcHttp2ConnectionHandler grpcHandler) {
            this.negotiation = negotiation;
            this.grpcHandler = grpcHandler;
        }

        @Override
        public void handlerAdded(ChannelHandlerContext ctx) {
            String address = ctx.channel().remoteAddress() instanceof InetSocketAddress a
                    ? a.getAddress().getHostAddress() : "unknown";
            if (open.incrementAndGet() + wireConnections.getAsInt() > maxConnections) {
                open.decrementAndGet();
                refuse(ctx, address, "the server has --max-connections open");
                return;
            }
            if (!addresses.connect(address)) {
                open.decrementAndGet();
                refuse(ctx, address, "its address has --max-connections-per-address open");
                return;
            }
            ctx.channel().closeFuture().addListener(f -> {
                open.decrementAndGet();
                addresses.disconnect(address);
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
