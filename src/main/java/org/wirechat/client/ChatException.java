package org.wirechat.client;

import org.wirechat.protocol.ErrorCode;
import org.wirechat.protocol.ProtocolException;
import org.wirechat.protocol.Response;

/**
 * A request that did not succeed, with a message fit to show a person. {@link #code()} is the
 * server's (or the client-side check's) error code, or {@code null} if the server could not be reached.
 */
public final class ChatException extends Exception {
    private static final long serialVersionUID = 1L;
    private final transient ErrorCode code;

    public ChatException(ErrorCode code, String message) {
        super(message, null, false, false);
        this.code = code;
    }

    static ChatException of(Response.Error e) {
        return new ChatException(e.code(), ErrorText.describe(e));
    }

    /** A local check (the same as the server's) refused the input before it was sent. */
    static ChatException of(ProtocolException e) {
        return new ChatException(e.code(), ErrorText.describe(e.code(), e.detail()));
    }

    static ChatException unreachable(String message) {
        return new ChatException(null, message);
    }

    public ErrorCode code() {
        return code;
    }
}
