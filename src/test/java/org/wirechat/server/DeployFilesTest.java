package org.wirechat.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import picocli.CommandLine;

/** The systemd unit and the package's files: hardened as docs/operations.md says, and valid where that can be told. */
@Timeout(60)
class DeployFilesTest {
    static final Path UNIT = Path.of("deploy", "wirechat-server.service");
    static final Path DEB = Path.of("deploy", "deb");

    @Test
    void theUnitIsHardenedAndUsesAnAbsoluteDataDirectory() throws Exception {
        String unit = Files.readString(UNIT, StandardCharsets.UTF_8);
        assertThat(unit).contains("User=wirechat", "StateDirectory=wirechat", "ProtectSystem=strict", "NoNewPrivileges=yes",
                "Restart=on-failure", "--data-dir /var/lib/wirechat", "WIRECHAT_CONFIG=/etc/wirechat/wirechat.conf", "LimitNOFILE=");
    }

    /** Its ExecStart was /usr/bin/java, Java 17 on Debian 12: the service restart-looped. */
    @Test
    void theUnitRunsThePackagesCommandNotTheSystemsJava() throws Exception {
        String unit = Files.readString(UNIT, StandardCharsets.UTF_8);
        assertThat(unit).contains("ExecStart=/usr/bin/wirechat-server ").doesNotContainPattern("(?m)^ExecStart=.*\\bjava\\b");
        String command = Files.readString(DEB.resolve("wirechat-server"), StandardCharsets.UTF_8);
        assertThat(command).contains("exec /opt/wirechat/bin/wirechat-server \"$@\"").doesNotContainPattern("(?m)^[^#]*\\bjava\\b");
    }

    @Test
    void systemdAcceptsTheUnit() throws Exception {
        Path analyze = Path.of("/usr/bin/systemd-analyze");
        Assumptions.assumeTrue(Files.isExecutable(analyze), "systemd-analyze is not installed here: the unit is not verified");
        Process p = new ProcessBuilder(analyze.toString(), "verify", UNIT.toString()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        List<String> complaints = out.lines().filter(l -> l.contains("wirechat-server.service")).toList();
        if (!Files.isExecutable(Path.of("/usr/bin/wirechat-server"))) {
            // the package is not installed here: its command is all systemd may miss (scripts/test-package verifies the
            // installed unit, command included)
            assertThat(complaints).as("systemd-analyze verify: %s", out)
                    .allMatch(l -> l.contains("Command /usr/bin/wirechat-server is not executable"));
            return;
        }
        assertThat(p.exitValue()).as("systemd-analyze verify: %s", out).isZero();
        // it exits 0 even for a line it ignores, and says so naming the file and line
        assertThat(complaints).as("what systemd-analyze says of the unit").isEmpty();
    }

    @Test
    void thePackagedSettingsAreAValidSettingsFileForTheServiceDirectory() throws Exception {
        Path conf = DEB.resolve("wirechat.conf");
        String[] args = {"--config", conf.toString()};
        ServerMain main = new ServerMain();
        CommandLine cl = new CommandLine(main).setCaseInsensitiveEnumValuesAllowed(true);
        cl.setDefaultValueProvider(ServerMain.Settings.from(args, Map.of(), cl));
        cl.parseArgs(args);
        ServerConfig config = main.config();
        assertThat(config.dataDir()).isEqualTo(Path.of("/var/lib/wirechat"));
        assertThat(config.bindAddress()).isEqualTo("127.0.0.1");
        assertThat(config.toBuilder().dataDir(ServerConfig.defaults().dataDir()).build()).isEqualTo(ServerConfig.defaults());
    }

    @Test
    void theMaintainerScriptsAndTheCommandAreExecutable() throws Exception {
        for (String f : new String[] {"postinst", "prerm", "postrm", "wirechat-server"}) {
            assertThat(Files.getPosixFilePermissions(DEB.resolve(f))).as(f).contains(PosixFilePermission.OWNER_EXECUTE,
                    PosixFilePermission.OTHERS_EXECUTE);
            assertThat(Files.readString(DEB.resolve(f), StandardCharsets.UTF_8)).as(f).startsWith("#!/bin/sh\n");
        }
        assertThat(Files.readString(DEB.resolve("postinst"), StandardCharsets.UTF_8))
                .contains("adduser --system", "install -d -o wirechat -g wirechat -m 0700 /var/lib/wirechat");
    }

    /** scripts/make-cert wrote its private key into the checkout, where git would commit it. */
    @Test
    void gitIgnoresTheKeyStoreAndItsPasswordThatMakeCertWrites() throws Exception {
        Assumptions.assumeTrue(Files.isDirectory(Path.of(".git")) || Files.isRegularFile(Path.of(".git")),
                "not a git checkout: nothing to commit a key to");
        for (String path : new String[] {"wirechat-tls/server.p12", "wirechat-tls/server.p12.password", "elsewhere/server.p12",
            "elsewhere/server.p12.password"}) {
            Process p;
            try {
                p = new ProcessBuilder("git", "check-ignore", "-q", path).redirectErrorStream(true).start();
            } catch (java.io.IOException e) {
                Assumptions.abort("git is not installed: " + e.getMessage());
                return;
            }
            assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(p.exitValue()).as("git check-ignore %s (0: ignored)", path).isZero();
        }
    }
}
