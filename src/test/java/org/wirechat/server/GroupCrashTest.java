package org.wirechat.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The short version of {@code scripts/crash-test --groups}: a group of 50 members × 2 devices across a SIGKILL, on
 * SQLite. PostgreSQL's round (the kill of one of two servers) is {@code scripts/crash-test --groups --postgresql},
 * which {@code .ci/run} runs after the suite.
 */
@Timeout(300)
class GroupCrashTest {
    @TempDir
    Path dir;

    @Test
    void everyDeviceOfEveryMemberGetsEveryGroupMessageOnceInOrderAcrossAKill() throws Exception {
        check(false);
    }

    private void check(boolean postgres) throws Exception {
        long seed = new Random().nextLong();
        GroupCrashHarness.Result r = GroupCrashHarness.round(1, dir, new Random(seed), postgres);
        assertThat(r.problems()).as("%s (seed %d)", r, seed).isEmpty();
        assertThat(r.acknowledged()).as("group messages before the kill").isPositive();
        assertThat(r.delivered()).as("every acknowledged message on all %d devices but the one that sent it", GroupCrashHarness.EVERYWHERE).isEqualTo(r.acknowledged());
    }
}
