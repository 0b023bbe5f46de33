package org.wirechat.client.grpc;

import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongConsumer;

/**
 * Acknowledgements coalesced: at most one on its way at a time, and when it is answered the newest id
 * asked meanwhile (if any) goes next. Under a stream of pushed messages this sends one Ack a round trip
 * instead of one a message; a lost one is covered by the next, as acknowledging through an id covers all
 * before it.
 */
public final class Acknowledger {
    private final AtomicLong wanted = new AtomicLong();
    private final AtomicLong sent = new AtomicLong();
    private final AtomicBoolean inFlight = new AtomicBoolean();
    private final LongConsumer send;

    /** {@code send} sends one Ack through the id given and calls {@link #answered()} when it is answered (or failed). */
    public Acknowledger(LongConsumer send) {
        this.send = send;
    }

    /** Acknowledge through {@code id}, now or right after the acknowledgement on its way. */
    public void through(long id) {
        wanted.accumulateAndGet(id, Math::max);
        next();
    }

    /** The acknowledgement on its way was answered (or failed): the newest one asked meanwhile goes now. */
    public void answered() {
        inFlight.set(false);
        next();
    }

    private void next() {
        while (wanted.get() > sent.get() && inFlight.compareAndSet(false, true)) {
            long id = wanted.get();
            if (id <= sent.get()) { // another thread sent it meanwhile
                inFlight.set(false);
                continue;
            }
            sent.set(id);
            send.accept(id);
            return;
        }
    }
}
