package org.wirechat.client;

import java.io.IOException;

/**
 * The server was reached but cannot be talked to, and trying again will not help: its TLS certificate
 * is not trusted or does not name the host, or it does not speak wirechat (or speaks TLS to a plain client).
 */
public final class IncompatibleServerException extends IOException {
    private static final long serialVersionUID = 1L;

    public IncompatibleServerException(String message, Throwable cause) {
        super(message, cause);
    }
}
