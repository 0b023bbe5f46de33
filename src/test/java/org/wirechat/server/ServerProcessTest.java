package org.wirechat.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.wirechat.server.ServerFixture.PASSWORD;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.wirechat.protocol.Request;
import org.wirechat.protocol.Response;

class ServerProcessTest {
    @TempDir
    Path dir;

    @Test
    void sigkillLosesNoAcknowledgedMessage() throws Exception {
        Path data = dir.resolve("data");
        List<Long> acknowledged = new ArrayList<>();
        try (ServerProcess server = new ServerProcess(data, dir.resolve("run1.log"));
                ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            String alice;
            try (TestConnection c = new TestConnection(server.address)) {
                c.ok(new Request.CreateAccount("alice", "Alice", PASSWORD), Response.AccountCreated.class);
                c.ok(new Request.CreateAccount("bob", "Bob", PASSWORD), Response.AccountCreated.class);
                alice = c.ok(new Request.Login("alice", PASSWORD), Response.LoggedIn.class).token();
            }
            TestConnection sender = new TestConnection(server.address);
            // keep sending until the kill; record each acknowledged id
            CompletableFuture<Void> sending = CompletableFuture.runAsync(() -> {
                try {
                    for (int i = 0; ; i++) {
                        Response r = sender.call(new Request.Send(alice, "bob", UUID.randomUUID().toString(), "m" + i));
                        synchronized (acknowledged) {
                            acknowledged.add(((Response.Sent) r).messageId());
                        }
                    }
                } catch (RuntimeException | AssertionError e) {
                    // the server died mid-request: that send was not acknowledged
                }
            }, threads);
            Await.until("200 sends acknowledged", () -> {
                synchronized (acknowledged) {
                    return acknowledged.size() >= 200;
                }
            });
            server.kill();
            sending.get();
            sender.close();
        }
        List<Long> acked;
        synchronized (acknowledged) {
            acked = List.copyOf(acknowledged);
        }
        try (ServerProcess again = new ServerProcess(data, dir.resolve("run2.log"));
                TestConnection c = new TestConnection(again.address)) {
            String bob = c.ok(new Request.Login("bob", PASSWORD), Response.LoggedIn.class).token();
            List<Long> delivered = new ArrayList<>();
            long ack = 0;
            while (true) {
                List<Response.Message> batch = c.ok(new Request.Fetch(bob, ack, 1000, 0), Response.Messages.class).messages();
                if (batch.isEmpty()) {
                    break;
                }
                batch.forEach(m -> delivered.add(m.id()));
                ack = batch.get(batch.size() - 1).id();
            }
            assertThat(delivered).as("every acknowledged message, in order").startsWith(acked.toArray(Long[]::new));
            assertThat(delivered.size() - acked.size()).as("at most the one send in flight at the kill").isBetween(0, 1);
        }
    }

    @Test
    void sigtermStopsGracefullyAndTheDataIsIntact() throws Exception {
        Path data = dir.resolve("data");
        try (ServerProcess server = new ServerProcess(data, dir.resolve("run1.log"))) {
            try (TestConnection c = new TestConnection(server.address)) {
                c.ok(new Request.CreateAccount("alice", "Alice", PASSWORD), Response.AccountCreated.class);
            }
            server.terminate();
            assertThat(server.logText()).contains("stopped").doesNotContain("ERROR").doesNotContain(PASSWORD);
        }
        try (ServerProcess again = new ServerProcess(data, dir.resolve("run2.log"));
                TestConnection c = new TestConnection(again.address)) {
            c.ok(new Request.Login("alice", PASSWORD), Response.LoggedIn.class);
        }
    }

    @Test
    void aSecondServerOnTheSameDataDirectoryIsRefused() throws Exception {
        try (ServerFixture fx = new ServerFixture(dir)) {
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            int status = ServerMain.run(new String[] {"--port", "0", "--data-dir", dir.toString()},
                    new PrintStream(new ByteArrayOutputStream()), new PrintStream(err, true, StandardCharsets.UTF_8));
            assertThat(status).isEqualTo(1);
            assertThat(err.toString(StandardCharsets.UTF_8)).contains("in use by another wirechat server");
        }
    }

    @Test
    void helpListsEveryOptionAndBadOptionsAreRefused() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
        PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8);
        assertThat(ServerMain.run(new String[] {"--help"}, o, e)).isZero();
        assertThat(out.toString(StandardCharsets.UTF_8)).contains("--port", "--bind", "--data-dir", "--max-connections",
                "--first-frame-timeout", "--idle-timeout", "--token-idle", "--token-max", "--max-frame-bytes",
                "--max-message-chars", "--inbox-capacity", "--max-fetch-wait", "--password-iterations", "--retention",
                "--shutdown-grace");
        assertThat(ServerMain.run(new String[] {"--idle-timeout", "ten"}, o, e)).isEqualTo(2);
        assertThat(ServerMain.run(new String[] {"--max-message-chars", "1001", "--data-dir", dir.toString()}, o, e)).isEqualTo(2);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("'ten' is not a duration").contains("max message length");
    }
}
