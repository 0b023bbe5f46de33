package org.wirechat.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** One round of {@link MultiNodeCrashHarness} in the suite; {@code scripts/crash-test --postgresql} runs many. */
@Timeout(180) // a kill round's traffic waits while it progresses (Await.progressing); a stall fails sooner
class MultiNodeCrashTest {
    @TempDir
    Path dir;

    @Test
    void killingServersMidTrafficLosesNothingAcknowledged() throws Exception {
        long seed = System.nanoTime();
        MultiNodeCrashHarness.Result result = MultiNodeCrashHarness.round(1, dir, new Random(seed));
        System.err.println(result + " (seed " + seed + ")");
        assertThat(result.problems()).as("problems, seed %d", seed).isEmpty();
        assertThat(result.delivered()).isEqualTo(result.acknowledged());
    }
}
