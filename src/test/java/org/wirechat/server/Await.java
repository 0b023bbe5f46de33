package org.wirechat.server;

import java.time.Duration;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/** Polls a condition with a deadline (never a fixed sleep): returns as soon as it holds. */
public final class Await {
    private static final Duration DEADLINE = Duration.ofSeconds(30);

    private Await() {
    }

    public static void until(String what, BooleanSupplier condition) {
        until(() -> what, condition);
    }

    /** The same, with what it waited for said when it times out (so it can tell the state then). */
    public static void until(Supplier<String> what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + DEADLINE.toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out after " + DEADLINE + " waiting for: " + what.get());
            }
            LockSupport.parkNanos(1_000_000);
        }
    }

    /**
     * Waits until {@code count} reaches {@code target}, for as long as it keeps growing: fails only when it has
     * not grown for the deadline. For work whose total time depends on the machine's load (hundreds of
     * messages through a loaded server), where a stall is the failure, not slowness; the test's own
     * {@code @Timeout} bounds the whole.
     */
    public static void progressing(String what, LongSupplier count, long target) {
        long seen = count.getAsLong();
        long deadline = System.nanoTime() + DEADLINE.toNanos();
        while (seen < target) {
            long now = count.getAsLong();
            if (now > seen) {
                seen = now;
                deadline = System.nanoTime() + DEADLINE.toNanos();
            } else if (System.nanoTime() > deadline) {
                throw new AssertionError("no progress for " + DEADLINE + " at " + seen + " of " + target + ": " + what);
            }
            LockSupport.parkNanos(1_000_000);
        }
    }
}
