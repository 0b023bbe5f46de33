package org.wirechat.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.wirechat.protocol.Request;
import org.wirechat.protocol.Response;
import org.wirechat.server.data.StoppedStore;

/**
 * Backups carry a manifest that restore and check verify: a backup missing its log segments, with a
 * changed file, or that is not a backup at all (a data directory, a copy of a live one) is refused before
 * anything is written, with an exit status that says which; check and backup work on a stopped server's
 * data directory, under the lock a server takes.
 */
@Timeout(60)
class BackupRestoreTest {
    @TempDir
    Path dir;

    private record Run(int status, String out, String err) {
    }

    private static Run admin(Path dataDir, String... words) {
        List<String> args = new ArrayList<>(List.of("admin", "--data-dir", dataDir.toString()));
        args.addAll(List.of(words));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = ServerMain.run(args.toArray(String[]::new), new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new Run(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    private Path data() {
        return dir.resolve("data");
    }

    /** A server on data/ with {@code n} messages from alice waiting for bob; returns it running. */
    private ServerFixture serverWithMessages(int n) {
        ServerFixture fx = new ServerFixture(data());
        try (TestConnection c = fx.connect()) {
            String alice = fx.register(c, "alice");
            fx.register(c, "bob");
            for (int i = 1; i <= n; i++) {
                c.ok(ServerFixture.send(alice, "bob", "m" + i), Response.Sent.class);
            }
        }
        return fx;
    }

    private static List<Path> segments(Path d) throws IOException {
        try (Stream<Path> s = Files.list(d.resolve("log"))) {
            return s.filter(p -> p.toString().endsWith(".seg")).sorted().toList();
        }
    }

    private static List<String> bodiesFor(ServerFixture fx, String user) {
        try (TestConnection c = fx.connect()) {
            String token = fx.login(c, user);
            return c.ok(new Request.Fetch(token, 0, 1000, 0), Response.Messages.class).messages().stream()
                    .map(Response.Message::body).toList();
        }
    }

    @Test
    void aRestoreOfABackupMissingItsLogSegmentsIsRefusedAndWritesNothing() throws Exception {
        Path backup = dir.resolve("backup");
        try (ServerFixture fx = serverWithMessages(30)) {
            assertThat(admin(data(), "backup", backup.toString()).status()).isZero();
        }
        assertThat(segments(backup)).isNotEmpty();
        for (Path p : segments(backup)) {
            Files.delete(p);
        }
        Path target = dir.resolve("restored");
        Run r = admin(target, "restore", backup.toString());
        assertThat(r.status()).as(r.out() + r.err()).isEqualTo(3);
        assertThat(r.err()).contains("damaged or incomplete").contains(".seg is missing").contains("Nothing was restored")
                .doesNotContain("Exception");
        assertThat(target.resolve("wirechat.db")).doesNotExist();
        Run check = admin(data(), "check", backup.toString());
        assertThat(check.status()).isEqualTo(3);
        assertThat(check.err()).contains(".seg is missing");
    }

    @Test
    void aDataDirectoryOrACopyOfALiveOneIsNotABackup() throws Exception {
        Path snapshot = dir.resolve("snapshot");
        try (ServerFixture fx = serverWithMessages(5)) {
            Files.createDirectories(snapshot.resolve("log"));
            try (Stream<Path> s = Files.walk(data())) { // as a crash snapshot or a careless cp -r would have it
                for (Path p : s.filter(Files::isRegularFile).toList()) {
                    Files.copy(p, snapshot.resolve(data().relativize(p)));
                }
            }
        }
        for (Path src : List.of(snapshot, data())) {
            Path target = dir.resolve("restored-" + src.getFileName());
            Run r = admin(target, "restore", src.toString());
            assertThat(r.status()).as(r.out() + r.err()).isEqualTo(4);
            assertThat(r.err()).contains("is not a backup made by 'wirechat-server admin backup'")
                    .contains("data directory").doesNotContain("Exception");
            assertThat(target.resolve("wirechat.db")).doesNotExist();
        }
    }

    @Test
    void aChangedFileFailsItsChecksumAndAStoppedServerIsCheckedBackedUpAndRestored() throws Exception {
        try (ServerFixture fx = serverWithMessages(12)) {
            fx.close();
            Run check = admin(data(), "check");
            assertThat(check.status()).as(check.err()).isZero();
            assertThat(check.out()).contains("schema version").contains("highest message id 12").contains("the data directory is sound");

            Path backup = dir.resolve("offline-backup");
            Run b = admin(data(), "backup", backup.toString());
            assertThat(b.status()).as(b.err()).isZero();
            assertThat(b.out()).contains("highest message id 12").contains("manifest");
            Run whole = admin(data(), "check", backup.toString());
            assertThat(whole.status()).as(whole.err()).isZero();
            assertThat(whole.out()).contains("the backup is whole");

            Path damaged = dir.resolve("damaged-backup");
            assertThat(admin(data(), "backup", damaged.toString()).status()).isZero();
            Path seg = segments(damaged).get(0);
            byte[] bytes = Files.readAllBytes(seg);
            bytes[bytes.length / 2] ^= 1;
            Files.write(seg, bytes);
            Run r = admin(dir.resolve("restored-damaged"), "restore", damaged.toString());
            assertThat(r.status()).isEqualTo(3);
            assertThat(r.err()).contains("does not match its SHA-256 checksum");

            Path target = dir.resolve("restored");
            Run restored = admin(target, "restore", backup.toString());
            assertThat(restored.status()).as(restored.err()).isZero();
            try (ServerFixture again = new ServerFixture(target)) {
                assertThat(bodiesFor(again, "bob")).hasSize(12).startsWith("m1").endsWith("m12");
            }
        }
    }

    @Test
    void theOfflineCommandsHoldTheServersLockAndRefuseWhileOneRuns() throws Exception {
        try (ServerFixture fx = serverWithMessages(3)) {
            Run accept = admin(data(), "accept-log-damage");
            assertThat(accept.status()).isEqualTo(5);
            assertThat(accept.err()).contains("a wirechat server is running on");
            Run online = admin(data(), "check");
            assertThat(online.status()).as("a running server is checked through its socket").isZero();
            assertThat(online.out()).contains("the database is sound");
            fx.close();
            try (StoppedStore held = StoppedStore.open(data())) {
                assertThatThrownBy(() -> new ServerFixture(data()).close()).hasMessageContaining("in use by another wirechat server");
            }
        }
    }

    @Test
    void checkFindsADamagedLogOfAStoppedServer() throws Exception {
        try (ServerFixture fx = serverWithMessages(8)) {
            fx.close();
        }
        Path last = segments(data()).get(segments(data()).size() - 1);
        Files.delete(last);
        Run check = admin(data(), "check");
        assertThat(check.status()).isEqualTo(3);
        assertThat(check.err()).contains("DAMAGED").contains("holds no segment");
    }
}
