package org.wirechat.client;

import java.io.IOException;

/** The connection to the server broke, or the server ended it; a request in flight may or may not have taken effect. */
public final class ConnectionLostException extends IOException {
    private static final long serialVersionUID = 1L;

    public ConnectionLostException(String message) {
        super(message);
    }

    public ConnectionLostException(String message, Throwable cause) {
        super(message, cause);
    }
}
