package org.wirechat.protocol;

import java.util.List;

/**
 * Input that breaks the protocol: a frame or field the codec refuses. Expected and handled (the session
 * answers with {@link #code()}), so it carries no stack trace.
 */
public final class ProtocolException extends Exception {
    private static final long serialVersionUID = 1L;

    private final ErrorCode code;
    private final String detail;
    private final int requestId;
    private final List<String> details;

    public ProtocolException(ErrorCode code, String detail) {
        this(code, detail, 0);
    }

    /** With the code-specific detail fields of the error response (see the spec's error table). */
    public ProtocolException(ErrorCode code, String detail, List<String> details) {
        super(code.text() + ": " + detail, null, false, false);
        this.code = code;
        this.detail = detail;
        this.requestId = 0;
        this.details = List.copyOf(details);
    }

    /** For a framing error found after the header was read, so the reply can echo the request id. */
    public ProtocolException(ErrorCode code, String detail, int requestId) {
        super(code.text() + ": " + detail, null, false, false);
        this.code = code;
        this.detail = detail;
        this.requestId = requestId;
        this.details = List.of();
    }

    /** Extra fields for the error response, e.g. a retry-after for RATE_LIMITED. */
    public List<String> details() {
        return details;
    }

    /** The request id to echo in the error reply (0 when it is not known). */
    public int requestId() {
        return requestId;
    }

    public ErrorCode code() {
        return code;
    }

    /** A human-readable explanation, safe to send back to the client (it never quotes secrets). */
    public String detail() {
        return detail;
    }
}
