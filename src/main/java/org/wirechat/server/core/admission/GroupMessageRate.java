package org.wirechat.server.core.admission;

import java.util.Locale;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Messages one account may send to one group: a token bucket per (account, group), so that one member
 * cannot flood every member's inbox at once. Buckets that have refilled completely are dropped now and then.
 */
public final class GroupMessageRate {
    private final ConcurrentHashMap<String, TokenBucket> buckets = new ConcurrentHashMap<>();
    private final AtomicInteger takes = new AtomicInteger();
    private final int perSecond;
    private final int burst;

    public GroupMessageRate(int perSecond, int burst) {
        this.perSecond = perSecond;
        this.burst = burst;
    }

    /** Takes one message from the account's allowance for the group: 0, or the milliseconds until one is free. */
    public long waitMillis(long accountId, String group, long nowNanos) {
        long[] wait = {0};
        buckets.compute(accountId + " " + group.toLowerCase(Locale.ROOT), (k, bucket) -> {
            TokenBucket b = bucket != null ? bucket : new TokenBucket(burst, perSecond, nowNanos);
            wait[0] = b.tryTake(nowNanos);
            return b;
        });
        if ((takes.incrementAndGet() & 1023) == 0) {
            buckets.values().removeIf(b -> b.isFull(nowNanos));
        }
        return (wait[0] + 999_999) / 1_000_000;
    }
}
