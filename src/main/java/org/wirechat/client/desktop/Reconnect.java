package org.wirechat.client.desktop;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * The desktop's reconnection, as a phone app does it: while the server cannot be reached it is tried after
 * 1 s, 2 s, then every {@link #LONGEST} (so the client is back within that of the server's return, however long
 * the outage), with a countdown for the status line, and "Retry now" tries at once. The client's own
 * backoff keeps running beside it; whichever reaches the server first ends the outage.
 */
final class Reconnect implements AutoCloseable {
    /** The waits between tries: the last one repeats. */
    static final List<Duration> DELAYS = List.of(Duration.ofSeconds(1), Duration.ofSeconds(2), Duration.ofSeconds(4));
    static final Duration LONGEST = DELAYS.getLast();
    /** How often the countdown is looked at (the status line changes once a second). */
    private static final Duration TICK = Duration.ofMillis(200);

    private final BooleanSupplier attempt;
    private final Runnable changed;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "wirechat-reconnect");
        t.setDaemon(true);
        return t;
    });

    // guarded by this
    private boolean down;
    private boolean trying;
    private int failures;
    private long dueNanos;
    private long shownSeconds = -1;
    private ScheduledFuture<?> ticker;

    /**
     * @param attempt tries the server once (blocking); true if it answered
     * @param changed told when the countdown shown changes
     */
    Reconnect(BooleanSupplier attempt, Runnable changed) {
        this.attempt = attempt;
        this.changed = changed;
    }

    /** The link went down: the countdown to the first try begins. */
    synchronized void lost() {
        if (down) {
            return;
        }
        down = true;
        failures = 0;
        dueNanos = System.nanoTime() + DELAYS.getFirst().toNanos();
        ticker = timer.scheduleWithFixedDelay(this::tick, TICK.toMillis(), TICK.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** The link is up again (or the session ended): no more tries. */
    synchronized void back() {
        down = false;
        shownSeconds = -1;
        if (ticker != null) {
            ticker.cancel(false);
            ticker = null;
        }
    }

    /** Seconds until the next try; 0 while trying; -1 when the link is not down. */
    synchronized long secondsLeft() {
        if (!down) {
            return -1;
        }
        if (trying) {
            return 0;
        }
        return Math.max(1, TimeUnit.NANOSECONDS.toSeconds(dueNanos - System.nanoTime() + TimeUnit.SECONDS.toNanos(1) - 1));
    }

    private void tick() {
        boolean due;
        synchronized (this) {
            due = down && !trying && System.nanoTime() >= dueNanos;
        }
        if (due) {
            tryNow();
            return;
        }
        long left = secondsLeft();
        boolean show;
        synchronized (this) {
            show = left != shownSeconds;
            shownSeconds = left;
        }
        if (show) {
            changed.run();
        }
    }

    /** Tries the server at once (blocking); true if it answered. While down and not answered, the countdown starts over. */
    boolean tryNow() {
        synchronized (this) {
            if (trying) {
                return false; // one try at a time: the one under way answers
            }
            trying = true;
        }
        changed.run();
        boolean ok = false;
        try {
            ok = attempt.getAsBoolean();
        } finally {
            synchronized (this) {
                trying = false;
                if (!ok && down) {
                    failures++;
                    dueNanos = System.nanoTime() + DELAYS.get(Math.min(failures, DELAYS.size() - 1)).toNanos();
                }
            }
        }
        if (ok) {
            back();
        }
        changed.run();
        return ok;
    }

    @Override
    public void close() {
        back();
        timer.shutdownNow();
    }
}
