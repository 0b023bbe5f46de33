package org.wirechat.server.data;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Map;
import org.wirechat.server.core.port.Maintenance;
import org.wirechat.server.storage.SqliteStore;
import org.wirechat.server.storage.log.LogPosition;
import org.wirechat.server.storage.log.LogScan;

/**
 * The steps a backup shares, taken while a server runs ({@link #online}) or not ({@link StoppedStore#backup}):
 * a new directory, and at the end the manifest that makes it a backup, with what it holds; and the restore's copy.
 */
public final class Backups {
    private static final FileAttribute<?> DIRECTORY_MODE = PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------"));

    private Backups() {
    }

    /** Makes {@code dest} (0700), which must not exist, and its log directory; returns the latter. */
    static Path create(Path dest) throws IOException {
        if (Files.exists(dest)) {
            throw new IOException(dest + " exists already: a backup goes to a new directory");
        }
        Files.createDirectories(dest, DIRECTORY_MODE);
        return Files.createDirectory(dest.resolve(SqliteStore.LOG_DIRECTORY), DIRECTORY_MODE);
    }

    /**
     * The online backup of a running server's store: the store copies what it holds into {@code dest} (SQLite:
     * {@link SqliteStore#backup}), then the copy is read back, synced and given its manifest, as {@link #finish}
     * does for a stopped one. A store backed up by its own tools (PostgreSQL) refuses, and nothing is made.
     */
    public static String online(Maintenance store, Path dest) throws IOException {
        long started = System.nanoTime();
        String copied = store.backup(dest);
        return finish(dest, started, copied);
    }

    /**
     * With the database and the segments copied into {@code dest} ({@code copied} says what they are): reads the
     * copy back (its highest message id, its schema version), writes the manifest, and syncs everything.
     */
    static String finish(Path dest, long startedNanos, String copied) throws IOException {
        Path db = dest.resolve(SqliteStore.DATABASE_FILE);
        int version;
        long indexLast;
        LogPosition checkpoint = LogPosition.START;
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:file:" + db.toAbsolutePath() + "?immutable=1");
                Statement q = c.createStatement()) {
            try (ResultSet rs = q.executeQuery("PRAGMA user_version")) {
                version = rs.next() ? rs.getInt(1) : 0;
            }
            try (ResultSet rs = q.executeQuery("SELECT seq FROM sqlite_sequence WHERE name = 'messages'")) {
                indexLast = rs.next() ? rs.getLong(1) : 0;
            }
            try (ResultSet rs = q.executeQuery("SELECT segment, offset FROM log_checkpoint WHERE id = 1")) {
                if (rs.next()) {
                    checkpoint = new LogPosition(rs.getLong(1), rs.getLong(2));
                }
            }
        } catch (SQLException e) {
            throw new IOException("the copied database cannot be read: " + e.getMessage(), e);
        }
        Path logCopy = dest.resolve(SqliteStore.LOG_DIRECTORY);
        LogScan scan = LogScan.read(logCopy, checkpoint, indexLast);
        if (!scan.whole()) {
            throw new IOException("the copy of the message log in " + logCopy + " is not whole ("
                    + String.join("; ", scan.problems()) + "): the data directory's log is damaged; see 'wirechat-server admin check'");
        }
        for (Path p : Files.list(logCopy).toList()) {
            Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rw-------"));
            sync(p);
        }
        sync(db);
        BackupManifest m = BackupManifest.write(dest, version, scan.lastId());
        sync(logCopy);
        sync(dest);
        return "backed up to " + dest + ": " + copied + ", highest message id " + m.lastMessageId() + ", with a manifest of "
                + m.files().size() + " files (SHA-256) in " + (System.nanoTime() - startedNanos) / 1_000_000 + " ms";
    }

    /** Copies the files {@code manifest} lists from {@code src} into {@code dataDir} (0600, synced); returns how many. */
    static int copyInto(Path src, Path dataDir, BackupManifest manifest) throws IOException {
        Path log = Files.createDirectory(dataDir.resolve(SqliteStore.LOG_DIRECTORY), DIRECTORY_MODE);
        for (Map.Entry<String, BackupManifest.FileSum> e : manifest.files().entrySet()) {
            Path to = Files.copy(src.resolve(e.getKey()), dataDir.resolve(e.getKey()));
            Files.setPosixFilePermissions(to, PosixFilePermissions.fromString("rw-------"));
            sync(to);
            if (Files.size(to) != e.getValue().size()) {
                throw new IOException(to + " was copied short (" + Files.size(to) + " of " + e.getValue().size() + " bytes)");
            }
        }
        sync(log);
        sync(dataDir);
        return manifest.files().size();
    }

    private static void sync(Path p) throws IOException {
        try (FileChannel c = FileChannel.open(p, StandardOpenOption.READ)) {
            c.force(true);
        }
    }
}
