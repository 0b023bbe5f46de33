package org.wirechat.server.storage;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileAttribute;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.EnumMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;
import org.sqlite.SQLiteErrorCode;
import org.sqlite.SQLiteException;

/**
 * What the store writes through in a fault injection test: the real files and connections, counting
 * every write point (a write or truncation of a message log file, a sync of one, a JDBC statement that
 * writes, a commit) from {@link #arm} on, and at the N-th point of one kind doing what the test asked —
 * failing it (before or after the real operation), or running an action there (a pause, a dropped
 * connection). One fault a run, like SQLite's {@code do_ioerr_test}; later points are only counted.
 */
public final class FaultPlan implements StorageIo {
    /** The kinds of write points. */
    public enum Point {
        /** A write or truncation of a message log file (its segments, its state file). */
        LOG_WRITE,
        /** A {@code force} of a message log file or of its directory. */
        LOG_SYNC,
        /** A JDBC statement that writes (INSERT, UPDATE, DELETE, a notification). */
        SQL_WRITE,
        /** A JDBC commit. */
        SQL_COMMIT
    }

    /** What happens at the chosen point. */
    public enum Fault {
        /** "No space left on device" / SQLITE_FULL / SQLSTATE 53100; a file write lands half its bytes first. */
        DISK_FULL,
        /** An I/O error (EIO) / SQLITE_IOERR / SQLSTATE 58030, before the real operation. */
        IO_ERROR,
        /**
         * The real operation is done, then an I/O error is reported: SQLITE_IOERR; for PostgreSQL, which
         * answers an error to COMMIT only having rolled back, the connection lost (SQLSTATE 08006).
         */
        IO_ERROR_AFTER,
        /** The action given to {@link #at} runs, then the real operation. */
        ACTION
    }

    /** An action at a point: given the real connection at SQL points (null at file points). */
    @FunctionalInterface
    public interface Action {
        void run(Connection real) throws Exception;
    }

    private final boolean sqlite;
    private final Map<Point, AtomicInteger> counts = new EnumMap<>(Point.class);
    private volatile boolean armed;
    private volatile Point point;
    private volatile int n;
    private volatile Fault fault;
    private volatile Action action;
    private volatile String fired;
    /** Only points whose description it finds are counted (null: all). */
    private volatile Pattern only;

    /** For the store: {@code sqlite} chooses SQLite's exceptions, else PostgreSQL's SQLSTATEs. */
    public FaultPlan(boolean sqlite) {
        this.sqlite = sqlite;
        for (Point p : Point.values()) {
            counts.put(p, new AtomicInteger());
        }
    }

    /** From now on, points are counted (from 0). */
    public FaultPlan arm() {
        counts.values().forEach(c -> c.set(0));
        armed = true;
        return this;
    }

    /** Points are no longer counted, and no fault that has not fired will. */
    public void disarm() {
        armed = false;
    }

    /** At the {@code n}-th point of kind {@code point} (counting from 1 after {@link #arm}), {@code fault}. */
    public FaultPlan at(Point point, int n, Fault fault) {
        return at(point, n, fault, null);
    }

    public FaultPlan at(Point point, int n, Fault fault, Action action) {
        this.point = point;
        this.n = n;
        this.fault = fault;
        this.action = action;
        return this;
    }

    /**
     * From now on only points whose description the regular expression {@code find} finds count ("INSERT
     * INTO messages": the statement; a commit is described by the statements that wrote in its transaction).
     */
    public FaultPlan only(String find) {
        this.only = Pattern.compile(find);
        return this;
    }

    /** How many points of each kind were reached since {@link #arm}. */
    public Map<Point, Integer> counts() {
        Map<Point, Integer> out = new EnumMap<>(Point.class);
        counts.forEach((p, c) -> out.put(p, c.get()));
        return out;
    }

    /** What fired ("LOG_SYNC #3 IO_ERROR while ..."), or null. */
    public String fired() {
        return fired;
    }

    /** Counts a point; the fault to inject there, or null to go on as usual. */
    Fault reached(Point p, String what) {
        Pattern filter = only;
        if (!armed || filter != null && !filter.matcher(what).find()) {
            return null;
        }
        int at = counts.get(p).incrementAndGet();
        if (p != point || at != n) {
            return null;
        }
        synchronized (this) {
            if (fired != null) {
                return null;
            }
            fired = p + " #" + at + " " + fault + " at " + what;
        }
        return fault;
    }

    void act(Connection real) throws IOException, SQLException {
        try {
            action.run(real);
        } catch (IOException | SQLException | RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    /** The action at a file point. */
    void act() throws IOException {
        try {
            act(null);
        } catch (SQLException e) {
            throw new IOException(e);
        }
    }

    IOException ioFailure(Fault f) {
        return new IOException(f == Fault.DISK_FULL ? "No space left on device (injected)" : "Input/output error (injected)");
    }

    SQLException sqlFailure(Fault f) {
        boolean full = f == Fault.DISK_FULL;
        if (sqlite) {
            return new SQLiteException(full ? "[SQLITE_FULL] database or disk is full (injected)"
                    : "[SQLITE_IOERR] disk I/O error (injected)", full ? SQLiteErrorCode.SQLITE_FULL : SQLiteErrorCode.SQLITE_IOERR);
        }
        if (f == Fault.IO_ERROR_AFTER) { // PostgreSQL answers an error to COMMIT only having rolled back: in doubt is a lost answer
            return new SQLException("An I/O error occurred while sending to the backend (injected)", "08006");
        }
        return new SQLException(full ? "could not extend file: No space left on device (injected)"
                : "could not write block: Input/output error (injected)", full ? "53100" : "58030");
    }

    @Override
    public FileChannel open(Path file, Set<? extends OpenOption> options, FileAttribute<?>... attributes) throws IOException {
        return new FaultyChannel(FileChannel.open(file, options, attributes), file.getFileName().toString(), this);
    }

    @Override
    public Connection writeThrough(Connection opened) {
        return FaultyJdbc.connection(opened, this);
    }

    @Override
    public String toString() {
        return "a fault plan (" + point + " #" + n + " " + fault + ")";
    }
}
