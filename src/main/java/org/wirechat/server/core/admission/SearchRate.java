package org.wirechat.server.core.admission;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Searches one account may make (SEARCH_MESSAGES, docs/security.md): a token bucket per account, whatever its
 * connections, since a search reads the full-text index over every message — far more than a page of HISTORY.
 * Buckets that have refilled completely are dropped now and then.
 */
public final class SearchRate {
    /** Searches a second an account may make, once its burst is spent. */
    public static final int PER_SECOND = 5;
    /** Searches an account may make at once (a person paging through results, a client searching as one types). */
    public static final int BURST = 20;

    private final ConcurrentHashMap<Long, TokenBucket> buckets = new ConcurrentHashMap<>();
    private final AtomicInteger takes = new AtomicInteger();

    /** Takes one search from the account's allowance: 0, or the milliseconds until one is free. */
    public long waitMillis(long accountId, long nowNanos) {
        long[] wait = {0};
        buckets.compute(accountId, (k, bucket) -> {
            TokenBucket b = bucket != null ? bucket : new TokenBucket(BURST, PER_SECOND, nowNanos);
            wait[0] = b.tryTake(nowNanos);
            return b;
        });
        if ((takes.incrementAndGet() & 1023) == 0) {
            buckets.values().removeIf(b -> b.isFull(nowNanos));
        }
        return (wait[0] + 999_999) / 1_000_000;
    }
}
