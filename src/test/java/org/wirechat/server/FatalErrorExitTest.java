package org.wirechat.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.wirechat.protocol.Request;
import org.wirechat.protocol.Response;

/**
 * Issue 33: an OutOfMemoryError killed the threads a server depends on and it stayed up answering nothing,
 * with no exit status for its supervisor. Now an Error escaping any thread ends {@code wirechat-server}
 * (its {@link ServerMain#run}) with status 70. On 843fc05 an Error outside the deadline sweep ended only
 * its own thread, and run never returned.
 */
@Timeout(60)
class FatalErrorExitTest {
    private static final Pattern LISTENING = Pattern.compile("listening on 127\\.0\\.0\\.1:(\\d+)");

    @TempDir
    Path dir;

    @Test
    void anErrorThatKillsAnyThreadEndsTheServerWithStatus70() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        CompletableFuture<Integer> status = new CompletableFuture<>();
        // a daemon: should run never return, the test fails on its wait and the JVM does not wait for it
        Thread.ofPlatform().daemon().name("wirechat-server main").start(() -> status.complete(ServerMain.run(
                new String[] {"--bind", "127.0.0.1", "--port", "0", "--data-dir", dir.resolve("data").toString()},
                new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8))));
        Await.until("the server listens", () -> LISTENING.matcher(out.toString(StandardCharsets.UTF_8)).find() || status.isDone());
        Matcher m = LISTENING.matcher(out.toString(StandardCharsets.UTF_8));
        assertThat(m.find()).as("started: %s %s", out, err).isTrue();
        try (TestConnection c = new TestConnection(new InetSocketAddress("127.0.0.1", Integer.parseInt(m.group(1))))) {
            c.ok(new Request.Ping(), Response.Pong.class);
        }
        Thread.ofPlatform().name("any-thread").start(() -> {
            throw new OutOfMemoryError("thrown to stand for any Error");
        }).join();
        assertThat(status.get(30, TimeUnit.SECONDS)).as("exit status").isEqualTo(ServerMain.EXIT_FATAL).isEqualTo(70);
    }
}
