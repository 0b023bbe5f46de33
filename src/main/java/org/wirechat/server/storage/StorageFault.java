package org.wirechat.server.storage;

import java.sql.SQLException;
import java.util.Optional;
import org.sqlite.SQLiteErrorCode;
import org.sqlite.SQLiteException;

/**
 * Why the storage cannot take a write: a fault of the machine or the database, not of the request, and
 * one that may clear by itself (space freed, the file system remounted, the database back).
 *
 * @param what a short description for the log and the client ("disk full", "read-only file system")
 */
public record StorageFault(String what) {
    public static final StorageFault DISK_FULL = new StorageFault("disk full");
    public static final StorageFault READ_ONLY = new StorageFault("read-only storage");
    public static final StorageFault IO_ERROR = new StorageFault("I/O error");
    public static final StorageFault DAMAGED = new StorageFault("database damaged");
    public static final StorageFault UNREACHABLE = new StorageFault("database unreachable");
    public static final StorageFault NO_MEMORY = new StorageFault("database out of memory");

    /** The storage fault behind {@code e} (anywhere in its causes), if it is one. */
    public static Optional<StorageFault> of(Throwable e) {
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
            case 13 -> Optional.of(DISK_FULL); // SQLITE_FULL
            case 8 -> Optional.of(READ_ONLY); // SQLITE_READONLY
            case 10, 14 -> Optional.of(IO_ERROR); // SQLITE_IOERR, SQLITE_CANTOPEN
            case 11, 26 -> Optional.of(DAMAGED); // SQLITE_CORRUPT, SQLITE_NOTADB
            case 7 -> Optional.of(NO_MEMORY); // SQLITE_NOMEM
            default -> Optional.empty();
        };
    }

    /** PostgreSQL's SQLSTATE classes for a server that cannot work now (see its Appendix A). */
    private static Optional<StorageFault> postgres(String state) {
        if (state.equals("53100")) {
            return Optional.of(DISK_FULL);
        }
        if (state.equals("25006")) {
            return Optional.of(READ_ONLY);
        }
        if (state.equals("58030")) {
            return Optional.of(IO_ERROR);
        }
        if (state.startsWith("08") || state.startsWith("57P") || state.startsWith("53")) {
            return Optional.of(UNREACHABLE);
        }
        return Optional.empty();
    }
}
