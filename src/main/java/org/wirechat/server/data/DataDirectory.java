package org.wirechat.server.data;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.wirechat.server.core.port.SendDecisions;
import org.wirechat.server.core.port.StoreException;
import org.wirechat.server.storage.FaultCause;
import org.wirechat.server.storage.Schema;
import org.wirechat.server.storage.SqliteStore;
import org.wirechat.server.storage.StorageIo;
import org.wirechat.server.storage.log.LogDamagedException;
import org.wirechat.server.storage.log.MessageLog;

/**
 * The data directory (the SQLite store's), checked before the store opens in it: its permissions (the directory {@code 0700},
 * its files {@code 0600}: they hold every message and password hash), and that what is in it is a
 * wirechat database, whole. A missing database is created only in a directory that holds no wirechat
 * file at all; an empty, foreign or damaged one is refused with a message that says what to do, rather
 * than started as a brand-new empty service.
 */
public final class DataDirectory {
    private static final Logger log = LoggerFactory.getLogger(DataDirectory.class);
    static final String LOCK_FILE = "lock";
    private static final Set<PosixFilePermission> DIRECTORY_MODE = PosixFilePermissions.fromString("rwx------");
    private static final Set<PosixFilePermission> FILE_MODE = PosixFilePermissions.fromString("rw-------");

    private final Path dir;

    private DataDirectory(Path dir) {
        this.dir = dir;
    }

    Path database() {
        return dir.resolve(SqliteStore.DATABASE_FILE);
    }

    /** The message log's directory ({@link MessageLog}). */
    Path logDirectory() {
        return dir.resolve(SqliteStore.LOG_DIRECTORY);
    }

    /** The companions SQLite and the server keep beside the database. */
    private List<Path> companions() {
        return List.of(dir.resolve(LOCK_FILE), dir.resolve(SqliteStore.DATABASE_FILE + "-wal"),
                dir.resolve(SqliteStore.DATABASE_FILE + "-shm"));
    }

    /** Which of the companions were there before this start (taken before the lock file is made). */
    private final List<String> foundBefore = new ArrayList<>();
    /** This start made the database file (so a failed first start can leave the directory as it was). */
    private boolean created;

    /**
     * Opens the SQLite store in {@code dataDir}, checked first: made (0700) if missing, its lock taken (and handed
     * to the store, which holds it until it closes), its files' modes tightened, its database wirechat's and whole
     * (or created, in a directory that holds no wirechat file). A first start that fails leaves the directory as
     * it found it.
     *
     * @throws StoreException the directory cannot be used, its database is missing, foreign or damaged, another
     *     server holds it, or the store cannot open (with the reason and what to do)
     */
    public static SqliteStore open(SendDecisions rules, Path dataDir, Consumer<Throwable> onFatal, StorageIo io) {
        return open(rules, dataDir, MessageLog.DEFAULT_SEGMENT_BYTES, onFatal, io);
    }

    /** The same, writing through the real disk. */
    public static SqliteStore open(SendDecisions rules, Path dataDir, Consumer<Throwable> onFatal) {
        return open(rules, dataDir, MessageLog.DEFAULT_SEGMENT_BYTES, onFatal, StorageIo.REAL);
    }

    /** The same, with message log segments of at most {@code segmentBytes} (small ones for tests). */
    public static SqliteStore open(SendDecisions rules, Path dataDir, long segmentBytes, Consumer<Throwable> onFatal, StorageIo io) {
        DataDirectory dir = prepare(dataDir);
        FileChannel channel = null;
        try {
            channel = lock(dataDir);
            if (channel == null) {
                throw new StoreException("data directory " + dataDir.toAbsolutePath() + " is in use by another wirechat server", null);
            }
            dir.validate();
            dir.check();
            return SqliteStore.open(rules, dataDir, channel, segmentBytes, onFatal, io);
        } catch (IOException e) {
            closeQuietly(channel);
            dir.undoCreation();
            throw new StoreException("cannot open the store in " + dataDir.toAbsolutePath() + ": " + reason(e), e);
        } catch (StoreException e) {
            closeQuietly(channel);
            if (!(e.getCause() instanceof LogDamagedException)) { // a damaged log is left as it is, for the operator
                dir.undoCreation();
            }
            throw e;
        }
    }

    private static void closeQuietly(FileChannel channel) {
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException ignored) {
                // already failing; the first error is the one worth reporting
            }
        }
    }

    /**
     * Creates the directory (0700) if needed, tightens its mode, and notes which wirechat files are in it.
     *
     * @throws StoreException the directory cannot be used, with the reason
     */
    private static DataDirectory prepare(Path dir) {
        DataDirectory d = new DataDirectory(dir);
        try {
            if (!Files.exists(dir)) {
                Files.createDirectories(dir, posix(DIRECTORY_MODE));
            } else if (!Files.isDirectory(dir)) {
                throw new StoreException("cannot use " + dir.toAbsolutePath() + " as the data directory: it is not a directory", null);
            }
            tighten(dir, DIRECTORY_MODE);
            for (Path p : d.companions()) {
                if (Files.exists(p)) {
                    d.foundBefore.add(p.getFileName().toString());
                }
            }
            if (Files.exists(d.logDirectory())) {
                d.foundBefore.add(SqliteStore.LOG_DIRECTORY + "/");
            }
            return d;
        } catch (IOException e) {
            throw new StoreException("cannot use the data directory " + dir.toAbsolutePath() + ": " + reason(e), e);
        }
    }

    /**
     * With the directory's lock held: checks the database file is present and not empty, or absent with
     * nothing else of wirechat's beside it — it is then created, 0600, so that SQLite's WAL and
     * shared-memory files are made 0600 too. Tightens the modes of the files that are there.
     *
     * @throws StoreException the database is missing or empty, with what to do
     */
    private void validate() {
        Path db = database();
        try {
            if (Files.exists(db)) {
                if (Files.size(db) == 0) {
                    throw new StoreException(db.toAbsolutePath() + " is empty (0 bytes): it is not the database it should be."
                            + " Restore it from a backup; or, to start an empty service here, remove it", null);
                }
            } else {
                if (!foundBefore.isEmpty()) {
                    throw new StoreException("data directory " + dir.toAbsolutePath() + " holds wirechat files ("
                            + String.join(", ", foundBefore) + ") but no " + SqliteStore.DATABASE_FILE
                            + ": the database is missing. Restore it from a backup; or, to start an empty service here,"
                            + " remove those files", null);
                }
                Files.createFile(db, posix(FILE_MODE));
                created = true;
                // started from another directory, a relative --data-dir is another, empty service: say so
                log.warn("no wirechat data in {}: starting a new, empty service there", dir.toAbsolutePath());
            }
            tighten(db, FILE_MODE);
            for (Path p : companions()) {
                if (Files.exists(p)) {
                    tighten(p, FILE_MODE);
                }
            }
            if (Files.isDirectory(logDirectory())) { // the log holds every message too: as private as the database
                tighten(logDirectory(), DIRECTORY_MODE);
                try (Stream<Path> files = Files.list(logDirectory())) {
                    for (Path p : files.filter(Files::isRegularFile).toList()) {
                        tighten(p, FILE_MODE);
                    }
                }
            }
        } catch (IOException e) {
            throw new StoreException("cannot use the data directory " + dir.toAbsolutePath() + ": " + reason(e), e);
        }
    }

    /**
     * For a server whose data are elsewhere (PostgreSQL): the directory (made 0700 if missing) and its
     * lock, held until the returned handle is closed, so that only this server puts its administration
     * socket there.
     *
     * @throws StoreException the directory cannot be used, or another server holds it
     */
    public static AutoCloseable lockForAdministration(Path dir) {
        prepare(dir);
        try {
            FileChannel channel = lock(dir);
            if (channel == null) {
                throw new StoreException(dir.toAbsolutePath() + " is in use by another wirechat server", null);
            }
            return channel::close; // closing the channel releases the lock
        } catch (IOException e) {
            throw new StoreException("cannot use the data directory " + dir.toAbsolutePath() + ": " + reason(e), e);
        }
    }

    /** After a failed first start: removes what this start made, so that the next one starts afresh. */
    private void undoCreation() {
        if (!created) {
            return;
        }
        for (Path p : List.of(database(), dir.resolve(SqliteStore.DATABASE_FILE + "-wal"), dir.resolve(SqliteStore.DATABASE_FILE + "-shm"),
                dir.resolve(LOCK_FILE))) {
            try {
                Files.deleteIfExists(p);
            } catch (IOException e) {
                log.debug("could not remove {} after a failed first start: {}", p, e.toString());
            }
        }
        if (Files.isDirectory(logDirectory())) {
            try (Stream<Path> files = Files.list(logDirectory())) {
                for (Path p : files.toList()) {
                    Files.deleteIfExists(p);
                }
                Files.deleteIfExists(logDirectory());
            } catch (IOException e) {
                log.debug("could not remove {} after a failed first start: {}", logDirectory(), e.toString());
            }
        }
    }

    /**
     * Takes the directory's lock, the one a server holds while it runs (on its store, or, with PostgreSQL, on its
     * administration socket) and an offline command while it works: the lock file (made 0600 if missing), opened
     * and locked, or {@code null} when another holds it (a server of this JVM too). Closing the channel releases it.
     */
    static FileChannel lock(Path dir) throws IOException {
        Path lockFile = dir.resolve(LOCK_FILE);
        if (!Files.exists(lockFile)) {
            Files.createFile(lockFile, posix(FILE_MODE));
        }
        FileChannel channel = FileChannel.open(lockFile, StandardOpenOption.WRITE);
        FileLock lock;
        try {
            lock = channel.tryLock();
        } catch (OverlappingFileLockException e) {
            lock = null; // held in this same JVM
        }
        if (lock == null) {
            channel.close();
            return null;
        }
        return channel;
    }

    private static FileAttribute<?>[] posix(Set<PosixFilePermission> mode) {
        return isPosix() ? new FileAttribute<?>[] {PosixFilePermissions.asFileAttribute(mode)} : new FileAttribute<?>[0];
    }

    private static boolean isPosix() {
        return FileSystems.getDefault().supportedFileAttributeViews().contains("posix");
    }

    /** Takes away what {@code mode} does not allow (and logs it); the modes are the umask's at creation. */
    private static void tighten(Path p, Set<PosixFilePermission> mode) throws IOException {
        if (!isPosix()) {
            return;
        }
        Set<PosixFilePermission> now = Files.getPosixFilePermissions(p);
        if (!mode.containsAll(now)) {
            Files.setPosixFilePermissions(p, mode);
            log.info("{} was readable by others ({}); now {}", p.toAbsolutePath(), PosixFilePermissions.toString(now),
                    PosixFilePermissions.toString(mode));
        }
    }

    /**
     * Checks, on a connection of its own (closed before the store opens its own), that the database is a SQLite
     * file, wirechat's (or new), and whole ({@code PRAGMA quick_check}); logs how long the check took.
     *
     * @throws StoreException it is not, with the reason and what to do
     */
    private void check() {
        Path db = database().toAbsolutePath();
        long start = System.nanoTime();
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + db); Statement st = c.createStatement()) {
            int version;
            int applicationId;
            int tables;
            try (ResultSet rs = st.executeQuery("PRAGMA user_version")) {
                version = rs.next() ? rs.getInt(1) : 0;
            }
            try (ResultSet rs = st.executeQuery("PRAGMA application_id")) {
                applicationId = rs.next() ? rs.getInt(1) : 0;
            }
            try (ResultSet rs = st.executeQuery("SELECT count(*) FROM sqlite_master")) {
                tables = rs.next() ? rs.getInt(1) : 0;
            }
            boolean ours = applicationId == Schema.APPLICATION_ID || applicationId == 0 && (version > 0 || tables == 0);
            if (ours && !created && applicationId == 0 && version == 0) {
                // a SQLite file wirechat did not make (it makes the file and its schema in one start): never a new service
                throw new StoreException(db + " is an empty SQLite database that this server did not create (no wirechat"
                        + " schema, no application id): it is not the database it should be. Restore it from a backup;"
                        + " or, to start an empty service here, remove it", null);
            }
            if (!ours) {
                throw new StoreException(db + " is not a wirechat database (another application's: application id "
                        + applicationId + ", " + tables + " schema objects). Point --data-dir at wirechat's own directory", null);
            }
            List<String> problems = new ArrayList<>();
            try (ResultSet rs = st.executeQuery("PRAGMA quick_check(5)")) {
                while (rs.next()) {
                    problems.add(rs.getString(1));
                }
            }
            if (!problems.equals(List.of("ok"))) {
                throw new StoreException(db + " is damaged (PRAGMA quick_check: " + String.join("; ", problems)
                        + "). Restore it from a backup; the server will not start on it", null);
            }
        } catch (SQLException e) {
            throw FaultCause.openFailure(dir, e);
        }
        log.info("database check (PRAGMA quick_check) passed in {} ms", (System.nanoTime() - start) / 1_000_000);
    }

    /** What went wrong with a file, in words ("permission denied", "not a directory", "read-only file system"). */
    static String reason(IOException e) {
        return FaultCause.reason(e);
    }
}
