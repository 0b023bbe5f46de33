package org.wirechat.client;

import java.io.IOException;
import java.util.List;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import org.wirechat.protocol.ErrorCode;
import org.wirechat.protocol.Request;
import org.wirechat.protocol.Response;

/**
 * The inbox poller: on its own connection, a loop of long-poll FETCHes (SYNCs, which also bring who is typing,
 * when the server has them). Each fetch acknowledges the
 * messages already handed to the listener (shown), so a message is acknowledged only after it was
 * shown; messages are handed over once each, in order, by id (a redelivery after a lost connection is
 * dropped). A lost connection is retried with backoff until {@link #stop()}; a session the server no
 * longer knows is handed back to the client, which ends it.
 */
final class Poller implements Runnable {
    static final int BATCH = 100;

    private final ChatClient.Endpoint endpoint;
    private final String token;
    private final AtomicLong lastShown;
    private final ChatClient.Listener listener;
    private final Link link;
    private final ChatClient.Options options;
    private final Runnable expired;
    /** Whether the server answers SYNC (then live events come with the messages over the wire protocol). */
    private final BooleanSupplier syncs;
    /** Done once the server's features are known: the first poll that waits (or the first stream) waits for it. */
    private final Future<?> learned;
    /** Ends a backoff pause early: stopping, or a sign that the server is back (or the person asked to retry now). */
    private final Semaphore wake = new Semaphore(0);
    private final Thread thread;
    private volatile boolean stopping;
    private volatile ServerConnection connection;

    Poller(ChatClient.Endpoint endpoint, String token, AtomicLong lastShown, ChatClient.Listener listener, Link link,
            ChatClient.Options options, BooleanSupplier syncs, Future<?> learned, Runnable expired) {
        this.expired = expired;
        this.syncs = syncs;
        this.learned = learned;
        this.endpoint = endpoint;
        this.token = token;
        this.lastShown = lastShown;
        this.listener = listener;
        this.link = link;
        this.options = options;
        this.thread = Thread.ofPlatform().name("inbox-poller").daemon(true).unstarted(this);
    }

    void start() {
        thread.start();
    }

    @Override
    public void run() {
        int failures = 0;
        boolean fresh = false;
        while (!stopping) {
            try {
                ServerConnection c = connection;
                if (c == null || c.isClosed()) {
                    c = endpoint.connect();
                    connection = c;
                    fresh = true;
                    if (stopping) {
                        c.close();
                        return;
                    }
                }
                if (c instanceof Subscribing s) { // gRPC: pushed as stored, acknowledged as shown
                    link.up(); // connected: the server is there
                    awaitFeatures();
                    failures = 0;
                    Consumer<Response.Message> pushed = m -> {
                        long before = lastShown.get();
                        hand(List.of(m));
                        if (lastShown.get() > before) {
                            s.acknowledgeLater(token, lastShown.get());
                        }
                    };
                    Response.Error refused = syncs.getAsBoolean()
                            ? s.sync(token, lastShown.get(), pushed, t -> {
                                if (!stopping) {
                                    listener.typing(t);
                                }
                            })
                            : s.subscribe(token, lastShown.get(), pushed);
                    if (refused.code() == ErrorCode.NOT_AUTHENTICATED) {
                        if (!stopping) {
                            expired.run();
                        }
                        return;
                    }
                    if (refused.code() == ErrorCode.DEVICE_IN_USE) {
                        takenOver(refused);
                        return;
                    }
                    switch (refused.code()) { // the server going away ends a stream as closing a connection does
                        case SHUTTING_DOWN, SERVER_BUSY, IDLE_TIMEOUT -> link.down(ErrorText.describe(refused));
                        default -> listener.problem("receiving messages failed: " + ErrorText.describe(refused));
                    }
                    c.close(); // a fresh connection for the next subscription
                    connection = null;
                    pause(failures++);
                    continue;
                }
                // the first poll on a new connection does not wait: the server's answer says at once that it is back
                int waitMillis = fresh ? 0 : (int) options.pollWait().toMillis();
                if (waitMillis > 0) {
                    awaitFeatures();
                }
                Response r = c.call(syncs.getAsBoolean() ? new Request.Sync(token, lastShown.get(), BATCH, waitMillis)
                        : new Request.Fetch(token, lastShown.get(), BATCH, waitMillis));
                fresh = false;
                link.up();
                failures = 0;
                wake.drainPermits();
                if (r instanceof Response.Messages m) {
                    hand(m.messages());
                } else if (r instanceof Response.Events e) {
                    if (!stopping) { // the events first: a message of one typing ends their indication
                        e.typing().forEach(listener::typing);
                    }
                    hand(e.messages());
                } else if (r instanceof Response.Error e && e.code() == ErrorCode.NOT_AUTHENTICATED) {
                    if (!stopping) {
                        expired.run(); // the client ends the session (which stops this poller) and tells the listener
                    }
                    return;
                } else if (r instanceof Response.Error e && e.code() == ErrorCode.DEVICE_IN_USE) {
                    takenOver(e);
                    return;
                } else if (r instanceof Response.Error e) {
                    listener.problem("checking for messages failed: " + ErrorText.describe(e));
                    pause(failures++);
                }
            } catch (IOException e) {
                if (stopping) {
                    return;
                }
                link.down(e.getMessage());
                pause(failures++);
            }
        }
    }

    /**
     * Waits (at most a poll's wait) until the client knows whether the server has events, so that a long poll is a
     * SYNC from the start where it can be: a device is kept live events from its first SYNC on.
     */
    private void awaitFeatures() {
        if (learned.isDone()) {
            return;
        }
        try {
            learned.get(options.pollWait().toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            stopping = true;
        } catch (ExecutionException | TimeoutException e) {
            // not known in time: FETCH until it is
        }
    }

    /** Another client logged in as this device: told once, and this poller stops (polling on would fight it). */
    private void takenOver(Response.Error e) {
        if (!stopping) {
            listener.deviceInUse(ErrorText.describe(e));
        }
    }

    private void hand(List<Response.Message> messages) {
        long seen = lastShown.get();
        List<Response.Message> fresh = messages.stream().filter(m -> m.id() > seen).toList();
        if (!fresh.isEmpty() && !stopping) {
            listener.messages(fresh);
            lastShown.set(fresh.get(fresh.size() - 1).id());
        }
    }

    /** Waits out the backoff before the next attempt (telling the listener when, while the server is away). */
    private void pause(int attempt) {
        Duration delay = options.backoff().delay(attempt);
        if (!link.isUp() && !stopping) {
            listener.reconnecting(delay, attempt + 1);
        }
        try {
            if (wake.tryAcquire(delay.toNanos(), TimeUnit.NANOSECONDS)) {
                wake.drainPermits();
            }
        } catch (InterruptedException e) {
            stopping = true;
        }
    }

    /** Tries again now instead of at the end of the backoff under way (the server may well be back). */
    void wake() {
        wake.release();
    }

    /** Stops polling and waits for the loop to end; messages not yet handed over stay on the server. */
    void stop() {
        stopping = true;
        wake.release();
        ServerConnection c = connection;
        if (c != null) {
            c.close();
        }
        if (Thread.currentThread() != thread) {
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
        ServerConnection last = connection;
        if (last != null) {
            last.close();
        }
    }
}
