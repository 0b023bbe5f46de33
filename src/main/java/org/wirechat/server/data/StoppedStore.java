package org.wirechat.server.data;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.slf4j.LoggerFactory;
import org.wirechat.server.core.port.StoreException;
import org.wirechat.server.storage.Schema;
import org.wirechat.server.storage.SqliteStore;
import org.wirechat.server.storage.log.LogDamagedException;
import org.wirechat.server.storage.log.LogLossException;
import org.wirechat.server.storage.log.LogPosition;
import org.wirechat.server.storage.log.LogScan;
import org.wirechat.server.storage.log.LogState;
import org.wirechat.server.storage.log.LostIds;
import org.wirechat.server.storage.log.MessageLog;

/**
 * A stopped server's SQLite data directory, administered without a server: check, backup, accepting a
 * damaged log's loss, restore. It holds the directory's lock, the one a server takes, for as long as it is
 * open: a server cannot start on the directory meanwhile, and while one runs this refuses
 * ({@link Refusal#IN_USE}) — the running server is administered through its socket instead.
 */
public final class StoppedStore implements AutoCloseable {
    /** Why an offline command refused, each with its own exit status of {@code wirechat-server admin}. */
    public enum Refusal {
        /** Damage was found (a check), or a backup is damaged or incomplete (a restore). */
        DAMAGED(3),
        /** What was given is not a backup (a data directory, a crash snapshot, a directory without a manifest). */
        NOT_A_BACKUP(4),
        /** A server runs on the directory, or it holds data already (a restore). */
        IN_USE(5);

        private final int exitStatus;

        Refusal(int exitStatus) {
            this.exitStatus = exitStatus;
        }

        public int exitStatus() {
            return exitStatus;
        }
    }

    /** An offline command refused, saying why and what to do. */
    public static final class Refused extends StoreException {
        private static final long serialVersionUID = 1L;
        private final Refusal refusal;

        Refused(Refusal refusal, String message) {
            super(message, null);
            this.refusal = refusal;
        }

        public Refusal refusal() {
            return refusal;
        }
    }

    /** What a check found: its report, and whether everything is sound. */
    public record Checked(String report, boolean sound) {
    }

    private final Path dir;
    private final FileChannel lockChannel;

    private StoppedStore(Path dir, FileChannel lockChannel) {
        this.dir = dir;
        this.lockChannel = lockChannel;
    }

    /**
     * Takes the lock of the data directory {@code dir}, which must hold a wirechat database.
     *
     * @throws Refused a server runs on it ({@link Refusal#IN_USE})
     * @throws StoreException it is not a data directory
     */
    public static StoppedStore open(Path dir) {
        if (!Files.isRegularFile(dir.resolve(SqliteStore.DATABASE_FILE))) {
            throw new StoreException(dir.toAbsolutePath() + " holds no " + SqliteStore.DATABASE_FILE
                    + ": it is not a wirechat data directory", null);
        }
        return new StoppedStore(dir, lock(dir));
    }

    private static FileChannel lock(Path dir) {
        try {
            FileChannel channel = DataDirectory.lock(dir);
            if (channel == null) {
                throw new Refused(Refusal.IN_USE, "a wirechat server is running on " + dir.toAbsolutePath());
            }
            return channel;
        } catch (IOException e) {
            throw new StoreException("cannot lock " + dir.toAbsolutePath() + ": " + DataDirectory.reason(e), e);
        }
    }

    /** What the database says of itself. */
    private record Database(int schemaVersion, int applicationId, List<String> quickCheck, long lastId, LogPosition checkpoint) {
    }

    private static Database database(Path db, boolean immutable) throws SQLException {
        String url = "jdbc:sqlite:file:" + db.toAbsolutePath() + (immutable ? "?immutable=1" : "?mode=ro");
        try (Connection c = DriverManager.getConnection(url); Statement st = c.createStatement()) {
            int version = intOf(st, "PRAGMA user_version");
            int appId = intOf(st, "PRAGMA application_id");
            List<String> problems = new ArrayList<>();
            try (ResultSet rs = st.executeQuery("PRAGMA quick_check(10)")) {
                while (rs.next()) {
                    problems.add(rs.getString(1));
                }
            }
            long last = 0;
            LogPosition checkpoint = LogPosition.START;
            if (version > 0) {
                try (ResultSet rs = st.executeQuery("SELECT seq FROM sqlite_sequence WHERE name = 'messages'")) {
                    last = rs.next() ? rs.getLong(1) : 0;
                }
                try (ResultSet rs = st.executeQuery("SELECT segment, offset FROM log_checkpoint WHERE id = 1")) {
                    if (rs.next()) {
                        checkpoint = new LogPosition(rs.getLong(1), rs.getLong(2));
                    }
                }
            }
            return new Database(version, appId, problems, last, checkpoint);
        }
    }

    private static int intOf(Statement st, String sql) throws SQLException {
        try (ResultSet rs = st.executeQuery(sql)) {
            return rs.next() ? rs.getInt(1) : 0;
        }
    }

    /** Checks this data directory: the database, the message log against it, and its losses. */
    public Checked check() {
        return inspect(dir, false, null);
    }

    /**
     * Checks a backup made by {@code admin backup} offline: every file against its manifest, then the
     * database and the log as {@link #check} does.
     */
    public static Checked checkBackup(Path backup) {
        BackupManifest m;
        try {
            m = BackupManifest.verify(backup);
        } catch (BackupManifest.Invalid e) {
            return new Checked(e.getMessage(), false);
        } catch (IOException e) {
            return new Checked("cannot read " + backup.toAbsolutePath() + ": " + DataDirectory.reason(e), false);
        }
        return inspect(backup, true, m);
    }

    /** Whether {@code dir} is (meant to be) a backup: it has a manifest. */
    public static boolean isBackup(Path dir) {
        return Files.exists(dir.resolve(BackupManifest.FILE));
    }

    private static Checked inspect(Path dir, boolean backup, BackupManifest manifest) {
        List<String> report = new ArrayList<>();
        List<String> damage = new ArrayList<>();
        if (manifest != null) {
            report.add("manifest: " + manifest.files().size() + " files, each of its size and SHA-256; taken " + manifest.created()
                    + " by wirechat " + manifest.serverVersion() + "; highest message id " + manifest.lastMessageId());
        }
        Database db;
        try {
            db = database(dir.resolve(SqliteStore.DATABASE_FILE), backup);
        } catch (SQLException e) {
            return new Checked(String.join("\n", report) + (report.isEmpty() ? "" : "\n") + "database: "
                    + dir.resolve(SqliteStore.DATABASE_FILE).toAbsolutePath() + " cannot be read (" + e.getMessage() + ")", false);
        }
        int ours = Schema.version();
        report.add(String.format(Locale.ROOT, "database: schema version %d (this server's: %d), PRAGMA quick_check %s,"
                + " highest message id %d, log read up to segment %d offset %d", db.schemaVersion(), ours,
                String.join("; ", db.quickCheck()), db.lastId(), db.checkpoint().segment(), db.checkpoint().offset()));
        // a database of schema version 1 predates the application id (0); every later one has wirechat's
        if (db.applicationId() != Schema.APPLICATION_ID && db.applicationId() != 0 || db.schemaVersion() == 0) {
            damage.add("the database is not wirechat's (application id " + db.applicationId() + ", schema version "
                    + db.schemaVersion() + ")");
        }
        if (db.schemaVersion() > ours) {
            damage.add("the database's schema is newer than this server's: use a newer wirechat");
        }
        if (!db.quickCheck().equals(List.of("ok"))) {
            damage.add("the database is damaged");
        }
        if (manifest != null && manifest.schemaVersion() != db.schemaVersion()) {
            damage.add("the manifest says schema version " + manifest.schemaVersion());
        }
        Path logDir = dir.resolve(SqliteStore.LOG_DIRECTORY);
        try {
            LogScan scan = LogScan.read(logDir, db.checkpoint(), db.lastId());
            report.add(String.format(Locale.ROOT, "message log: %s, %d records after the checkpoint, highest message id %d%s",
                    scan.segments().isEmpty() ? "no segment" : "segments " + scan.segments().get(0) + "–"
                            + scan.segments().get(scan.segments().size() - 1) + " contiguous and readable",
                    scan.entries().size(), scan.lastId(),
                    scan.tornBytes() > 0 ? "; " + scan.tornBytes() + " bytes of an unfinished write at its end (cut at the next start)" : ""));
            if (!scan.whole()) {
                damage.add((scan.lost().isEmpty() ? "lost acknowledgements" : "lost " + LostIds.describe(scan.lost()))
                        + " — " + String.join("; ", scan.problems()));
            }
            if (scan.state() != null && !scan.state().lost().isEmpty()) {
                report.add("accepted as lost earlier: " + LostIds.describe(scan.state().lost()));
            }
            if (manifest != null && scan.lastId() < manifest.lastMessageId()) {
                damage.add("the highest message id is " + scan.lastId() + ", the manifest says " + manifest.lastMessageId());
            }
        } catch (LogDamagedException e) {
            damage.add("the message log is damaged: " + e.getMessage());
        } catch (IOException e) {
            damage.add("the message log cannot be read: " + DataDirectory.reason(e));
        }
        report.add(damage.isEmpty() ? (backup ? "the backup is whole" : "the data directory is sound")
                : "DAMAGED: " + String.join("\n  ", damage));
        return new Checked(String.join("\n", report), damage.isEmpty());
    }

    /**
     * Records the loss the message log holds as accepted, so that a server starts on it: the lost ids are
     * kept in the log's state and never given out again. Returns what was accepted.
     */
    public String acceptLogDamage() {
        Path logDir = dir.resolve(SqliteStore.LOG_DIRECTORY);
        try {
            Database db = database(dir.resolve(SqliteStore.DATABASE_FILE), false);
            LogScan scan = LogScan.read(logDir, db.checkpoint(), db.lastId());
            if (scan.whole()) {
                return "the message log in " + logDir.toAbsolutePath() + " has lost nothing: there is nothing to accept";
            }
            String what = LogLossException.describe(logDir, scan);
            LogState.accept(logDir, scan);
            LoggerFactory.getLogger(StoppedStore.class).error("accepted by the operator: {}", what);
            return "accepted: " + what + ". A server started on " + dir.toAbsolutePath()
                    + " goes on without them and never gives out their ids again";
        } catch (SQLException e) {
            throw new StoreException("cannot read " + dir.resolve(SqliteStore.DATABASE_FILE).toAbsolutePath() + ": " + e.getMessage(), e);
        } catch (IOException e) {
            throw new StoreException("cannot accept the loss in " + logDir.toAbsolutePath() + ": " + DataDirectory.reason(e), e);
        }
    }

    /** A backup of this stopped data directory into the new directory {@code dest}, with its manifest. */
    public String backup(Path dest) throws IOException {
        long started = System.nanoTime();
        Path logCopy = Backups.create(dest);
        Path db = dest.resolve(SqliteStore.DATABASE_FILE);
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:file:" + dir.resolve(SqliteStore.DATABASE_FILE).toAbsolutePath() + "?mode=ro");
                PreparedStatement ps = c.prepareStatement("VACUUM INTO ?")) {
            ps.setString(1, db.toString());
            ps.executeUpdate();
        } catch (SQLException e) {
            throw new IOException("the database could not be read: " + e.getMessage(), e);
        }
        long segment = Schema.checkpointSegment(db);
        long bytes = 0;
        for (long n : MessageLog.segmentsIn(dir.resolve(SqliteStore.LOG_DIRECTORY))) {
            if (n >= segment) {
                Path from = dir.resolve(SqliteStore.LOG_DIRECTORY).resolve(MessageLog.segmentName(n));
                bytes += Files.size(Files.copy(from, logCopy.resolve(from.getFileName())));
            }
        }
        return Backups.finish(dest, started, "the database (" + Files.size(db) + " bytes) and the message log from segment "
                + segment + " (" + bytes + " bytes)");
    }

    @Override
    public void close() {
        try {
            lockChannel.close(); // releases the lock
        } catch (IOException e) {
            LoggerFactory.getLogger(StoppedStore.class).debug("releasing the lock of {}: {}", dir, e.toString());
        }
    }

    /**
     * Copies the backup {@code src} into the data directory of a stopped server, after checking every file
     * of it against its manifest; the directory must hold no data (it is made, 0700, if missing), so
     * nothing is ever overwritten, and its lock is held meanwhile.
     *
     * @throws Refused what is wrong, before anything is changed
     */
    public static String restore(Path src, Path dataDir) throws IOException {
        BackupManifest m;
        try {
            m = BackupManifest.verify(src);
        } catch (BackupManifest.Invalid e) {
            throw new Refused(e.notABackup() ? Refusal.NOT_A_BACKUP : Refusal.DAMAGED, e.getMessage()
                    + ". Nothing was restored");
        }
        Checked checked = inspect(src, true, m);
        if (!checked.sound()) {
            throw new Refused(Refusal.DAMAGED, "the backup in " + src.toAbsolutePath() + " is not whole:\n" + checked.report()
                    + "\nNothing was restored");
        }
        if (Files.exists(dataDir.resolve(SqliteStore.DATABASE_FILE)) || Files.exists(dataDir.resolve(SqliteStore.LOG_DIRECTORY))) {
            throw new Refused(Refusal.IN_USE, dataDir.toAbsolutePath() + " holds data already: restore into an empty directory"
                    + " (move the old one away first). Nothing was restored");
        }
        Files.createDirectories(dataDir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        try (FileChannel lock = lock(dataDir)) {
            if (Files.exists(dataDir.resolve(SqliteStore.DATABASE_FILE)) || Files.exists(dataDir.resolve(SqliteStore.LOG_DIRECTORY))) {
                throw new Refused(Refusal.IN_USE, dataDir.toAbsolutePath() + " holds data already. Nothing was restored");
            }
            int files = Backups.copyInto(src, dataDir, m);
            return "restored " + src.toAbsolutePath() + " into " + dataDir.toAbsolutePath() + " (" + files
                    + " files, each checked against the backup's manifest; highest message id " + m.lastMessageId()
                    + "); start the server on it";
        }
    }
}
