package org.wirechat.server.grpc;

import io.grpc.ForwardingServerCallListener;
import io.grpc.ServerCall;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import org.wirechat.protocol.ErrorCode;

/**
 * The request message's deadline: a call whose HEADERS came without its first message is cancelled
 * (UNAVAILABLE, {@code IDLE_TIMEOUT}) once {@code --first-frame-timeout} has passed, as a wire connection
 * that sends nothing after connecting is closed. No timer per call: a call waiting for its message is in
 * a set, and the server's deadline sweep ({@link #expire}, every 100 ms) closes the overdue ones; a call
 * leaves the set when its message comes (almost always at once: HEADERS and DATA usually arrive together).
 */
final class RequestDeadlines {
    private final long timeoutNanos;
    private final Set<Pending> waiting = ConcurrentHashMap.newKeySet();
    private final AtomicInteger expired = new AtomicInteger();

    RequestDeadlines(Duration timeout) {
        this.timeoutNanos = timeout.toNanos();
    }

    /** Calls cancelled for want of their request message, since the start. */
    int expired() {
        return expired.get();
    }

    /** Calls waiting for their request message now. */
    int waiting() {
        return waiting.size();
    }

    /** Watches the call's first message: the returned listener is {@code listener}, cut off if the call expires. */
    <Q, R> ServerCall.Listener<Q> watch(ServerCall<Q, R> call, ServerCall.Listener<Q> listener, long nowNanos) {
        Pending p = new Pending(call, nowNanos + timeoutNanos);
        waiting.add(p);
        return new ForwardingServerCallListener.SimpleForwardingServerCallListener<>(listener) {
            @Override
            public void onMessage(Q message) {
                if (p.settle()) {
                    super.onMessage(message);
                }
            }

            @Override
            public void onHalfClose() {
                if (p.settle()) {
                    super.onHalfClose();
                }
            }

            @Override
            public void onReady() {
                if (p.state.get() != EXPIRED) {
                    super.onReady();
                }
            }

            @Override
            public void onCancel() {
                p.settle();
                super.onCancel();
            }

            @Override
            public void onComplete() {
                p.settle();
                super.onComplete();
            }
        };
    }

    /** Closes every call whose request message is overdue at {@code nowNanos}. */
    void expire(long nowNanos) {
        for (Pending p : waiting) {
            if (nowNanos - p.deadline >= 0 && p.state.compareAndSet(WAITING, EXPIRED)) {
                waiting.remove(p);
                expired.incrementAndGet();
                // the call's listener never saw anything and never will (settle() is false now): no one else uses the call
                p.call.close(GrpcChatService.status(ErrorCode.IDLE_TIMEOUT, "the request message did not come in time",
                        List.of()), GrpcChatService.trailers(ErrorCode.IDLE_TIMEOUT, List.of()));
            }
        }
    }

    private static final int WAITING = 0;
    private static final int SETTLED = 1;
    private static final int EXPIRED = 2;

    private final class Pending {
        final ServerCall<?, ?> call;
        final long deadline;
        final AtomicInteger state = new AtomicInteger(WAITING);

        Pending(ServerCall<?, ?> call, long deadline) {
            this.call = call;
            this.deadline = deadline;
        }

        /** The call goes on (its message came, or it ended): true unless it has expired. */
        boolean settle() {
            if (state.get() == WAITING && state.compareAndSet(WAITING, SETTLED)) {
                waiting.remove(this);
                return true;
            }
            return state.get() == SETTLED;
        }
    }
}
