package org.wirechat.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The short version of scripts/crash-test: a few random SIGKILL points, checked exactly. */
class CrashRecoveryTest {
    @TempDir
    Path dir;

    @Test
    void nothingAcknowledgedIsLostAcrossRandomKills() throws Exception {
        long seed = new Random().nextLong();
        Random random = new Random(seed);
        for (int round = 1; round <= 2; round++) {
            CrashHarness.Result r = CrashHarness.round(round, dir, random);
            assertThat(r.problems()).as("%s (seed %d)", r, seed).isEmpty();
            assertThat(r.acknowledged()).as("traffic before the kill").isPositive();
            assertThat(r.lost()).isZero();
        }
    }
}
