package org.wirechat.server.wire;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.wirechat.protocol.ErrorCode;
import org.wirechat.protocol.Frame;
import org.wirechat.protocol.ProtocolException;
import org.wirechat.protocol.Request;
import org.wirechat.protocol.RequestCodec;
import org.wirechat.protocol.Response;
import org.wirechat.server.ResponseFit;
import org.wirechat.server.core.Call;
import org.wirechat.server.core.Chat;
import org.wirechat.server.core.ChatResult;
import org.wirechat.server.core.admission.Connection;
import org.wirechat.server.core.auth.Tokens;

/**
 * The answer to one well-framed request of the wire protocol, whatever carries the frames (a TCP
 * {@link Session}, or a WebSocket message of the web transport): the connection's request rate, the
 * request's decoding in the spec's order, the core, and the response fitted to a frame. No sockets: the
 * caller reads frames and writes answers. One per connection, used by one thread at a time.
 */
public final class Answerer {
    /** A request that would have to wait longer than this for the connection's rate is refused RATE_LIMITED. */
    public static final long MAX_SLOWDOWN_MILLIS = 100;

    private final Connection connection;
    private final Chat chat;
    private final int maxFrameBytes;
    /** The token this connection last presented. */
    private final Tokens.Memo tokenMemo = new Tokens.Memo();

    public Answerer(Connection connection, Chat chat, int maxFrameBytes) {
        this.connection = connection;
        this.chat = chat;
        this.maxFrameBytes = maxFrameBytes;
    }

    /**
     * Waits for the connection's request bucket (this slows only this connection: it is not read meanwhile),
     * up to {@link #MAX_SLOWDOWN_MILLIS}; empty if the request may go ahead, else its RATE_LIMITED answer (nothing taken).
     */
    public Optional<Response.Error> awaitRate(int requestsPerSecond) throws InterruptedException {
        long waitNanos = connection.take(System.nanoTime());
        while (waitNanos > 0) {
            long waitMillis = (waitNanos + 999_999) / 1_000_000;
            if (waitMillis > MAX_SLOWDOWN_MILLIS) {
                return Optional.of(new Response.Error(ErrorCode.RATE_LIMITED, "too many requests on this connection (at most "
                        + requestsPerSecond + " a second)", List.of(String.valueOf(waitMillis))));
            }
            Thread.sleep(waitMillis);
            waitNanos = connection.take(System.nanoTime());
        }
        return Optional.empty();
    }

    /** The request of a frame, or the error that answers it (a field or opcode error: the connection stays open). */
    public static Decoded decode(Frame frame) {
        try {
            return new Decoded(RequestCodec.decode(frame), null);
        } catch (ProtocolException e) {
            return new Decoded(null, new Response.Error(e.code(), e.detail(), e.details()));
        }
    }

    /** A decoded request, or the error answering a frame that does not decode. */
    public record Decoded(Request request, Response.Error error) {
    }

    /** Submits a decoded request to the core; the answer, fitted to a frame of this connection's limit. */
    public CompletableFuture<Response> submit(Request request) throws InterruptedException {
        WireMapping.Inbound in = WireMapping.in(request);
        CompletableFuture<ChatResult> result = chat.submit(in.request(), new Call(connection, tokenMemo, in.token()));
        return result.handle((r, failure) -> ResponseFit.toFrame(WireMapping.answer(r, failure, maxFrameBytes), maxFrameBytes));
    }

    /** The answer to a framing error (bad magic, version, length, truncation): sent before the connection closes. */
    public static Response.Error framingError(ProtocolException e) {
        List<String> details = e.code() == ErrorCode.UNSUPPORTED_VERSION ? List.of(String.valueOf(Frame.VERSION_1)) : List.of();
        return new Response.Error(e.code(), e.detail(), details);
    }

    public static Response.Error shuttingDown() {
        return new Response.Error(ErrorCode.SHUTTING_DOWN, "server shutting down");
    }

    public static Response.Error internalError() {
        return new Response.Error(ErrorCode.INTERNAL_ERROR, "internal error; the request may or may not have taken effect");
    }
}
