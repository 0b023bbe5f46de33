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
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one thread that writes, with group commit: it takes every task waiting in its queue (up to
 * {@link #MAX_BATCH}), runs them inside one transaction, commits once (one fsync), and only then
 * completes the tasks' futures. A task that fails fails alone (the batch is rolled back and run again
 * with a savepoint per task); a failed commit fails the whole batch. Tasks run in the order they were
 * submitted.
 */
final class Writer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Writer.class);
    static final int MAX_BATCH = 512;

    /** Work on the write connection, inside the batch's transaction. */
    @FunctionalInterface
    interface Work<T> {
        T run(Statements db) throws SQLException;
    }

    private record Task<T>(Work<T> work, CompletableFuture<T> future) {
    }

    private static final Task<Void> STOP = new Task<>(db -> null, new CompletableFuture<>());

    private final Statements db;
    private final BlockingQueue<Task<?>> queue = new LinkedBlockingQueue<>();
    private final Thread thread;
    private volatile boolean closed;
    /** Batch statistics for the DEBUG log (writer thread only): how full batches are, how busy the writer is. */
    private long statBatches;
    private long statTasks;
    private long statBusyNanos;
    private long statSince = System.nanoTime();

    Writer(Connection connection) throws SQLException {
        connection.setAutoCommit(false);
        this.db = new Statements(connection);
        this.thread = Thread.ofPlatform().name("store-writer").daemon(false).start(this::loop);
    }

    /** Queues the work; the future completes once its transaction is committed. */
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

    /** Waits for a submitted write; its failure becomes a {@link StoreException}. */
    static <T> T await(CompletableFuture<T> write) {
        try {
            return write.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StoreException("interrupted while waiting for a write", e);
        } catch (ExecutionException e) {
            throw new StoreException("write failed", e.getCause());
        }
    }

    private void loop() {
        List<Task<?>> batch = new ArrayList<>(MAX_BATCH);
        boolean stopping = false;
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
            statBatches++;
            statTasks += batch.size();
            statBusyNanos += System.nanoTime() - start;
            batch.clear();
            logStats();
        }
        Task<?> late;
        while ((late = queue.poll()) != null) {
            late.future().completeExceptionally(new IllegalStateException("store is closed"));
        }
        try {
            db.close();
        } catch (SQLException e) {
            log.warn("closing the write connection failed", e);
        }
    }

    /**
     * Runs the batch in one transaction. Optimistically without a savepoint per task (two statements
     * fewer each); if any task fails, the whole transaction is rolled back and the batch is run again
     * with savepoints, so that only the failing task fails. Tasks only touch the database, so running
     * one again after a rollback is safe.
     */
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

    private void runBatch(List<Task<?>> batch) {
        if (batch.isEmpty()) {
            return;
        }
        Object[] results = new Object[batch.size()];
        Connection c = db.connection();
        try {
            for (int i = 0; i < batch.size(); i++) {
                results[i] = batch.get(i).work().run(db);
            }
            c.commit();
        } catch (SQLException | RuntimeException e) {
            try {
                c.rollback();
            } catch (SQLException rollbackFailure) {
                e.addSuppressed(rollbackFailure);
            }
            runIsolated(batch);
            return;
        }
        for (int i = 0; i < batch.size(); i++) {
            complete(batch.get(i), results[i], null);
        }
    }

    private void runIsolated(List<Task<?>> batch) {
        Object[] results = new Object[batch.size()];
        Throwable[] failures = new Throwable[batch.size()];
        Connection c = db.connection();
        try {
            for (int i = 0; i < batch.size(); i++) {
                Savepoint sp = c.setSavepoint();
                try {
                    results[i] = batch.get(i).work().run(db);
                    c.releaseSavepoint(sp);
                } catch (SQLException | RuntimeException e) {
                    c.rollback(sp);
                    c.releaseSavepoint(sp);
                    failures[i] = e;
                }
            }
            c.commit();
        } catch (SQLException | RuntimeException e) {
            log.error("a write batch of {} failed to commit", batch.size(), e);
            try {
                c.rollback();
            } catch (SQLException rollbackFailure) {
                e.addSuppressed(rollbackFailure);
            }
            for (Task<?> t : batch) {
                t.future().completeExceptionally(e);
            }
            return;
        }
        for (int i = 0; i < batch.size(); i++) {
            complete(batch.get(i), results[i], failures[i]);
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
        if (closed) {
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
