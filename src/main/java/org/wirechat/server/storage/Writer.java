package org.wirechat.server.storage;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.wirechat.server.core.port.CommitStats;
import org.wirechat.server.core.port.StorageFault;
import org.wirechat.server.core.port.StorageUnavailableException;
import org.wirechat.server.core.port.StoreException;

/**
 * The one thread that writes, with group commit: it takes every task waiting in its queue (up to
 * {@link #MAX_BATCH}), runs them inside one transaction, commits once (one fsync), and only then
 * completes the tasks' futures. A task that fails fails alone (the batch is rolled back and run again
 * with a savepoint per task). Tasks run in the order they were submitted.
 *
 * <p>Faults of the storage (disk full, read-only, I/O error: {@link StorageFault}) are not the tasks'
 * fault: the batch is rolled back for certain by closing the connection (SQLite may already have rolled
 * the transaction back by itself, after which a plain ROLLBACK leaves the connection committing each
 * statement on its own), a fresh connection is opened for the next batch, and every task of the batch
 * fails with {@link StorageUnavailableException} — nothing of it was stored. The fault is logged once at
 * ERROR, and once more when a batch commits again; every later batch simply tries, so the writer
 * recovers as soon as the storage does. A fault in the commit itself that is not a full disk or a
 * read-only file system (an I/O error while syncing) leaves the outcome unknown: those tasks fail with a
 * plain {@link StoreException}.
 *
 * <p>An {@link Error} (out of memory, a stack overflow) leaves the writer in no known state: the batch
 * and everything queued fail, the writer stops, and {@code onFatal} is told (the server then stops, so
 * that a supervisor can restart it).
 */
final class Writer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Writer.class);
    static final int MAX_BATCH = 512;

    /** Work on the write connection, inside the batch's transaction. */
    @FunctionalInterface
    interface Work<T> {
        T run(Statements db) throws SQLException;
    }

    /** Opens a new write connection (at start, and after a storage fault). */
    @FunctionalInterface
    interface Opener {
        Connection open() throws SQLException;
    }

    private record Task<T>(Work<T> work, CompletableFuture<T> future) {
    }

    private static final Task<Void> STOP = new Task<>(db -> null, new CompletableFuture<>());

    private final Opener opener;
    private final Consumer<Throwable> onFatal;
    /** The write connection; null after a storage fault until one opens again. Writer thread only (after start). */
    private Statements db;
    private final BlockingQueue<Task<?>> queue = new LinkedBlockingQueue<>();
    private final Thread thread;
    private volatile boolean closed;
    /** Where storage faults are told, once each (shared with the store's other writes, for PostgreSQL). */
    private final FaultLog faults;
    /** Batch statistics for the DEBUG log (writer thread only): how full batches are, how busy the writer is. */
    private volatile long totalBatches;
    private volatile long totalTasks;
    private volatile long totalBusyNanos;

    /** The transactions committed since the start, the tasks they held and the time they took. */
    CommitStats totals() {
        return new CommitStats(totalBatches, totalTasks, totalBusyNanos);
    }

    private long statBatches;
    private long statTasks;
    private long statBusyNanos;
    private long statSince = System.nanoTime();

    /** A writer on one connection that is never reopened, whose fatal errors are only logged: for tests. */
    Writer(Connection connection) throws SQLException {
        this(() -> connection, e -> { }, new FaultLog(log));
    }

    Writer(Opener opener, Consumer<Throwable> onFatal, FaultLog faults) throws SQLException {
        this.faults = faults;
        this.opener = opener;
        this.onFatal = onFatal;
        this.db = open();
        this.thread = Thread.ofPlatform().name("store-writer").daemon(false).start(this::loop);
    }

    private Statements open() throws SQLException {
        Connection c = opener.open();
        c.setAutoCommit(false);
        return new Statements(c);
    }

    /**
     * Queues the work; the future completes once its transaction is committed. Tasks run in the order
     * they were submitted (PostgreSQL's SENDs lock their rows in one order within one task: see
     * {@code PostgresSends}).
     */
    <T> CompletableFuture<T> submit(Work<T> work) {
        CompletableFuture<T> future = new CompletableFuture<>();
        if (closed) {
            future.completeExceptionally(new IllegalStateException("store is closed"));
            return future;
        }
        queue.add(new Task<>(work, future));
        return future;
    }

    /** Runs the work and waits until it is durable. */
    <T> T write(Work<T> work) {
        return await(submit(work));
    }

    /**
     * Waits for a submitted write; its failure becomes a {@link StoreException} (a
     * {@link StorageUnavailableException} when nothing was stored because of a storage fault).
     */
    static <T> T await(CompletableFuture<T> write) {
        try {
            return write.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StoreException("interrupted while waiting for a write", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof StorageUnavailableException u) {
                throw new StorageUnavailableException(u.fault(), u); // this thread's stack, the writer's cause
            }
            throw new StoreException("write failed", e.getCause());
        }
    }

    private void loop() {
        List<Task<?>> batch = new ArrayList<>(MAX_BATCH);
        boolean stopping = false;
        try {
            while (!stopping) {
                try {
                    batch.add(queue.take());
                } catch (InterruptedException e) {
                    continue; // only close() stops the writer, through STOP
                }
                queue.drainTo(batch, MAX_BATCH - 1);
                int stop = batch.indexOf(STOP);
                if (stop >= 0) {
                    stopping = true;
                    batch.remove(stop);
                    queue.drainTo(batch); // anything submitted before closed was seen
                }
                long start = System.nanoTime();
                runBatch(batch);
                long took = System.nanoTime() - start;
                statBatches++;
                statTasks += batch.size();
                statBusyNanos += took;
                // since the start, for the metrics (written by this thread only)
                totalBatches++;
                totalTasks += batch.size();
                totalBusyNanos += took;
                batch.clear();
                logStats();
            }
        } catch (Error e) {
            closed = true;
            for (Task<?> t : batch) {
                t.future().completeExceptionally(e);
            }
            log.error("the store writer failed; no more writes are possible", e);
            closeConnection();
            failQueued(e);
            onFatal.accept(e);
            return;
        }
        failQueued(new IllegalStateException("store is closed"));
        closeConnection();
    }

    private void failQueued(Throwable why) {
        Task<?> late;
        while ((late = queue.poll()) != null) {
            late.future().completeExceptionally(why);
        }
    }

    private void closeConnection() {
        if (db == null) {
            return;
        }
        try {
            db.close(); // an open transaction is rolled back
        } catch (SQLException e) {
            log.debug("closing the write connection: {}", e.toString());
        }
        db = null;
    }

    private void logStats() {
        long now = System.nanoTime();
        if (now - statSince < 10_000_000_000L || statBatches == 0) {
            return;
        }
        if (log.isDebugEnabled()) {
            log.debug("writes in the last {} s: {} batches, {} tasks ({} a batch), writer busy {}%",
                    (now - statSince) / 1_000_000_000L, statBatches, statTasks,
                    String.format("%.1f", (double) statTasks / statBatches), 100 * statBusyNanos / (now - statSince));
        }
        statBatches = 0;
        statTasks = 0;
        statBusyNanos = 0;
        statSince = now;
    }

    /**
     * Runs the batch in one transaction. Optimistically without a savepoint per task (two statements
     * fewer each); if any task fails, the whole transaction is rolled back and the batch is run again
     * with savepoints, so that only the failing task fails. Tasks only touch the database, so running
     * one again after a rollback is safe.
     */
    private void runBatch(List<Task<?>> batch) {
        if (batch.isEmpty()) {
            return;
        }
        if (db == null) {
            try {
                db = open();
            } catch (SQLException e) {
                refuse(batch, FaultCause.of(e).orElse(StorageFault.IO_ERROR), e);
                return;
            }
        }
        Object[] results = new Object[batch.size()];
        Connection c = db.connection();
        for (int attempt = 1; ; attempt++) {
            try {
                for (int i = 0; i < batch.size(); i++) {
                    results[i] = batch.get(i).work().run(db);
                }
                break;
            } catch (SQLException | RuntimeException e) {
                if (storageFault(batch, e) || !rolledBack(batch, c)) {
                    return;
                }
                if (retryable(e) && attempt < RETRIES) {
                    continue; // a deadlock's victim: rolled back, it released every lock, so the other batch goes on
                }
                runIsolated(batch);
                return;
            }
        }
        if (commit(batch, c)) {
            for (int i = 0; i < batch.size(); i++) {
                complete(batch.get(i), results[i], null);
            }
        }
    }

    /** Rolls the batch's transaction back; false (the batch refused, the connection ended) if even that failed. */
    private boolean rolledBack(List<Task<?>> batch, Connection c) {
        try {
            c.rollback();
            return true;
        } catch (SQLException rollbackFailure) {
            refuse(batch, FaultCause.of(rollbackFailure).orElse(StorageFault.IO_ERROR), rollbackFailure);
            return false;
        }
    }

    /** A task hit a deadlock or serialization failure in an isolated run: the whole run is rolled back and tried again. */
    private static final class Retry extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Retry(Throwable cause) {
            super(cause);
        }
    }

    /**
     * Runs the batch again with a savepoint per task, so that a failing task fails alone. A task that
     * fails with a deadlock or serialization failure is not failed: the whole run is rolled back (releasing
     * every lock it held, which is what a deadlocked peer waits for) and run again, a few times.
     */
    private void runIsolated(List<Task<?>> batch) {
        Object[] results = new Object[batch.size()];
        Throwable[] failures = new Throwable[batch.size()];
        Connection c = db.connection();
        for (int attempt = 1; ; attempt++) {
            try {
                for (int i = 0; i < batch.size(); i++) {
                    Savepoint sp = c.setSavepoint();
                    try {
                        results[i] = batch.get(i).work().run(db);
                        c.releaseSavepoint(sp);
                        failures[i] = null;
                    } catch (SQLException | RuntimeException e) {
                        if (FaultCause.of(e).isPresent()) {
                            throw e; // the storage's fault, not this task's: the whole batch goes
                        }
                        if (retryable(e) && attempt < RETRIES) {
                            throw new Retry(e);
                        }
                        c.rollback(sp);
                        c.releaseSavepoint(sp);
                        failures[i] = e;
                    }
                }
            } catch (Retry r) {
                if (!rolledBack(batch, c)) {
                    return;
                }
                continue;
            } catch (SQLException | RuntimeException e) {
                if (!storageFault(batch, e)) {
                    log.error("a write batch of {} failed", batch.size(), e);
                    refuse(batch, StorageFault.IO_ERROR, e); // the connection is in no known state: start afresh
                }
                return;
            }
            if (commit(batch, c)) {
                for (int i = 0; i < batch.size(); i++) {
                    complete(batch.get(i), results[i], failures[i]);
                }
            }
            return;
        }
    }

    /**
     * Commits; true if it did. A failed commit ends the connection (which rolls back whatever SQLite has
     * not) and fails every task: with {@link StorageUnavailableException} when the commit surely wrote
     * nothing (disk full, read-only), otherwise with a plain {@link StoreException} (outcome unknown).
     */
    private boolean commit(List<Task<?>> batch, Connection c) {
        try {
            c.commit();
        } catch (SQLException | RuntimeException e) {
            StorageFault f = FaultCause.of(e).orElse(StorageFault.IO_ERROR);
            if (f == StorageFault.DISK_FULL || f == StorageFault.READ_ONLY) {
                refuse(batch, f, e);
            } else {
                faults.faulted(f, e, batch.size());
                closeConnection();
                StoreException unknown = new StoreException("the commit failed (" + f.what()
                        + "); the writes may or may not be stored", e);
                for (Task<?> t : batch) {
                    t.future().completeExceptionally(unknown);
                }
            }
            return false;
        }
        faults.succeeded();
        return true;
    }

    /** Attempts for a batch that failed with a serialization failure or deadlock (PostgreSQL, several servers). */
    private static final int RETRIES = 5;

    private static boolean retryable(Exception e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLException s && ("40001".equals(s.getSQLState()) || "40P01".equals(s.getSQLState()))) {
                return true;
            }
        }
        return false;
    }

    /** If {@code e} is a storage fault, refuses the whole batch and returns true. */
    private boolean storageFault(List<Task<?>> batch, Exception e) {
        var f = FaultCause.of(e);
        f.ifPresent(fault -> refuse(batch, fault, e));
        return f.isPresent();
    }

    /** Nothing of the batch is stored: the connection is closed (rolling back) and every task refused. */
    private void refuse(List<Task<?>> batch, StorageFault f, Exception e) {
        faults.faulted(f, e, batch.size());
        closeConnection();
        StorageUnavailableException refused = new StorageUnavailableException(f, e);
        for (Task<?> t : batch) {
            t.future().completeExceptionally(refused);
        }
    }

    @SuppressWarnings("unchecked")
    private static <T> void complete(Task<T> task, Object result, Throwable failure) {
        if (failure != null) {
            task.future().completeExceptionally(failure);
        } else {
            task.future().complete((T) result);
        }
    }

    /** Finishes every task already submitted, then closes the write connection. */
    @Override
    public void close() {
        if (closed && !thread.isAlive()) {
            return;
        }
        closed = true;
        queue.add(STOP);
        boolean interrupted = false;
        while (thread.isAlive()) {
            try {
                thread.join();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
