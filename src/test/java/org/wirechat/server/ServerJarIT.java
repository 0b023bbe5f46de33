package org.wirechat.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.wirechat.server.ServerFixture.PASSWORD;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.wirechat.protocol.Request;
import org.wirechat.protocol.Response;

/** The shaded server jar, started with java -jar as a user would, serves a whole conversation. */
class ServerJarIT {
    @TempDir
    Path dir;

    @Test
    void theServerJarRunsAndStopsCleanly() throws Exception {
        Path jar = Path.of("target", "wirechat-server.jar");
        assertThat(jar).exists();
        try (ServerProcess server = ServerProcess.fromJar(jar, dir.resolve("data"), dir.resolve("server.log"));
                TestConnection c = new TestConnection(server.address)) {
            c.ok(new Request.CreateAccount("alice", "Alice", PASSWORD), Response.AccountCreated.class);
            String token = c.ok(new Request.Login("alice", PASSWORD), Response.LoggedIn.class).token();
            c.ok(ServerFixture.send(token, "alice", "hello from the jar"), Response.Sent.class);
            assertThat(c.ok(ServerFixture.fetch(token, 0), Response.Messages.class).messages())
                    .extracting(Response.Message::body).containsExactly("hello from the jar");
            server.terminate();
            // Logback was found in the shaded jar (the services transformer), and logged the lifecycle.
            assertThat(server.logText()).contains("wirechat listening on").contains("stopped")
                    .doesNotContain("SLF4J(W)").doesNotContain("ERROR");
        }
        assertThat(Files.exists(dir.resolve("data").resolve("wirechat.db"))).isTrue();
    }
}
