package org.wirechat.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The short version of scripts/fuzz-server. */
class LiveFuzzTest {
    @TempDir
    Path dir;

    @Test
    void hostileConnectionsNeitherHurtHonestUsersNorTheServer() throws Exception {
        long seed = System.nanoTime();
        ServerFuzzer.Result r = ServerFuzzer.run(dir, Duration.ofSeconds(5), 16, seed);
        assertThat(r.problems()).as("%s (seed %d)", r, seed).isEmpty();
        assertThat(r.honestSent()).isPositive();
        assertThat(r.attackConnections()).isPositive();
    }
}
