package org.wirechat.server.storage;

import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.Optional;
import org.sqlite.SQLiteErrorCode;
import org.sqlite.SQLiteException;
import org.wirechat.server.core.port.StorageFault;
import org.wirechat.server.core.port.StorageUnavailableException;
import org.wirechat.server.core.port.StoreException;

/**
 * Which {@link StorageFault} an exception of the stores' drivers means: SQLite's result codes and PostgreSQL's
 * SQLSTATE classes read here, in the stores, so the fault itself is a plain record of the ports.
 */
public final class FaultCause {
    private FaultCause() {
    }

    /** The storage fault behind {@code e} (anywhere in its causes), if it is one. */
    static Optional<StorageFault> of(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof StorageUnavailableException u) {
                return Optional.of(u.fault());
            }
            if (t instanceof SQLiteException s) {
                return sqlite(s.getResultCode());
            }
            if (t instanceof SQLException s && s.getSQLState() != null) {
                Optional<StorageFault> f = postgres(s.getSQLState());
                if (f.isPresent()) {
                    return f;
                }
            }
        }
        return Optional.empty();
    }

    private static Optional<StorageFault> sqlite(SQLiteErrorCode code) {
        return switch (code.code & 0xFF) { // the primary result code, without the extended part
            case 13 -> Optional.of(StorageFault.DISK_FULL); // SQLITE_FULL
            case 8 -> Optional.of(StorageFault.READ_ONLY); // SQLITE_READONLY
            case 10, 14 -> Optional.of(StorageFault.IO_ERROR); // SQLITE_IOERR, SQLITE_CANTOPEN
            case 11, 26 -> Optional.of(StorageFault.DAMAGED); // SQLITE_CORRUPT, SQLITE_NOTADB
            case 7 -> Optional.of(StorageFault.NO_MEMORY); // SQLITE_NOMEM
            default -> Optional.empty();
        };
    }

    /** PostgreSQL's SQLSTATE classes for a server that cannot work now (see its Appendix A). */
    private static Optional<StorageFault> postgres(String state) {
        if (state.equals("53100")) {
            return Optional.of(StorageFault.DISK_FULL);
        }
        if (state.equals("25006")) {
            return Optional.of(StorageFault.READ_ONLY);
        }
        if (state.equals("58030")) {
            return Optional.of(StorageFault.IO_ERROR);
        }
        if (state.startsWith("08") || state.startsWith("57P") || state.startsWith("53")) {
            return Optional.of(StorageFault.UNREACHABLE);
        }
        return Optional.empty();
    }

    /** Why the SQLite database in {@code dataDir} could not be opened or read, in words: damaged, not writable, the disk full. */
    public static StoreException openFailure(Path dataDir, SQLException e) {
        Path db = dataDir.resolve(SqliteStore.DATABASE_FILE).toAbsolutePath();
        Optional<StorageFault> fault = of(e);
        if (fault.filter(f -> f == StorageFault.DAMAGED).isPresent()) {
            return new StoreException(db + " is not a readable SQLite database (" + e.getMessage()
                    + "). Restore it from a backup; the server will not start on it", e);
        }
        String why = fault.map(StorageFault::what).orElse(e.getMessage());
        if (!Files.isWritable(dataDir) || Files.exists(db) && !Files.isWritable(db)) {
            why = "permission denied (" + e.getMessage() + ")";
        }
        return new StoreException("cannot open the store in " + dataDir.toAbsolutePath() + ": " + why, e);
    }

    /** What went wrong with a file, in words ("permission denied", "not a directory", "read-only file system"). */
    public static String reason(IOException e) {
        String what = switch (e) {
            case AccessDeniedException x -> "permission denied";
            case NoSuchFileException x -> "no such file or directory";
            case NotDirectoryException x -> "not a directory";
            case FileAlreadyExistsException x -> "it exists and is not a directory";
            case FileSystemException x when x.getReason() != null -> x.getReason();
            default -> e.getMessage();
        };
        return e instanceof FileSystemException f && f.getFile() != null ? f.getFile() + ": " + what : what;
    }
}
