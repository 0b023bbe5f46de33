package org.wirechat.server.core.inbox;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Long polls waiting for mail. A fetch registers a waiter <em>before</em> it reads the inbox, so a
 * message committed after that read always finds the waiter and wakes it: no wake-up is lost. Every
 * waiter is one-shot. The map holds only accounts with a waiter; the last one out removes the entry
 * (inside {@code compute}, so registration and removal cannot race).
 */
public final class InboxWaiters {
    /** Waits at least this long rely on the deadline sweep instead of a timer. */
    static final long SWEPT_NANOS = 250_000_000;

    private final ConcurrentHashMap<Long, Set<Waiter>> byAccount = new ConcurrentHashMap<>();
    private volatile boolean closed;

    /** One waiting fetch. */
    public static final class Waiter implements AutoCloseable {
        private final InboxWaiters owner;
        private final long accountId;
        private final CountDownLatch signal = new CountDownLatch(1);
        /** When the wait must end (System.nanoTime), or 0 while not waiting untimed: for {@link #expire}. */
        private volatile long deadline;

        private Waiter(InboxWaiters owner, long accountId) {
            this.owner = owner;
            this.accountId = accountId;
        }

        /**
         * Waits until woken or {@code deadlineNanos} (System.nanoTime) has passed, without a timer of its
         * own: {@link InboxWaiters#expire}, called by the server's deadline sweep, wakes a wait past its
         * deadline. A wait shorter than {@link #SWEPT_NANOS} is timed (the sweep would be too coarse).
         */
        public void awaitUntil(long deadlineNanos) throws InterruptedException {
            long left = deadlineNanos - System.nanoTime();
            if (left <= 0) {
                return;
            }
            if (left < SWEPT_NANOS) {
                signal.await(left, TimeUnit.NANOSECONDS);
                return;
            }
            deadline = deadlineNanos;
            try {
                signal.await();
            } finally {
                deadline = 0;
            }
        }

        void wake() {
            signal.countDown();
        }

        @Override
        public void close() {
            owner.byAccount.computeIfPresent(accountId, (id, set) -> {
                set.remove(this);
                return set.isEmpty() ? null : set;
            });
        }
    }

    public Waiter register(long accountId) {
        Waiter w = new Waiter(this, accountId);
        byAccount.compute(accountId, (id, set) -> {
            Set<Waiter> s = set != null ? set : ConcurrentHashMap.newKeySet();
            s.add(w);
            return s;
        });
        if (closed) {
            w.wake();
        }
        return w;
    }

    /** Wakes every fetch waiting for this account's mail. */
    public void wake(long accountId) {
        Set<Waiter> set = byAccount.get(accountId);
        if (set != null) {
            set.forEach(Waiter::wake);
        }
    }

    /** Wakes every wait past its deadline (see {@link Waiter#awaitUntil}); called by the deadline sweep. */
    public void expire(long nowNanos) {
        for (Set<Waiter> set : byAccount.values()) {
            for (Waiter w : set) {
                long d = w.deadline;
                if (d != 0 && nowNanos - d >= 0) {
                    w.wake();
                }
            }
        }
    }

    /** Wakes every fetch waiting now, so each reads its inbox again (changes may have been missed). */
    public void wakeEveryone() {
        byAccount.values().forEach(set -> set.forEach(Waiter::wake));
    }

    /** Wakes every waiter, now and from now on (shutdown). */
    public void wakeAll() {
        closed = true;
        byAccount.values().forEach(set -> set.forEach(Waiter::wake));
    }

    /** True once {@link #wakeAll()} ran: fetches should stop waiting. */
    public boolean isClosed() {
        return closed;
    }

    /** Accounts with a fetch waiting (for tests and metrics). */
    public int waitingAccounts() {
        return byAccount.size();
    }
}
