package org.wirechat.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The short version of scripts/crash-test (20 rounds): one random SIGKILL point, checked exactly. One round,
 * not two: the server as a process is also SIGKILLed in the suite by ServerProcessTest, GroupCrashTest and
 * KillModelProperties, and a round took 20 s of the suite.
 */
@Timeout(180) // a kill round's traffic waits while it progresses (Await.progressing); a stall fails sooner
class CrashRecoveryTest {
    @TempDir
    Path dir;

    @Test
    void nothingAcknowledgedIsLostAcrossRandomKills() throws Exception {
        long seed = new Random().nextLong();
        Random random = new Random(seed);
        CrashHarness.Result r = CrashHarness.round(1, dir, random);
        assertThat(r.problems()).as("%s (seed %d)", r, seed).isEmpty();
        assertThat(r.acknowledged()).as("traffic before the kill").isPositive();
        assertThat(r.lost()).isZero();
    }
}
