package org.wirechat.server.grpc;

import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallExecutorSupplier;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.LongAdder;
import org.wirechat.grpc.v1.ChatGrpc;
import org.wirechat.server.grpc.GrpcTransport.GrpcConnection;

/**
 * Where each call's callbacks run. By default on a virtual thread of {@code calls} (a call may block: a Fetch waits
 * for mail, a Login for its password's hash, most operations read the store). The calls that make up nearly all of a
 * busy client's traffic — Send and Ack — never block in the core: their checks are in memory and their work is
 * queued to the store's writer, their answer made once it is durable on another thread
 * ({@link GrpcChatService#answerWhenDone}). Those run at once on the connection's event loop instead, sparing each the
 * hops to and from a new virtual thread (what that saves: docs/benchmarks.md, "Issue 29"), provided their connection's token memo already knows the call's token: otherwise the check could read the store
 * (a token this server has not seen, or one revoked), and the call goes to a virtual thread as any other.
 *
 * <p>The one read left on the event loop: a known token found expired when used is looked up once in the store, in
 * case another server sharing it extended it — once a token's life, and then it is no longer known.
 */
final class CallThreads implements ServerCallExecutorSupplier {
    /** The methods that never block in the core (docs/grpc.md): their checks are in memory, their work queued. */
    static final Set<String> NON_BLOCKING = Set.of(ChatGrpc.getSendMethod().getFullMethodName(),
            ChatGrpc.getAckMethod().getFullMethodName());

    private final Executor calls;
    private final LongAdder onEventLoop = new LongAdder();

    CallThreads(Executor calls) {
        this.calls = calls;
    }

    /** Null: the call stays on the event loop that read it; else the executor it runs on. */
    @Override
    public <Q, R> Executor getExecutor(ServerCall<Q, R> call, Metadata headers) {
        if (onEventLoop(call, headers)) {
            onEventLoop.increment();
            return null;
        }
        return calls;
    }

    /** Calls run on their event loop so far. */
    long onEventLoop() {
        return onEventLoop.sum();
    }

    static boolean onEventLoop(ServerCall<?, ?> call, Metadata headers) {
        if (!NON_BLOCKING.contains(call.getMethodDescriptor().getFullMethodName())) {
            return false;
        }
        GrpcConnection c = call.getAttributes().get(GrpcTransport.CONNECTION);
        String token = CallGate.bearer(headers);
        return c != null && !token.isEmpty() && c.tokens.knows(token);
    }
}
