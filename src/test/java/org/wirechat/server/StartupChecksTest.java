package org.wirechat.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.wirechat.protocol.Request;
import org.wirechat.protocol.Response;
import org.wirechat.server.core.port.StoreException;
import org.wirechat.server.storage.SqliteStore;

/** What the server finds in its data directory at start: used as it is only if it is wirechat's, and whole. */
class StartupChecksTest {
    @TempDir
    Path dir;

    private Path data() {
        return dir.resolve("data");
    }

    private Path db() {
        return data().resolve(SqliteStore.DATABASE_FILE);
    }

    /** A data directory with one account and one message in it, the server stopped. */
    private void populated() {
        try (ServerFixture fx = new ServerFixture(data()); TestConnection c = fx.connect()) {
            String t = fx.register(c, "alice");
            c.ok(ServerFixture.send(t, "alice", "a note to self"), Response.Sent.class);
        }
    }

    /** Starts a server on the data directory: it must refuse; returns why. */
    private String refusal() {
        ServerConfig config = ServerConfig.builder().port(0).dataDir(data()).passwordIterations(1_000).build();
        StoreException e = (StoreException) org.assertj.core.api.Assertions.catchThrowableOfType(StoreException.class, () -> {
            WireServer started = WireServer.start(config);
            started.close();
        });
        assertThat(e).as("the server refused to start").isNotNull();
        return e.getMessage();
    }

    @Test
    void aNewDirectoryIsCreatedPrivateAndItsFilesToo() throws Exception {
        populated();
        assertThat(mode(data())).isEqualTo("rwx------");
        try (ServerFixture fx = new ServerFixture(data())) { // running: the WAL and shared memory exist
            for (String f : new String[] {"wirechat.db", "wirechat.db-wal", "wirechat.db-shm", "lock"}) {
                assertThat(mode(data().resolve(f))).as(f).isEqualTo("rw-------");
            }
        }
    }

    @Test
    void aNewEmptyServiceIsAnnouncedWithItsFullPathAndAnExistingOneIsNot() throws Exception {
        ch.qos.logback.classic.Logger logger = (ch.qos.logback.classic.Logger) org.slf4j.LoggerFactory.getLogger(
                "org.wirechat.server.data.DataDirectory");
        ch.qos.logback.core.read.ListAppender<ch.qos.logback.classic.spi.ILoggingEvent> seen = new ch.qos.logback.core.read.ListAppender<>();
        seen.start();
        logger.addAppender(seen);
        try {
            populated();
            assertThat(seen.list).extracting(ch.qos.logback.classic.spi.ILoggingEvent::getFormattedMessage)
                    .containsOnlyOnce("no wirechat data in " + data().toAbsolutePath() + ": starting a new, empty service there");
            seen.list.clear();
            new ServerFixture(data()).close(); // the same directory again: nothing new to announce
            assertThat(seen.list).extracting(ch.qos.logback.classic.spi.ILoggingEvent::getFormattedMessage)
                    .noneMatch(m -> m.contains("new, empty service"));
        } finally {
            logger.detachAppender(seen);
        }
    }

    @Test
    void filesOthersCouldReadAreMadePrivateAtStart() throws Exception {
        populated();
        Files.setPosixFilePermissions(data(), PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.setPosixFilePermissions(db(), PosixFilePermissions.fromString("rw-r--r--"));
        try (ServerFixture fx = new ServerFixture(data()); TestConnection c = fx.connect()) {
            fx.login(c, "alice"); // the data is all there
            assertThat(mode(data())).isEqualTo("rwx------");
            assertThat(mode(db())).isEqualTo("rw-------");
        }
    }

    @Test
    void theMessageLogDirectoryOthersCouldReadIsMadePrivateAtStart() throws Exception {
        populated();
        Path log = data().resolve("log");
        Files.setPosixFilePermissions(log, PosixFilePermissions.fromString("rwxr-xr-x"));
        try (var segments = Files.list(log)) {
            for (Path p : segments.toList()) {
                Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rw-r--r--"));
            }
        }
        try (ServerFixture fx = new ServerFixture(data()); TestConnection c = fx.connect()) {
            fx.login(c, "alice");
            assertThat(mode(log)).isEqualTo("rwx------");
            try (var segments = Files.list(log)) {
                assertThat(segments.toList()).isNotEmpty().allSatisfy(p -> assertThat(mode(p)).as(p.toString()).isEqualTo("rw-------"));
            }
        }
    }

    @Test
    void anEmptySqliteDatabaseWirechatDidNotMakeIsRefusedNotStartedAsANewService() throws Exception {
        Files.createDirectories(data());
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db())) {
            c.createStatement().execute("PRAGMA journal_mode=WAL"); // a valid SQLite file, with no schema at all
        }
        long size = Files.size(db());
        assertThat(size).isPositive();
        assertThat(refusal()).contains("is an empty SQLite database that this server did not create").contains("remove it");
        assertThat(Files.size(db())).as("left as it was").isEqualTo(size);
    }

    @Test
    void anEmptyDatabaseIsRefusedNotStartedAsANewService() throws Exception {
        populated();
        Files.write(db(), new byte[0]);
        assertThat(refusal()).contains("is empty (0 bytes)").contains("Restore it from a backup");
        assertThat(db()).isEmptyFile(); // and left as it was
    }

    @Test
    void aMissingDatabaseBesideWirechatFilesIsRefused() throws Exception {
        populated();
        Files.delete(db());
        assertThat(refusal()).contains("the database is missing").contains("lock");
        assertThat(db()).doesNotExist();
    }

    @Test
    void aDatabaseWithAGarbledHeaderIsRefused() throws Exception {
        populated();
        overwrite(0, 100);
        assertThat(refusal()).contains("not a readable SQLite database");
    }

    @Test
    void aDatabaseWithGarbledPagesIsRefused() throws Exception {
        populated();
        int pageSize;
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db());
                var rs = c.createStatement().executeQuery("PRAGMA page_size")) {
            pageSize = rs.getInt(1);
        }
        overwrite(pageSize, Files.size(db()) - pageSize); // every page but the first (the header and schema)
        assertThat(refusal()).containsAnyOf("is damaged (PRAGMA quick_check", "not a readable SQLite database");
    }

    @Test
    void anotherApplicationsDatabaseIsRefused() throws Exception {
        Files.createDirectories(data());
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db())) {
            c.createStatement().execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY, amount INTEGER)");
        }
        assertThat(refusal()).contains("is not a wirechat database");
    }

    @Test
    void aDatabaseFromBeforeTheApplicationIdIsStillOurs() throws Exception {
        populated();
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db())) { // as version 1 left it
            c.createStatement().execute("DROP TABLE log_checkpoint"); // messages were in the database alone then
            c.createStatement().execute("ALTER TABLE accounts DROP COLUMN disabled_at"); // accounts were not disabled then
            c.createStatement().execute("ALTER TABLE accounts DROP COLUMN receipts"); // nor were there receipts
            c.createStatement().execute("ALTER TABLE tokens DROP COLUMN device"); // nor devices
            c.createStatement().execute("DROP TABLE devices");
            c.createStatement().execute("DROP TABLE inbox_floors");
            c.createStatement().execute("DROP TABLE groups"); // nor groups
            c.createStatement().execute("DROP TABLE group_members");
            c.createStatement().execute("DROP TABLE messages_fts"); // nor search
            c.createStatement().execute("ALTER TABLE accounts ADD COLUMN unread INTEGER NOT NULL DEFAULT 0");
            c.createStatement().execute("UPDATE accounts SET unread = 1");
            c.createStatement().execute("PRAGMA application_id = 0");
            c.createStatement().execute("PRAGMA user_version = 1");
        }
        try (var segments = Files.list(data().resolve("log"))) {
            for (Path p : segments.toList()) {
                Files.delete(p);
            }
        }
        Files.delete(data().resolve("log"));
        try (ServerFixture fx = new ServerFixture(data()); TestConnection c = fx.connect()) {
            String t = fx.login(c, "alice");
            assertThat(c.ok(new Request.History(t, "alice", 0, 10), Response.Conversation.class).messages()).hasSize(1);
            assertThat(c.ok(new Request.SearchMessages(t, "NOTE self", 0, 10), Response.SearchResults.class).messages())
                    .as("the messages from before search are indexed by its migration").hasSize(1);
            assertThat(c.ok(ServerFixture.fetch(t, 0), Response.Messages.class).messages()) // still waiting, from the database
                    .extracting(Response.Message::body).containsExactly("a note to self");
        }
    }

    @Test
    void aDataDirectoryThatIsAFileSaysSo() throws Exception {
        Files.writeString(data(), "not a directory");
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int status = ServerMain.run(new String[] {"--port", "0", "--data-dir", data().toString()},
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        assertThat(status).isEqualTo(1);
        assertThat(err.toString(StandardCharsets.UTF_8)).contains("it is not a directory");
    }

    @Test
    void aFirstStartThatCannotListenLeavesAUsableDirectory() throws Exception {
        Files.createDirectories(data());
        try (ServerFixture first = new ServerFixture(dir.resolve("other"))) { // hold a port so the start fails after the store
            ServerConfig config = ServerConfig.builder().port(first.server().port()).dataDir(data()).passwordIterations(1_000).build();
            assertThatThrownBy(() -> WireServer.start(config).close()).hasMessageContaining("cannot listen");
        }
        // the store was created before listening failed; it is whole, so the next start uses it
        try (ServerFixture fx = new ServerFixture(data()); TestConnection c = fx.connect()) {
            fx.register(c, "alice");
        }
    }

    private void overwrite(long from, long length) throws Exception {
        byte[] junk = new byte[(int) length];
        new Random(13).nextBytes(junk); // a fixed seed: the same damage every run
        try (RandomAccessFile f = new RandomAccessFile(db().toFile(), "rw")) {
            f.seek(from);
            f.write(junk);
        }
    }

    private static String mode(Path p) throws Exception {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
    }
}
