package org.wirechat.server.core.admission;

import java.util.concurrent.ConcurrentHashMap;

/**
 * Per-address account creations (a token bucket per address, refilled at the hourly rate). An entry exists
 * only while its bucket is not full again. (Connections per address are counted by {@link Admission}.)
 */
public final class AddressLimits {
    private final ConcurrentHashMap<String, TokenBucket> creations = new ConcurrentHashMap<>();
    private final int creationsPerHour;

    public AddressLimits(AbuseLimits limits) {
        this.creationsPerHour = limits.accountsPerAddressPerHour();
    }

    /** Takes one account creation from the address's allowance: 0, or the milliseconds until one is free. */
    public long creationWaitMillis(String address, long nowNanos) {
        long[] wait = {0};
        creations.compute(address, (a, bucket) -> {
            TokenBucket b = bucket != null ? bucket : new TokenBucket(creationsPerHour, creationsPerHour / 3600.0, nowNanos);
            wait[0] = b.tryTake(nowNanos);
            return b;
        });
        return (wait[0] + 999_999) / 1_000_000;
    }

    /** Drops buckets that have refilled completely. */
    public void prune(long nowNanos) {
        creations.values().removeIf(b -> b.isFull(nowNanos));
    }
}
