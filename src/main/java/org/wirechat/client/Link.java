package org.wirechat.client;

import java.util.concurrent.atomic.AtomicBoolean;

/** Whether the server is reachable, shared by the command path and the poller; tells the listener only on a change. */
final class Link {
    private final AtomicBoolean up = new AtomicBoolean(true);
    private final ChatClient.Listener listener;
    /** Run when the server is reachable again: whatever waits out a backoff tries at once. */
    private final Runnable back;

    Link(ChatClient.Listener listener, Runnable back) {
        this.listener = listener;
        this.back = back;
    }

    void down(String why) {
        if (up.compareAndSet(true, false)) {
            listener.connectionLost(why);
        }
    }

    boolean isUp() {
        return up.get();
    }

    void up() {
        if (up.compareAndSet(false, true)) {
            back.run();
            listener.reconnected();
        }
    }
}
