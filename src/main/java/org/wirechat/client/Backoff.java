package org.wirechat.client;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Exponential backoff with jitter between reconnection attempts: first, ×2 each time, up to max. The default
 * is capped low, as a phone app's is: after an outage of any length the next attempt is at most 4 s away, so a
 * client is back within that of the server's return (the jitter spreads many clients' attempts over 3.2–4 s).
 */
public record Backoff(Duration first, Duration max) {
    public static final Backoff DEFAULT = new Backoff(Duration.ofMillis(100), Duration.ofSeconds(4));

    public Backoff {
        if (first.isNegative() || first.isZero() || max.compareTo(first) < 0) {
            throw new IllegalArgumentException("backoff needs 0 < first <= max");
        }
    }

    /** The delay before attempt {@code n} (0-based), with up to 20 % random jitter. */
    public long delayMillis(int n) {
        return delay(n).toMillis();
    }

    /** The delay before attempt {@code n} (0-based): at most {@link #max}, with up to 20 % random jitter below. */
    public Duration delay(int n) {
        long base = first.toMillis() << Math.min(n, 20);
        long capped = Math.min(max.toMillis(), base <= 0 ? max.toMillis() : base);
        return Duration.ofMillis(capped - ThreadLocalRandom.current().nextLong(capped / 5 + 1));
    }
}
