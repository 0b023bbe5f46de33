package org.wirechat.server.core.port;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * What a store says and does that is not chat (docs/architecture.md §2.4): its storage fault and readiness, its
 * commit counters and waiting total for the metrics, the online backup and check, the startup line, whether other
 * servers share it, and closing it. {@link #shared()} is here beside §2.4's eight because SERVER_INFO's
 * {@code shared-store} feature asks it of the store today (§2.7 moves it to the cluster).
 */
public interface Maintenance extends AutoCloseable {

    /**
     * The fault that makes the store refuse writes right now (disk full, read-only, unreachable), if
     * any; it clears by itself when a write succeeds again.
     */
    Optional<StorageFault> storageFault();

    /**
     * Why the store cannot serve now, or {@code null} when it can (for the readiness check): a storage
     * fault, and with PostgreSQL an unreachable database or a lost notification connection.
     */
    default String notReady() {
        return storageFault().map(f -> "the store refuses writes: " + f).orElse(null);
    }

    /** The group commits so far, where the store counts them (the message log); empty otherwise. */
    default Optional<CommitStats> commitStats() {
        return Optional.empty();
    }

    /** Messages waiting to be delivered (for a metrics scrape, not the hot path); empty where the store cannot tell. */
    default OptionalLong undeliveredTotal() {
        return OptionalLong.empty();
    }

    /**
     * Copies everything stored into {@code dest} (a directory that must not exist yet), consistent while
     * the server serves: a server started on the copy has every message acknowledged before the backup
     * began. Returns a line saying what was copied. The administration then checks the copy and writes its
     * manifest (the boot code's {@code server.data.Backups.online}).
     *
     * @throws IOException it could not be made, or the store is backed up by its own tools
     *         (PostgreSQL: pg_dump), with what to do
     */
    String backup(Path dest) throws IOException;

    /** Checks the stored data's integrity while serving; returns what was checked, or throws what is wrong. */
    String check();

    /** A short description of where the data is, for the startup line (never a password). */
    String describe();

    /** True when other servers may serve the same accounts from this store (PostgreSQL); a store of one server's own says false. */
    default boolean shared() {
        return false;
    }

    @Override
    void close();
}
