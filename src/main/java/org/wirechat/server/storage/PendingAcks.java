package org.wirechat.server.storage;

import java.sql.SQLException;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Acknowledgements waiting for the writer (account → highest id), applied together by one task per
 * write batch, so polling clients do not cost a statement each and a transaction of their own. A later
 * write from the same account is queued after the flush task, so the order of an account's writes is
 * kept. Thread-safe.
 */
final class PendingAcks {
    /** Applies one account's acknowledgement on the writer's connection; returns the messages it marked. */
    @FunctionalInterface
    interface Apply {
        int apply(long accountId, long throughId) throws SQLException;
    }

    private final ConcurrentHashMap<Long, Long> pending = new ConcurrentHashMap<>();
    private final AtomicBoolean flushQueued = new AtomicBoolean();

    /** Records the acknowledgement; true if the caller must queue a flush task (none is queued yet). */
    boolean add(long accountId, long throughId) {
        pending.merge(accountId, throughId, Math::max);
        return flushQueued.compareAndSet(false, true);
    }

    /** The flush task's work: applies each pending acknowledgement once; returns the messages marked. */
    int flush(Apply apply) throws SQLException {
        flushQueued.set(false); // acknowledgements arriving from now on queue another flush
        int total = 0;
        for (Long account : List.copyOf(pending.keySet())) {
            Long through = pending.remove(account);
            if (through != null) {
                total += apply.apply(account, through);
            }
        }
        return total;
    }
}
