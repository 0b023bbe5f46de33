package org.wirechat.client;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/** Exponential backoff with jitter between reconnection attempts: first, ×2 each time, up to max. */
public record Backoff(Duration first, Duration max) {
    public static final Backoff DEFAULT = new Backoff(Duration.ofMillis(100), Duration.ofSeconds(5));

    public Backoff {
        if (first.isNegative() || first.isZero() || max.compareTo(first) < 0) {
            throw new IllegalArgumentException("backoff needs 0 < first <= max");
        }
    }

    /** The delay before attempt {@code n} (0-based), with up to 20 % random jitter. */
    public long delayMillis(int n) {
        long base = first.toMillis() << Math.min(n, 20);
        long capped = Math.min(max.toMillis(), base <= 0 ? max.toMillis() : base);
        return capped - ThreadLocalRandom.current().nextLong(capped / 5 + 1);
    }
}
