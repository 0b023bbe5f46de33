package org.wirechat.server.core.admission;

import java.util.concurrent.atomic.AtomicReference;

/**
 * A token bucket: holds up to {@code capacity} tokens, refilled continuously at {@code perSecond}.
 * Time is passed in (nanoseconds), so tests need no clock. Thread-safe: the gRPC transport shares one
 * bucket across a connection's concurrent calls, so the state (tokens and when they were counted) is one
 * immutable value swapped by compare-and-set — a token is taken only by the caller whose swap succeeds,
 * so concurrent callers never hand out more than the bucket holds. No lock: no carrier thread pinned,
 * no waiting behind a descheduled holder.
 */
public final class TokenBucket {
    private final double capacity;
    private final double perNano;
    private final AtomicReference<State> state;

    /** The tokens at {@code at} (nanoseconds). */
    private record State(double tokens, long at) {
    }

    public TokenBucket(double capacity, double perSecond, long nowNanos) {
        this.capacity = capacity;
        this.perNano = perSecond / 1e9;
        this.state = new AtomicReference<>(new State(capacity, nowNanos));
    }

    /** The state refilled up to {@code now}; a {@code now} before the state's time (another thread's older clock reading) refills nothing. */
    private State refilled(State s, long now) {
        return now > s.at() ? new State(Math.min(capacity, s.tokens() + (now - s.at()) * perNano), now) : s;
    }

    /** Takes a token if there is one: 0; otherwise takes nothing and returns the nanoseconds until one. */
    public long tryTake(long nowNanos) {
        while (true) {
            State current = state.get();
            State now = refilled(current, nowNanos);
            if (now.tokens() < 1) {
                return (long) Math.ceil((1 - now.tokens()) / perNano);
            }
            if (state.compareAndSet(current, new State(now.tokens() - 1, now.at()))) {
                return 0;
            }
        }
    }

    /** True once the bucket is full again: it remembers nothing worth keeping. */
    public boolean isFull(long nowNanos) {
        return refilled(state.get(), nowNanos).tokens() >= capacity;
    }
}
