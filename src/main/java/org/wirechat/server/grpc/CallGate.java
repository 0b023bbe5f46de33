package org.wirechat.server.grpc;

import com.google.protobuf.MessageLite;
import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.ForwardingServerCall;
import io.grpc.ForwardingServerCallListener;
import io.grpc.Metadata;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.wirechat.grpc.v1.ChatGrpc;
import org.wirechat.protocol.ErrorCode;
import org.wirechat.protocol.Frame;
import org.wirechat.server.core.Login;
import org.wirechat.server.core.Operation;
import org.wirechat.server.core.Operations;
import org.wirechat.server.grpc.GrpcTransport.GrpcConnection;

/**
 * What every call passes before anything is built for it, cheapest refusal first: the connection's
 * request rate (RATE_LIMITED), its answers not yet read (SERVER_BUSY when the
 * {@value #UNSENT_REPLY_BUDGET} bytes they may take have no room for one more page), a token for every call of {@code wirechat.v1.Chat} that needs a login
 * (NOT_AUTHENTICATED); then the request message's deadline ({@link RequestDeadlines}). Applies to every
 * service (health and reflection too).
 */
final class CallGate implements ServerInterceptor {
    /**
     * Bytes of a connection's unary answers not yet taken by its client (HTTP/2 flow control holds them
     * in the server while the client's window is shut) beyond which its next calls are refused: a client
     * that stops reading cannot make the server hold more than this, plus one answer, for it.
     */
    static final int UNSENT_REPLY_BUDGET = 256 * 1024;
    /** An answer this small is always sent, whatever the budget (see {@link Tally}). */
    static final int SMALL_ANSWER = 1024;
    private static final String BUSY = "this connection has not read the answers it already has; read them, then call again";

    private static final String CHAT = ChatGrpc.SERVICE_NAME + "/";
    /** The methods usable without a token: those whose operation's row says {@link Login#NONE} (the table is the one truth). */
    private static final Set<String> NO_LOGIN = noLogin();

    private final RequestDeadlines deadlines;
    private final int requestsPerSecond;

    CallGate(RequestDeadlines deadlines, int requestsPerSecond) {
        this.deadlines = deadlines;
        this.requestsPerSecond = requestsPerSecond;
    }

    private static Set<String> noLogin() {
        Map<String, Login> byName = Operations.table().stream().collect(Collectors.toMap(Operation::name, Operation::login));
        return GrpcMapping.OPERATION.entrySet().stream().filter(e -> byName.get(e.getValue()) == Login.NONE)
                .map(e -> CHAT + e.getKey()).collect(Collectors.toUnmodifiableSet());
    }

    @Override
    public <Q, R> ServerCall.Listener<Q> interceptCall(ServerCall<Q, R> call, Metadata headers, ServerCallHandler<Q, R> next) {
        GrpcConnection c = call.getAttributes().get(GrpcTransport.CONNECTION);
        if (c == null) {
            call.close(Status.INTERNAL.withDescription("no connection state"), new Metadata());
            return new ServerCall.Listener<>() { };
        }
        long now = System.nanoTime();
        long waitNanos = c.connection.take(now);
        if (waitNanos > 0) {
            String waitMillis = String.valueOf((waitNanos + 999_999) / 1_000_000);
            return refuse(call, ErrorCode.RATE_LIMITED, "too many requests on this connection (at most "
                    + requestsPerSecond + " a second)", List.of(waitMillis));
        }
        if (c.unsentReplies.get() > UNSENT_REPLY_BUDGET - Frame.MAX_FRAME_BYTES) { // no room for one more page
            return refuse(call, ErrorCode.SERVER_BUSY, BUSY, List.of());
        }
        String method = call.getMethodDescriptor().getFullMethodName();
        String token = bearer(headers);
        if (token.isEmpty() && method.startsWith(CHAT) && !NO_LOGIN.contains(method)) {
            return refuse(call, ErrorCode.NOT_AUTHENTICATED, "not logged in: send \"authorization: Bearer TOKEN\"", List.of());
        }
        ServerCall<Q, R> counted = call.getMethodDescriptor().getType() == MethodDescriptor.MethodType.UNARY
                ? new Tally<>(call, c) : call;
        ServerCall.Listener<Q> listener = Contexts.interceptCall(
                Context.current().withValues(GrpcTransport.CALLER, c, GrpcChatService.TOKEN, token), counted, headers, next);
        if (counted instanceof Tally<Q, R> tally) {
            listener = tally.releasing(listener);
        }
        return deadlines.watch(counted, listener, now);
    }

    /** The call's token ("authorization: Bearer TOKEN"), or "" when it has none. */
    static String bearer(Metadata headers) {
        String auth = headers.get(GrpcChatService.AUTHORIZATION);
        return auth != null && auth.regionMatches(true, 0, "Bearer ", 0, 7) ? auth.substring(7).trim() : "";
    }

    private static <Q, R> ServerCall.Listener<Q> refuse(ServerCall<Q, R> call, ErrorCode code, String reason, List<String> details) {
        call.close(GrpcChatService.status(code, reason, details), GrpcChatService.trailers(code, details));
        return new ServerCall.Listener<>() { };
    }

    /**
     * A unary call's answer, counted in its connection's unsent bytes until the call is over (its answer
     * sent, or the call cancelled). A large answer (more than {@value #SMALL_ANSWER} bytes: a page of
     * History, ListAccounts, Fetch) that would take the connection over its budget is not sent: the call
     * ends SERVER_BUSY instead, which holds whatever many calls were let in at once. Such calls change
     * nothing that a retry does not redo (Fetch's acknowledgement is idempotent; its messages stay
     * undelivered); small answers — a Send's among them — are always sent.
     */
    private static final class Tally<Q, R> extends ForwardingServerCall.SimpleForwardingServerCall<Q, R> {
        private final GrpcConnection connection;
        /** This call's bytes counted in its connection's; guarded by {@code this}, as {@link #over}. */
        private long bytes;
        /**
         * The call is over (answered, or cancelled): nothing more is counted. An answer made after a cancel (a Send
         * completed by the thread that made it durable, after its client gave up) would otherwise be counted after
         * {@link #release} and stay counted for the connection's life.
         */
        private boolean over;
        private volatile boolean refused;

        Tally(ServerCall<Q, R> call, GrpcConnection connection) {
            super(call);
            this.connection = connection;
        }

        @Override
        public void sendMessage(R message) {
            long n = message instanceof MessageLite m ? m.getSerializedSize() : 0;
            boolean counted;
            synchronized (this) {
                if (over) { // cancelled while the answer was made: its client is gone, nothing to send or count
                    return;
                }
                counted = reserve(n);
                if (counted) {
                    bytes += n;
                }
            }
            if (!counted) {
                refused = true;
                super.close(GrpcChatService.status(ErrorCode.SERVER_BUSY, BUSY, List.of()),
                        GrpcChatService.trailers(ErrorCode.SERVER_BUSY, List.of()));
                return;
            }
            super.sendMessage(message);
        }

        /**
         * Counts {@code n} more unsent bytes on the connection, unless it is a large answer with no room
         * left: the test and the addition are one step, so answers written at once by many calls cannot
         * together pass the budget (they did, as a get-then-add: eight held where four fit).
         */
        private boolean reserve(long n) {
            if (n <= SMALL_ANSWER) {
                connection.unsentReplies.addAndGet(n);
                return true;
            }
            long now;
            do {
                now = connection.unsentReplies.get();
                if (now + n > UNSENT_REPLY_BUDGET) {
                    return false;
                }
            } while (!connection.unsentReplies.compareAndSet(now, now + n));
            return true;
        }

        @Override
        public void close(Status status, Metadata trailers) {
            if (!refused) {
                super.close(status, trailers);
            }
        }

        private void release() {
            long n;
            synchronized (this) {
                over = true;
                n = bytes;
                bytes = 0;
            }
            connection.unsentReplies.addAndGet(-n);
        }

        ServerCall.Listener<Q> releasing(ServerCall.Listener<Q> listener) {
            return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(listener) {
                @Override
                public void onComplete() {
                    release();
                    super.onComplete();
                }

                @Override
                public void onCancel() {
                    release();
                    super.onCancel();
                }
            };
        }
    }
}
