package org.wirechat.client.local;

/** The local store could not be read or written (a full disk, a damaged file): what the server holds is not affected. */
public final class LocalStoreException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    LocalStoreException(String message, Throwable cause) {
        super(message, cause);
    }
}
