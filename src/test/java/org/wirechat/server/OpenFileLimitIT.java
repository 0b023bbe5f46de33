package org.wirechat.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;
import org.wirechat.protocol.Request;
import org.wirechat.protocol.Response;

/** The server jar under a low {@code ulimit -n}: one WARN at startup with both numbers and the fix, then it serves. */
@Timeout(120)
@EnabledOnOs(OS.LINUX)
class OpenFileLimitIT {
    @TempDir
    Path dir;

    @Test
    void aServerAllowedMoreConnectionsThanOpenFilesSaysSoOnceAtStartup() throws Exception {
        Path jar = Path.of("target", "wirechat-server.jar");
        try (ServerProcess server = ServerProcess.fromJarWithFileLimit(jar, 400, dir.resolve("low"), dir.resolve("low.log"),
                "--max-connections", "1000");
                TestConnection c = new TestConnection(server.address)) {
            c.ok(new Request.Ping(), Response.Pong.class);
            assertThat(server.logText().lines().filter(l -> l.contains("open-file limit")).toList()).singleElement()
                    .satisfies(l -> assertThat(l).contains("WARN", "(ulimit -n) is 400,", "--max-connections 1000",
                            "LimitNOFILE=" + (1000 + OpenFileLimit.HEADROOM)));
        }
        try (ServerProcess server = ServerProcess.fromJarWithFileLimit(jar, 400, dir.resolve("enough"), dir.resolve("enough.log"),
                "--max-connections", String.valueOf(400 - OpenFileLimit.HEADROOM));
                TestConnection c = new TestConnection(server.address)) {
            c.ok(new Request.Ping(), Response.Pong.class);
            assertThat(server.logText()).doesNotContain("open-file limit");
        }
    }
}
