package org.wirechat.server.storage;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import com.zaxxer.hikari.pool.HikariPool;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.wirechat.server.core.port.StorageFault;
import org.wirechat.server.core.port.StorageUnavailableException;
import org.wirechat.server.core.port.StoreException;

/**
 * One PostgreSQL database as the store and the cluster ({@link PostgresPeers}) use it: a pool of connections, and how
 * work runs on them — a transaction retried when PostgreSQL chose to abort it, one autocommitted statement, or reads —
 * with a failure turned into what the caller is told ({@link #failure}) and storage faults told once ({@link FaultLog}).
 */
final class PostgresDatabase {
    private static final Logger log = LoggerFactory.getLogger(PostgresDatabase.class);
    private static final int ATTEMPTS = 3;

    private final PostgresTarget settings;
    private final HikariDataSource pool;
    /** What the store writes through: {@link StorageIo#REAL} but in fault injection tests. */
    private final StorageIo io;
    private final FaultLog faults;
    private volatile boolean closed;

    private PostgresDatabase(PostgresTarget settings, HikariDataSource pool, StorageIo io, FaultLog faults) {
        this.settings = settings;
        this.pool = pool;
        this.io = io;
        this.faults = faults;
    }

    /**
     * Connects (a pool of {@link PostgresTarget#poolSize()} connections) and migrates the schema.
     *
     * @throws StoreException the database cannot be reached or used
     */
    static PostgresDatabase open(PostgresTarget settings, StorageIo io, FaultLog faults) {
        HikariConfig hc = new HikariConfig();
        hc.setPoolName("wirechat-postgresql");
        hc.setJdbcUrl(settings.jdbcUrl());
        if (settings.password().length > 0) {
            hc.setPassword(new String(settings.password()));
        }
        hc.setMaximumPoolSize(settings.poolSize());
        hc.setAutoCommit(false);
        hc.setConnectionTimeout(10_000);
        hc.setInitializationFailTimeout(10_000);
        hc.addDataSourceProperty("ApplicationName", "wirechat");
        hc.addDataSourceProperty("tcpKeepAlive", "true");
        HikariDataSource pool;
        try {
            pool = new HikariDataSource(hc);
        } catch (HikariPool.PoolInitializationException e) {
            throw new StoreException("cannot connect to PostgreSQL at " + settings.where() + ": " + rootMessage(e), e);
        }
        try (Connection c = pool.getConnection()) {
            int found = PostgresSchema.migrate(c);
            if (found < PostgresSchema.MIGRATIONS.size()) {
                log.info("database schema migrated from version {} to {}", found, PostgresSchema.MIGRATIONS.size());
            }
        } catch (SQLException e) {
            pool.close();
            throw new StoreException("cannot prepare the PostgreSQL database at " + settings.where() + ": " + e.getMessage(), e);
        }
        return new PostgresDatabase(settings, pool, io, faults);
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null) {
            t = t.getCause();
        }
        return t.getMessage();
    }

    PostgresTarget settings() {
        return settings;
    }

    FaultLog faults() {
        return faults;
    }

    /** A pooled connection to write through. */
    Connection connection() throws SQLException {
        return io.writeThrough(pool.getConnection());
    }

    /**
     * Runs {@code work} in one transaction and commits it; retries a transaction PostgreSQL chose to
     * abort (serialization failure, deadlock), which it may do under concurrent changes.
     */
    <T> T tx(Sql.Work<T> work) {
        return run(work, false, true);
    }

    /**
     * Runs one writing statement in autocommit mode: the statement is its own transaction, which saves the
     * round trip of a COMMIT. A connection lost meanwhile leaves its outcome unknown. Reads go through
     * {@link #read}.
     */
    <T> T one(Sql.Work<T> work) {
        return run(work, true, true);
    }

    /**
     * Runs reads only, in autocommit mode: a connection lost meanwhile leaves nothing in doubt (nothing was
     * written), so it is a storage fault — the caller answers STORAGE_UNAVAILABLE, not an internal error.
     */
    <T> T read(Sql.Work<T> work) {
        return run(work, true, false);
    }

    /** {@code writes}: whether an autocommitted statement may write (its outcome is unknown if the connection is lost). */
    private <T> T run(Sql.Work<T> work, boolean autoCommit, boolean writes) {
        if (closed) {
            throw new IllegalStateException("store is closed");
        }
        for (int attempt = 1; ; attempt++) {
            // true while a commit is on its way: a lost connection then leaves the outcome unknown
            boolean inDoubt = false;
            try (Connection c = connection()) {
                T result;
                if (autoCommit) {
                    c.setAutoCommit(true); // the pool sets it back when the connection returns
                    inDoubt = writes;
                    result = work.run(Sql.on(c));
                } else {
                    try {
                        result = work.run(Sql.on(c));
                        inDoubt = true;
                        c.commit();
                    } catch (SQLException | RuntimeException e) {
                        rollbackQuietly(c);
                        throw e;
                    }
                }
                faults.succeeded();
                return result;
            } catch (SQLException e) {
                String state = e.getSQLState();
                if (attempt < ATTEMPTS && ("40001".equals(state) || "40P01".equals(state))) {
                    continue;
                }
                throw failure(e, inDoubt);
            }
        }
    }

    /**
     * What a failed operation tells its caller. PostgreSQL rolls back a transaction that failed with an
     * error or lost its connection before COMMIT, so a storage fault then means nothing was stored; a
     * connection lost during the COMMIT (or a single autocommitted statement) leaves it unknown.
     */
    private StoreException failure(SQLException e, boolean inDoubt) {
        Optional<StorageFault> fault = FaultCause.of(e);
        if (fault.isPresent()) {
            faults.faulted(fault.get(), e, 1);
            if (!inDoubt || fault.get() != StorageFault.UNREACHABLE) {
                return new StorageUnavailableException(fault.get(), e);
            }
        }
        return new StoreException("database operation failed: " + e.getMessage(), e);
    }

    private static void rollbackQuietly(Connection c) {
        try {
            c.rollback();
        } catch (SQLException ignored) {
            // the connection is broken; the pool discards it, and the first error is the one to report
        }
    }

    /** Null when a pooled connection answers, else why not. */
    String unreachable() {
        try (Connection c = pool.getConnection()) {
            return c.isValid(2) ? null : "the database does not answer";
        } catch (SQLException e) {
            return "the database cannot be reached: " + e.getMessage();
        }
    }

    /** From now on, work is refused ("store is closed"); the pool stays open until {@link #close}. */
    void refuse() {
        closed = true;
    }

    boolean refusing() {
        return closed;
    }

    void close() {
        closed = true;
        pool.close();
    }
}
