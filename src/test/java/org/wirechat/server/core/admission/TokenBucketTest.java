package org.wirechat.server.core.admission;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The bucket's arithmetic, and (issue 33) that callers racing on one bucket never get more than it holds. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class TokenBucketTest {
    private static final long T0 = 1_000_000_000L;
    private static final long SECOND = Duration.ofSeconds(1).toNanos();

    @Test
    void takesWhatItHoldsThenSaysHowLongToWait() {
        TokenBucket b = new TokenBucket(3, 2, T0); // 2 a second: one every half second
        assertThat(b.isFull(T0)).isTrue();
        for (int i = 0; i < 3; i++) {
            assertThat(b.tryTake(T0)).isZero();
        }
        assertThat(b.tryTake(T0)).isEqualTo(SECOND / 2);
        assertThat(b.tryTake(T0 + SECOND / 4)).as("half a token back").isEqualTo(SECOND / 4);
        assertThat(b.tryTake(T0 + SECOND / 2)).isZero();
        assertThat(b.isFull(T0 + SECOND / 2)).isFalse();
        assertThat(b.isFull(T0 + 2 * SECOND)).as("refilled, never past its capacity").isTrue();
        for (int i = 0; i < 3; i++) {
            assertThat(b.tryTake(T0 + 10 * SECOND)).isZero();
        }
        assertThat(b.tryTake(T0 + 10 * SECOND)).isPositive();
    }

    @Test
    void anOlderClockReadingRefillsNothing() {
        TokenBucket b = new TokenBucket(1, 1, T0);
        assertThat(b.tryTake(T0 + SECOND)).isZero();
        assertThat(b.tryTake(T0)).as("a reading from before the last one").isEqualTo(SECOND);
    }

    /**
     * Issue 33: shared by a gRPC connection's concurrent calls, the bucket handed out 1.05–1.84× its
     * tokens from 2–16 threads. With the clock fixed no token comes back, so exactly {@code capacity}
     * of the takes may succeed, however they interleave.
     */
    @RepeatedTest(50)
    void racingCallersTakeExactlyTheCapacity() throws Exception {
        int capacity = 200_000; // enough takes that the threads overlap, not one after the other
        int threads = 8;
        int triesEach = 50_000; // 400,000 tries for 200,000 tokens
        TokenBucket b = new TokenBucket(capacity, 1, T0);
        CountDownLatch gate = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<Integer>> taken = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                taken.add(pool.submit(() -> {
                    gate.await();
                    int n = 0;
                    for (int i = 0; i < triesEach; i++) {
                        if (b.tryTake(T0) == 0) {
                            n++;
                        }
                    }
                    return n;
                }));
            }
            gate.countDown();
            int total = 0;
            for (Future<Integer> f : taken) {
                total += f.get();
            }
            assertThat(total).as("tokens handed out").isEqualTo(capacity);
            assertThat(b.tryTake(T0)).as("the wait once empty").isEqualTo(SECOND);
        } finally {
            pool.shutdownNow();
        }
    }
}
