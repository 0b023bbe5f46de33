package org.wirechat.server.grpc;

import io.grpc.netty.shaded.io.netty.buffer.ByteBuf;
import io.grpc.netty.shaded.io.netty.channel.ChannelHandlerContext;
import io.grpc.netty.shaded.io.netty.handler.codec.http2.Http2Error;
import io.grpc.netty.shaded.io.netty.handler.codec.http2.Http2Exception;
import io.grpc.netty.shaded.io.netty.handler.codec.http2.Http2Flags;
import io.grpc.netty.shaded.io.netty.handler.codec.http2.Http2FrameListener;
import io.grpc.netty.shaded.io.netty.handler.codec.http2.Http2FrameListenerDecorator;
import io.grpc.netty.shaded.io.netty.handler.codec.http2.Http2Headers;
import io.grpc.netty.shaded.io.netty.handler.codec.http2.Http2Settings;
import java.time.Duration;

/**
 * Closes an HTTP/2 connection (GOAWAY {@code ENHANCE_YOUR_CALM}) that sends frames which ask nothing of
 * the server but cost it work to read: more than {@value #MAX_CONSECUTIVE_EMPTY_DATA} empty DATA frames
 * in a row without END_STREAM (as Netty's own {@code Http2EmptyDataFrameListener} does; grpc-java does not
 * install it), or more than {@value #MAX_IDLE_FRAMES} frames of no use to a call — empty DATA, SETTINGS,
 * PRIORITY, frames of unknown type — within {@link #WINDOW}. A client needs a handful of SETTINGS in a
 * connection's life. (Resets are limited by grpc-java's {@code maxRstFramesPerWindow}, pings by its
 * keepalive enforcement.) Runs on the connection's event loop: no locking.
 */
final class FloodGuard extends Http2FrameListenerDecorator {
    static final int MAX_CONSECUTIVE_EMPTY_DATA = 2;
    static final int MAX_IDLE_FRAMES = 100;
    static final Duration WINDOW = Duration.ofSeconds(10);

    private int consecutiveEmpty;
    private int idleFrames;
    private long windowStart = System.nanoTime();

    FloodGuard(Http2FrameListener listener) {
        super(listener);
    }

    @Override
    public int onDataRead(ChannelHandlerContext ctx, int streamId, ByteBuf data, int padding, boolean endOfStream)
            throws Http2Exception {
        if (endOfStream || data.isReadable()) {
            consecutiveEmpty = 0;
        } else {
            if (++consecutiveEmpty > MAX_CONSECUTIVE_EMPTY_DATA) {
                throw calm("more than " + MAX_CONSECUTIVE_EMPTY_DATA + " empty DATA frames in a row");
            }
            idle();
        }
        return super.onDataRead(ctx, streamId, data, padding, endOfStream);
    }

    @Override
    public void onHeadersRead(ChannelHandlerContext ctx, int streamId, Http2Headers headers, int padding, boolean endStream)
            throws Http2Exception {
        consecutiveEmpty = 0;
        super.onHeadersRead(ctx, streamId, headers, padding, endStream);
    }

    @Override
    public void onHeadersRead(ChannelHandlerContext ctx, int streamId, Http2Headers headers, int streamDependency,
            short weight, boolean exclusive, int padding, boolean endStream) throws Http2Exception {
        consecutiveEmpty = 0;
        super.onHeadersRead(ctx, streamId, headers, streamDependency, weight, exclusive, padding, endStream);
    }

    @Override
    public void onSettingsRead(ChannelHandlerContext ctx, Http2Settings settings) throws Http2Exception {
        idle();
        super.onSettingsRead(ctx, settings);
    }

    @Override
    public void onPriorityRead(ChannelHandlerContext ctx, int streamId, int streamDependency, short weight, boolean exclusive)
            throws Http2Exception {
        idle();
        super.onPriorityRead(ctx, streamId, streamDependency, weight, exclusive);
    }

    @Override
    public void onUnknownFrame(ChannelHandlerContext ctx, byte frameType, int streamId, Http2Flags flags, ByteBuf payload)
            throws Http2Exception {
        idle();
        super.onUnknownFrame(ctx, frameType, streamId, flags, payload);
    }

    private void idle() throws Http2Exception {
        long now = System.nanoTime();
        if (now - windowStart > WINDOW.toNanos()) {
            windowStart = now;
            idleFrames = 0;
        }
        if (++idleFrames > MAX_IDLE_FRAMES) {
            throw calm("more than " + MAX_IDLE_FRAMES + " frames of no use to a call within " + WINDOW.toSeconds() + " s");
        }
    }

    private static Http2Exception calm(String why) {
        return Http2Exception.connectionError(Http2Error.ENHANCE_YOUR_CALM, "%s", why);
    }
}
