package org.wirechat.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.wirechat.protocol.Request;
import org.wirechat.protocol.Response;

/** {@code wirechat-server admin} against a running server: users, check, an online backup and its restore. */
@Timeout(60)
class AdminTest {
    @TempDir
    Path dir;
    ServerFixture fx;

    private record Run(int status, String out, String err) {
    }

    private Run admin(String... words) {
        return adminOn(dir.resolve("data"), words);
    }

    private Run adminOn(Path dataDir, String... words) {
        List<String> args = new ArrayList<>(List.of("admin", "--data-dir", dataDir.toString()));
        args.addAll(List.of(words));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = ServerMain.run(args.toArray(String[]::new), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @BeforeEach
    void start() {
        fx = new ServerFixture(dir.resolve("data"));
    }

    @AfterEach
    void stop() {
        fx.close();
    }

    @Test
    void usersAndCheckThroughTheSocketOnlyItsOwnerMayUse() throws Exception {
        try (TestConnection c = fx.connect()) {
            String alice = fx.register(c, "alice");
            fx.register(c, "bob");
            c.ok(ServerFixture.send(alice, "bob", "waiting for bob"), Response.Sent.class);
        }
        assertThat(Files.getPosixFilePermissions(dir.resolve("data").resolve(AdminServer.SOCKET_FILE)))
                .isEqualTo(PosixFilePermissions.fromString("rw-------"));
        Run list = admin("users", "list");
        assertThat(list.status()).isZero();
        assertThat(list.out()).contains("alice\tFull alice\t").contains("bob\tFull bob\t").contains("2 accounts");
        assertThat(admin("users", "list", "a*").out()).contains("alice").doesNotContain("bob");
        Run show = admin("users", "show", "BOB");
        assertThat(show.out()).contains("username: bob").contains("undelivered messages: 1");
        assertThat(admin("users", "show", "nobody")).satisfies(r -> {
            assertThat(r.status()).isEqualTo(1);
            assertThat(r.err()).contains("no such user: nobody");
        });
        assertThat(admin("check").out()).contains("the database is sound");

        // a new password: the old one and every login stop working, the new one works; nothing of it is logged
        Path pw = dir.resolve("new-password");
        Files.writeString(pw, "a brand new secret\n");
        String bobToken;
        try (TestConnection c = fx.connect()) {
            bobToken = fx.login(c, "bob");
        }
        ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> audit = new ch.qos.logback.core.read.ListAppender<>();
        audit.start();
        ch.qos.logback.classic.Logger auditLog = (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger("org.wirechat.audit");
        auditLog.addAppender(audit);
        Run reset = admin("users", "reset-password", "bob", "--password-file", pw.toString());
        assertThat(reset.status()).as(reset.err()).isZero();
        assertThat(reset.out()).contains("password of bob reset; 2 logins (tokens) revoked"); // at registration and just now
        try (TestConnection c = fx.connect()) {
            c.error(ServerFixture.fetch(bobToken, 0), org.wirechat.protocol.ErrorCode.NOT_AUTHENTICATED);
            c.error(new Request.Login("bob", ServerFixture.PASSWORD), org.wirechat.protocol.ErrorCode.BAD_CREDENTIALS);
            c.ok(new Request.Login("bob", "a brand new secret"), Response.LoggedIn.class);
        }
        Files.writeString(pw, "short\n");
        assertThat(admin("users", "reset-password", "bob", "--password-file", pw.toString()).err()).contains("8");

        // disabled: its logins revoked, its right password answered ACCOUNT_DISABLED (a wrong one still BAD_CREDENTIALS)
        String again;
        try (TestConnection c = fx.connect()) {
            again = c.ok(new Request.Login("bob", "a brand new secret"), Response.LoggedIn.class).token();
        }
        assertThat(admin("users", "disable", "bob").out()).contains("account bob disabled").contains("revoked");
        assertThat(admin("users", "show", "bob").out()).contains("disabled: yes");
        try (TestConnection c = fx.connect()) {
            c.error(ServerFixture.fetch(again, 0), org.wirechat.protocol.ErrorCode.NOT_AUTHENTICATED);
            c.error(new Request.Login("bob", "a brand new secret"), org.wirechat.protocol.ErrorCode.ACCOUNT_DISABLED);
            c.error(new Request.Login("bob", "not the password"), org.wirechat.protocol.ErrorCode.BAD_CREDENTIALS);
        }
        assertThat(admin("users", "enable", "bob").out()).contains("account bob enabled");
        auditLog.detachAppender(audit);
        assertThat(audit.list).extracting(e -> e.getKeyValuePairs().toString())
                .anySatisfy(kv -> assertThat(kv).contains("users reset-password bob"))
                .anySatisfy(kv -> assertThat(kv).contains("password_reset"))
                .anySatisfy(kv -> assertThat(kv).contains("account_disabled"))
                .anySatisfy(kv -> assertThat(kv).contains("account_enabled"))
                .allSatisfy(kv -> assertThat(kv).doesNotContain("a brand new secret"));
        try (TestConnection c = fx.connect()) {
            c.ok(new Request.Login("bob", "a brand new secret"), Response.LoggedIn.class);
        }

        // deleting: refused while bob has mail waiting (it would be lost); alice has none
        assertThat(admin("users", "delete", "bob").err()).contains("1 undelivered message(s): not deleted");
        assertThat(admin("users", "delete", "alice").out()).contains("account alice deleted");
        assertThat(admin("users", "list").out()).doesNotContain("alice").contains("1 account");
        assertThat(admin("frobnicate").status()).isEqualTo(1);
        fx.close();
        Run none = admin("users", "list");
        assertThat(none.status()).isEqualTo(2);
        assertThat(none.err()).contains("no server is running on");
    }

    /**
     * A backup taken while a client keeps sending holds every message acknowledged before it began; a
     * server started on its restore serves them, in order, each once.
     */
    @Test
    void anOnlineBackupHoldsEverythingAcknowledgedBeforeItAndRestores() throws Exception {
        AtomicBoolean sending = new AtomicBoolean(true);
        AtomicInteger acknowledged = new AtomicInteger();
        String alice;
        try (TestConnection setup = fx.connect()) {
            alice = fx.register(setup, "alice");
            fx.register(setup, "bob");
        }
        CompletableFuture<Void> sender = CompletableFuture.runAsync(() -> {
            try (TestConnection c = fx.connect()) {
                for (int i = 1; sending.get(); i++) {
                    c.ok(ServerFixture.send(alice, "bob", "m" + i), Response.Sent.class);
                    acknowledged.set(i);
                }
            }
        }, r -> Thread.ofVirtual().start(r));
        Await.until("some messages sent", () -> acknowledged.get() >= 200);
        int before = acknowledged.get();
        Path backup = dir.resolve("backup");
        Run done = admin("backup", backup.toString());
        assertThat(done.status()).as(done.err()).isZero();
        assertThat(done.out()).contains("backed up to " + backup);
        Await.until("more sent after the backup", () -> acknowledged.get() >= before + 100);
        sending.set(false);
        sender.join();
        assertThat(admin("backup", backup.toString()).err()).as("never over an existing one").contains("exists already");
        fx.close();

        Run restored = adminOn(dir.resolve("restored"), "restore", backup.toString());
        assertThat(restored.status()).as(restored.err()).isZero();
        assertThat(adminOn(dir.resolve("restored"), "restore", backup.toString()).err()).contains("holds data already");
        try (ServerFixture again = new ServerFixture(dir.resolve("restored")); TestConnection c = again.connect()) {
            String bob = again.login(c, "bob");
            List<String> got = new ArrayList<>();
            long ack = 0;
            while (true) {
                List<Response.Message> page = c.ok(new Request.Fetch(bob, ack, 1000, 0), Response.Messages.class).messages();
                if (page.isEmpty()) {
                    break;
                }
                page.forEach(m -> got.add(m.body()));
                ack = page.get(page.size() - 1).id();
            }
            assertThat(got.size()).isGreaterThanOrEqualTo(before);
            for (int i = 0; i < got.size(); i++) {
                assertThat(got.get(i)).isEqualTo("m" + (i + 1)); // in order, each once, none missing before the last
            }
        }
    }

    /** A connection to the administration socket that sends nothing, or only part of a request, is cut at the deadline. */
    @Test
    void anAdministrationConnectionThatSendsNothingOrStopsHalfwayIsCut() throws Exception {
        Path socketDir = Files.createDirectories(dir.resolve("socket-only"));
        java.time.Duration deadline = java.time.Duration.ofMillis(300);
        try (AdminServer server = new AdminServer(socketDir, words -> "did " + String.join(" ", words), deadline)) {
            for (String sent : new String[] {"", "users\nli"}) {
                try (java.nio.channels.SocketChannel c = java.nio.channels.SocketChannel.open(
                        java.net.UnixDomainSocketAddress.of(socketDir.resolve(AdminServer.SOCKET_FILE)))) {
                    c.write(java.nio.ByteBuffer.wrap(sent.getBytes(StandardCharsets.UTF_8)));
                    long started = System.nanoTime();
                    int read = c.read(java.nio.ByteBuffer.allocate(64)); // blocks until the server cuts the connection
                    assertThat(read).as("closed, no answer, after sending '%s'", sent).isEqualTo(-1);
                    assertThat(java.time.Duration.ofNanos(System.nanoTime() - started)).isGreaterThanOrEqualTo(deadline.minusMillis(50));
                }
            }
            assertThat(AdminServer.ask(socketDir, List.of("users", "list"))).as("a whole request is answered")
                    .containsExactly("OK", "did users list");
        }
    }
}
