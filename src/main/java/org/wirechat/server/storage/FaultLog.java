package org.wirechat.server.storage;

import java.util.Optional;
import org.slf4j.Logger;
import org.wirechat.server.core.port.StorageFault;

/**
 * The storage fault in force, if any, told to the log once when it starts and once when it clears (a
 * full disk must not write a line per refused request). Thread-safe; cheap when there is no fault.
 */
final class FaultLog {
    private final Logger log;
    private volatile StorageFault fault;
    private long sinceNanos;
    private long refused;

    FaultLog(Logger log) {
        this.log = log;
    }

    /** Writes ({@code tasks} of them) were refused because of {@code f}. */
    synchronized void faulted(StorageFault f, Throwable cause, int tasks) {
        if (fault == null) {
            sinceNanos = System.nanoTime();
            refused = 0;
            log.error("storage unavailable: {} ({}); writes are refused, and tried again with each new request, until it clears",
                    f.what(), cause.getMessage());
        }
        fault = f;
        refused += tasks;
    }

    /** A write succeeded: a fault in force has cleared. */
    void succeeded() {
        if (fault == null) {
            return;
        }
        synchronized (this) {
            if (fault != null) {
                log.warn("storage available again after {} s ({} writes refused meanwhile)",
                        (System.nanoTime() - sinceNanos) / 1_000_000_000L, refused);
                fault = null;
            }
        }
    }

    Optional<StorageFault> current() {
        return Optional.ofNullable(fault);
    }
}
