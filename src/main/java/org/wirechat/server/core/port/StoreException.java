package org.wirechat.server.core.port;

/** The store failed (disk, database): a server-side fault, never the client's. */
public class StoreException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public StoreException(String message, Throwable cause) {
        super(message, cause);
    }
}
