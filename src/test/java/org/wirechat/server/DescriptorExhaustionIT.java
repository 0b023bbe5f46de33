package org.wirechat.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;
import org.junit.jupiter.api.io.TempDir;
import org.wirechat.protocol.Request;
import org.wirechat.protocol.Response;

/**
 * The server jar, as deployed, run with few file descriptors and flooded with connections. (Run from
 * the jar: run from a directory of classes, a server out of descriptors cannot even load a class.)
 */
class DescriptorExhaustionIT {
    @TempDir
    Path dir;

    /**
     * Out of file descriptors, the accept loop once spun and wrote 1.6 million lines in 10 s. Now it backs
     * off and logs once a minute; connections already open are served, and once descriptors free up it
     * accepts again by itself.
     */
    @Test
    @EnabledOnOs(OS.LINUX)
    void runningOutOfFileDescriptorsLogsAFewLinesAndTheServerRecovers() throws Exception {
        Path log = dir.resolve("server.log");
        Path jar = Path.of("target", "wirechat-server.jar");
        assertThat(jar).exists();
        try (ServerProcess server = ServerProcess.fromJarWithFileLimit(jar, 300, dir.resolve("data"), log,
                "--max-connections-per-address", "100000")) {
            TestConnection before = new TestConnection(server.address);
            before.ok(new Request.Ping(), Response.Pong.class);
            List<Socket> flood = new ArrayList<>();
            try {
                for (int i = 0; i < 400; i++) { // the kernel completes these in the backlog even when accept cannot
                    Socket s = new Socket();
                    s.connect(server.address, 5_000);
                    flood.add(s);
                }
                Await.until("the server runs out of descriptors", () -> server.logText().contains("accepting connections fails"));
                long until = System.nanoTime() + Duration.ofSeconds(3).toNanos(); // three seconds out of descriptors
                while (System.nanoTime() < until) {
                    LockSupport.parkNanos(100_000_000);
                }
                before.ok(new Request.Ping(), Response.Pong.class); // a connection already open is still served
            } finally {
                for (Socket s : flood) {
                    s.close();
                }
            }
            try {
                Await.until("the server accepts again", () -> {
                    try (TestConnection after = new TestConnection(server.address)) {
                        return after.call(new Request.Ping()) instanceof Response.Pong;
                    } catch (RuntimeException | AssertionError e) {
                        return false;
                    }
                });
            } catch (AssertionError e) {
                throw new AssertionError(e.getMessage() + "; the server's log:\n" + server.logText(), e);
            }
            before.close();
            long lines = Files.readAllLines(log).stream().filter(l -> l.contains("accepting connections fails")).count();
            assertThat(lines).as("accept failure lines in the log:%n%s", server.logText()).isBetween(1L, 2L);
            assertThat(Files.size(log)).as("log size").isLessThan(64 * 1024);
        }
    }

}
