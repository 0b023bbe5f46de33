package org.wirechat.server.core;

import java.util.List;

/** A refusal: the error, a short safe text for the user, and the details the spec gives the error. */
public final class ChatException extends Exception {
    private final ChatError error;
    private final String detail;
    private final List<String> details;

    public ChatException(ChatError error, String detail) {
        this(error, detail, List.of());
    }

    public ChatException(ChatError error, String detail, List<String> details) {
        super(error + ": " + detail, null, false, false);
        this.error = error;
        this.detail = detail;
        this.details = List.copyOf(details);
    }

    public ChatError error() {
        return error;
    }

    public String detail() {
        return detail;
    }

    public List<String> details() {
        return details;
    }
}
