package org.wirechat.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The systemd unit: hardened as docs/operations.md says, and valid to systemd where it can tell. */
@Timeout(60)
class DeployFilesTest {
    static final Path UNIT = Path.of("deploy", "wirechat.service");

    @Test
    void theUnitIsHardenedAndUsesAnAbsoluteDataDirectory() throws Exception {
        String unit = Files.readString(UNIT, StandardCharsets.UTF_8);
        assertThat(unit).contains("User=wirechat", "StateDirectory=wirechat", "ProtectSystem=strict", "NoNewPrivileges=yes",
                "Restart=on-failure", "--data-dir /var/lib/wirechat", "WIRECHAT_CONFIG=/etc/wirechat/wirechat.conf");
    }

    @Test
    void systemdAcceptsTheUnit() throws Exception {
        Path analyze = Path.of("/usr/bin/systemd-analyze");
        Assumptions.assumeTrue(Files.isExecutable(analyze), "systemd-analyze is not installed here: the unit is not verified");
        Process p = new ProcessBuilder(analyze.toString(), "verify", UNIT.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).as("systemd-analyze verify: %s", out).isZero();
        // it exits 0 even for a line it ignores, and says so naming the file and line
        assertThat(out).as("what systemd-analyze says of the unit").doesNotContain("wirechat.service:");
    }
}
