package org.wirechat.server.core.admission;

import java.util.concurrent.ConcurrentHashMap;

/**
 * Per-address limits: open connections, and account creations (a token bucket per address, refilled
 * at the hourly rate). Entries exist only while an address has connections open or a bucket not yet
 * full again.
 */
public final class AddressLimits {
    private final ConcurrentHashMap<String, Integer> connections = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, TokenBucket> creations = new ConcurrentHashMap<>();
    private final int maxConnections;
    private final int creationsPerHour;

    public AddressLimits(AbuseLimits limits) {
        this.maxConnections = limits.connectionsPerAddress();
        this.creationsPerHour = limits.accountsPerAddressPerHour();
    }

    /** Counts a new connection from the address; false (and nothing counted) if it has too many. */
    public boolean connect(String address) {
        boolean[] ok = {false};
        connections.compute(address, (a, n) -> {
            int open = n == null ? 0 : n;
            ok[0] = open < maxConnections;
            return ok[0] ? open + 1 : n;
        });
        return ok[0];
    }

    public void disconnect(String address) {
        connections.computeIfPresent(address, (a, n) -> n == 1 ? null : n - 1);
    }

    public int maxConnections() {
        return maxConnections;
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
