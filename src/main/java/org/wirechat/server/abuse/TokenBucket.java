package org.wirechat.server.abuse;

/**
 * A token bucket: holds up to {@code capacity} tokens, refilled continuously at {@code perSecond}.
 * Time is passed in (nanoseconds), so tests need no clock. Not thread-safe: one owner, or callers that
 * serialise (e.g. inside {@code ConcurrentHashMap.compute}).
 */
public final class TokenBucket {
    private final double capacity;
    private final double perNano;
    private double tokens;
    private long last;

    public TokenBucket(double capacity, double perSecond, long nowNanos) {
        this.capacity = capacity;
        this.perNano = perSecond / 1e9;
        this.tokens = capacity;
        this.last = nowNanos;
    }

    private void refill(long now) {
        if (now > last) {
            tokens = Math.min(capacity, tokens + (now - last) * perNano);
            last = now;
        }
    }

    /** Takes a token if there is one: 0; otherwise takes nothing and returns the nanoseconds until one. */
    public long tryTake(long nowNanos) {
        refill(nowNanos);
        if (tokens >= 1) {
            tokens -= 1;
            return 0;
        }
        return (long) Math.ceil((1 - tokens) / perNano);
    }

    /** True once the bucket is full again: it remembers nothing worth keeping. */
    public boolean isFull(long nowNanos) {
        refill(nowNanos);
        return tokens >= capacity;
    }
}
