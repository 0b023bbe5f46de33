package org.wirechat.protocol;

/**
 * Input that breaks the protocol: a frame or field the codec refuses. Expected and handled (the session
 * answers with {@link #code()}), so it carries no stack trace.
 */
public class ProtocolException extends Exception {
    private static final long serialVersionUID = 1L;

    private final ErrorCode code;
    private final String detail;

    public ProtocolException(ErrorCode code, String detail) {
        super(code.text() + ": " + detail, null, false, false);
        this.code = code;
        this.detail = detail;
    }

    public ErrorCode code() {
        return code;
    }

    /** A human-readable explanation, safe to send back to the client (it never quotes secrets). */
    public String detail() {
        return detail;
    }
}
