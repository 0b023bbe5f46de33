package org.wirechat.server.core.port;

import java.time.Duration;

/**
 * A write was refused because the storage cannot take writes right now (disk full, read-only, an I/O
 * error, the database unreachable), and <b>nothing of it was stored</b>: its transaction was rolled back
 * for certain. Retrying after {@link #retryAfter()} is safe.
 */
public final class StorageUnavailableException extends StoreException {
    private static final long serialVersionUID = 1L;
    /** How long a client is asked to wait before trying again. */
    public static final Duration RETRY_AFTER = Duration.ofSeconds(1);

    private final StorageFault fault;

    public StorageUnavailableException(StorageFault fault, Throwable cause) {
        super("storage unavailable (" + fault.what() + "): nothing was stored", cause);
        this.fault = fault;
    }

    public StorageFault fault() {
        return fault;
    }

    public Duration retryAfter() {
        return RETRY_AFTER;
    }
}
