package org.wirechat.client;

/**
 * Whether the server is reachable, shared by the command path and the poller; tells the listener only on a change.
 * The listener is told one change at a time, and always last the state the link is in: a request answered just
 * before the server went away may report it up while the poller reports it gone; were the two told out of order,
 * the listener would show "connected" with the server gone, and with no further change nothing would correct it.
 */
final class Link {
    private final ChatClient.Listener listener;
    /** Run when the server is reachable again: whatever waits out a backoff tries at once. */
    private final Runnable back;

    // guarded by this
    private boolean up = true;
    /** What the listener was last told (or is being told). */
    private boolean told = true;
    /** A thread is telling the listener; it tells any change made meanwhile before it returns. */
    private boolean telling;
    private String why = "";

    Link(ChatClient.Listener listener, Runnable back) {
        this.listener = listener;
        this.back = back;
    }

    void down(String why) {
        synchronized (this) {
            if (!up) {
                return;
            }
            up = false;
            this.why = why;
        }
        tell();
    }

    synchronized boolean isUp() {
        return up;
    }

    void up() {
        synchronized (this) {
            if (up) {
                return;
            }
            up = true;
        }
        back.run();
        tell();
    }

    /** Tells the listener the link's state until what it was told is the state (no monitor held while telling). */
    private void tell() {
        while (true) {
            boolean now;
            String reason;
            synchronized (this) {
                if (telling || told == up) {
                    return; // the thread telling sees this change when it is done
                }
                telling = true;
                now = up;
                told = now;
                reason = why;
            }
            try {
                if (now) {
                    listener.reconnected();
                } else {
                    listener.connectionLost(reason);
                }
            } finally {
                synchronized (this) {
                    telling = false;
                }
            }
        }
    }
}
