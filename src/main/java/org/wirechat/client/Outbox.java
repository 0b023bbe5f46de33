package org.wirechat.client;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.wirechat.protocol.ErrorCode;
import org.wirechat.protocol.Request;
import org.wirechat.protocol.Response;

/**
 * The client's outbox: messages are queued at once and sent one at a time, in the order they were
 * queued, by a thread of their own, so a person never waits on the network to type the next line. A
 * message keeps its client message id through every retry (the server stores it once); it is retried
 * for as long as the server is unreachable, busy or cannot store, and held while the session has
 * expired until its sender logs in again. Only the server's refusal, a logout or closing the client
 * ends it unsent.
 */
final class Outbox {
    /** What the outbox needs of its client. */
    interface Carrier {
        /** The token to send {@code user}'s messages with, or {@code null} when {@code user} is not logged in. */
        String tokenFor(String user);

        /** The user logged in now, or {@code null}. */
        String user();

        /** One attempt over the command connection. */
        Response attempt(Request request) throws IOException;

        /** The server could not be reached (the attempt failed). */
        void unreachable(String why);

        /** The server said the session behind {@code token} is gone. */
        void sessionEnded(String token);
    }

    /** How often an INTERNAL_ERROR answer is retried before it is given up (the client id makes a retry safe). */
    private static final int INTERNAL_RETRIES = 3;
    private static final long LONGEST_SERVER_WAIT_MILLIS = 60_000;

    private final Carrier carrier;
    private final Backoff backoff;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    private final ArrayDeque<Outgoing> queue = new ArrayDeque<>();
    private final Thread thread;
    private boolean closed;
    /** The head while an attempt to send it is under way: it may be stored even if the attempt fails. */
    private Outgoing inFlight;
    /** The head was sent at least once without an answer: given up now, it may or may not be stored. */
    private boolean headTried;

    Outbox(Carrier carrier, Backoff backoff) {
        this.carrier = carrier;
        this.backoff = backoff;
        this.thread = Thread.ofPlatform().name("outbox").daemon(true).unstarted(this::run);
        thread.start();
    }

    /** Queues a message; it is sent when its turn comes. */
    Outgoing add(Outgoing o) throws ChatException {
        lock.lock();
        try {
            if (closed) {
                throw new ChatException(null, "the client is closed — nothing sent");
            }
            queue.addLast(o);
            changed.signalAll();
            return o;
        } finally {
            lock.unlock();
        }
    }

    /** Who is logged in changed: the head may be sendable now (or must be given up). */
    void sessionChanged() {
        lock.lock();
        try {
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Messages without their answer yet (one being answered right now is not counted). */
    int unsent() {
        lock.lock();
        try {
            return (int) queue.stream().filter(o -> !o.result().isDone()).count();
        } finally {
            lock.unlock();
        }
    }

    /** Waits until every queued message has its answer, or the time is up; true if none is left. */
    boolean awaitEmpty(Duration within) throws InterruptedException {
        long left = within.toNanos();
        lock.lock();
        try {
            while (!queue.isEmpty() && left > 0) {
                left = changed.awaitNanos(left);
            }
            return queue.isEmpty();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Gives up every queued message of {@code user}'s (all, when {@code null}), telling each why; one
     * being sent at this moment, or sent before without an answer, is told it may have been stored.
     */
    void giveUp(String user, String why) {
        List<Outgoing> dropped = new ArrayList<>();
        boolean maybeStored;
        lock.lock();
        try {
            Outgoing head = queue.peekFirst();
            maybeStored = head != null && (head == inFlight || headTried);
            queue.removeIf(o -> {
                if (user == null || o.from().equalsIgnoreCase(user)) {
                    dropped.add(o);
                    return true;
                }
                return false;
            });
            if (!queue.isEmpty() && queue.peekFirst() != head) {
                headTried = false;
            }
            changed.signalAll();
        } finally {
            lock.unlock();
        }
        for (int i = 0; i < dropped.size(); i++) {
            boolean maybe = i == 0 && maybeStored;
            dropped.get(i).result().completeExceptionally(new ChatException(null, maybe
                    ? "not known whether the message to " + dropped.get(i).to() + " was stored (" + why + " while it was being sent)"
                    : "not sent to " + dropped.get(i).to() + ": " + why));
        }
    }

    /** Stops taking messages and starting attempts; an attempt under way ends when its connection is closed. */
    void stop() {
        lock.lock();
        try {
            closed = true;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** After {@link #stop} and closing the connection: waits for the thread, then gives up what is still queued. */
    void close() {
        stop();
        thread.interrupt();
        try {
            thread.join(TimeUnit.SECONDS.toMillis(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        giveUp(null, "the client was closed");
    }

    private void run() {
        int failures = 0;
        int internalErrors = 0;
        while (true) {
            Outgoing o;
            String token;
            lock.lock();
            try {
                while (true) {
                    if (closed) {
                        return;
                    }
                    o = queue.peekFirst();
                    if (o != null) {
                        token = carrier.tokenFor(o.from());
                        if (token != null) {
                            break;
                        }
                        String now = carrier.user();
                        if (now != null) { // someone else logged in: this one can never go now
                            lock.unlock();
                            try {
                                giveUp(o.from(), o.from() + " logged out and " + now + " logged in");
                            } finally {
                                lock.lock();
                            }
                            continue;
                        }
                    }
                    changed.awaitUninterruptibly(); // nothing to send, or its sender is not logged in: wait
                }
                inFlight = o;
            } finally {
                lock.unlock();
            }
            long pauseMillis = 0;
            Response r = null;
            try {
                r = carrier.attempt(new Request.Send(token, o.to(), o.clientId(), o.body()));
                failures = 0;
            } catch (IncompatibleServerException e) {
                finish(o, null, new ChatException(null, "cannot talk to the server: " + e.getMessage()), true);
                continue;
            } catch (RuntimeException e) { // a fault of this client: this message fails, the outbox goes on with the next
                finish(o, null, new ChatException(null, "the client failed sending it: " + e), true);
                continue;
            } catch (IOException e) {
                carrier.unreachable(e.getMessage());
                pauseMillis = backoff.delayMillis(failures++);
            }
            if (r instanceof Response.Sent s) {
                internalErrors = 0;
                finish(o, s, null, false);
                continue;
            }
            if (r instanceof Response.Error e) {
                switch (e.code()) {
                    case NOT_AUTHENTICATED -> carrier.sessionEnded(token); // held until its sender logs in again
                    case RATE_LIMITED, STORAGE_UNAVAILABLE, SERVER_BUSY, SHUTTING_DOWN -> pauseMillis = serverWait(e);
                    case INTERNAL_ERROR -> {
                        if (++internalErrors > INTERNAL_RETRIES) {
                            internalErrors = 0;
                            finish(o, null, ChatException.of(e), false); // its words say it may or may not be stored
                            continue;
                        }
                        pauseMillis = backoff.delayMillis(internalErrors);
                    }
                    default -> {
                        finish(o, null, ChatException.of(e), false);
                        continue;
                    }
                }
            } else if (r != null) {
                finish(o, null, new ChatException(ErrorCode.INTERNAL_ERROR, "the server answered a SEND with "
                        + r.getClass().getSimpleName()), true);
                continue;
            }
            lock.lock();
            try {
                inFlight = null;
                headTried = headTried || r == null || errorCode(r) == ErrorCode.INTERNAL_ERROR;
                if (pauseMillis > 0 && !closed) {
                    changed.awaitNanos(TimeUnit.MILLISECONDS.toNanos(pauseMillis)); // a new message or a login cuts it short
                }
            } catch (InterruptedException x) {
                // closing
            } finally {
                lock.unlock();
            }
        }
    }

    private static ErrorCode errorCode(Response r) {
        return r instanceof Response.Error e ? e.code() : null;
    }

    /** The wait an error's first detail asks for, within reason. */
    private long serverWait(Response.Error e) {
        long asked = 1_000;
        if (!e.details().isEmpty()) {
            try {
                asked = Long.parseLong(e.details().get(0));
            } catch (NumberFormatException x) {
                // the default
            }
        }
        return Math.clamp(asked, backoff.first().toMillis(), LONGEST_SERVER_WAIT_MILLIS);
    }

    /**
     * The head has its answer: out of the queue, then its result told. A refusal by the server is certain
     * (a retry of a stored message would have been answered with its id); {@code maybeStored} marks a
     * give-up, which may follow an attempt the server did carry out.
     */
    private void finish(Outgoing o, Response.Sent sent, ChatException refused, boolean maybeStored) {
        boolean tried;
        lock.lock();
        try {
            tried = headTried;
        } finally {
            lock.unlock();
        }
        // told first (outside the lock: a front end's callback may take its own locks), then out of the
        // queue, so that whoever sees the queue empty also sees every result
        if (sent != null) {
            o.result().complete(sent);
        } else if (maybeStored && tried) {
            o.result().completeExceptionally(new ChatException(refused.code(), refused.getMessage()
                    + " (it may or may not have been stored)"));
        } else {
            o.result().completeExceptionally(refused);
        }
        lock.lock();
        try {
            if (queue.peekFirst() == o) {
                queue.removeFirst();
            }
            inFlight = null;
            headTried = false;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }
}
