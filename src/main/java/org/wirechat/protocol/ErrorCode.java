package org.wirechat.protocol;

/**
 * Every status a response can carry. The wire number is stable forever; the text is short, safe to
 * show a user, and never contains request data. {@link #closesConnection()} says whether the server
 * closes the connection after sending the error (errors that break framing, or that end the session).
 *
 * <p>{@link #UNKNOWN} is never sent: it stands for a status number this build does not know (a newer
 * server may add codes within protocol version 1).
 */
public enum ErrorCode {
    OK(0, false, "ok"),

    // The frame itself is broken: one error frame, then the connection closes.
    MALFORMED_FRAME(1, true, "malformed frame"),
    FRAME_TOO_LARGE(2, true, "frame too large"),
    UNSUPPORTED_VERSION(3, true, "unsupported protocol version"),

    // A well-framed request that is not valid: an error response, the connection stays open.
    UNKNOWN_OPCODE(10, false, "unknown opcode"),
    WRONG_FIELD_COUNT(11, false, "wrong number of fields"),
    INVALID_ENCODING(12, false, "invalid UTF-8"),
    INVALID_CHARACTER(13, false, "control character in a field"),
    FIELD_TOO_LONG(14, false, "field too long"),
    INVALID_FIELD(15, false, "invalid field value"),
    INVALID_USERNAME(20, false, "invalid username"),
    INVALID_PASSWORD(21, false, "invalid password"),
    INVALID_NAME(22, false, "invalid full name"),
    MESSAGE_TOO_LONG(23, false, "message too long"),
    MESSAGE_EMPTY(24, false, "message is empty"),
    INVALID_PATTERN(25, false, "invalid pattern"),
    INVALID_GROUP_NAME(26, false, "invalid group name"),

    // The request is valid but cannot be carried out.
    USERNAME_TAKEN(30, false, "username taken"),
    BAD_CREDENTIALS(31, false, "wrong username or password"),
    NOT_AUTHENTICATED(32, false, "not logged in or session expired"),
    NO_SUCH_USER(33, false, "no such user"),
    INBOX_NOT_EMPTY(34, false, "inbox not empty"),
    INBOX_FULL(35, false, "recipient's inbox is full"),
    RATE_LIMITED(36, false, "rate limited"),
    CLIENT_ID_REUSED(37, false, "client message id reused for a different message"),
    STORAGE_UNAVAILABLE(38, false, "server storage unavailable; nothing was stored"),
    ACCOUNT_DISABLED(39, false, "account disabled by the administrator"),

    // Groups (additions within v1): valid requests that cannot be carried out.
    NO_SUCH_GROUP(60, false, "no such group"),
    NOT_A_MEMBER(61, false, "not a member of the group"),
    NOT_THE_OWNER(62, false, "only the group's owner may do that"),
    GROUP_NAME_TAKEN(63, false, "group name taken"),
    GROUP_FULL(64, false, "group is full"),
    TOO_MANY_GROUPS(65, false, "too many groups"),

    // Devices (an addition within v1).
    DEVICE_IN_USE(70, false, "device in use by a newer login"),

    // The server ends the connection.
    SERVER_BUSY(40, true, "server busy"),
    SHUTTING_DOWN(41, true, "server shutting down"),
    IDLE_TIMEOUT(42, true, "idle timeout"),
    INTERNAL_ERROR(50, true, "internal error"),

    UNKNOWN(-1, false, "unknown error");

    private static final ErrorCode[] BY_WIRE = new ErrorCode[128];

    static {
        for (ErrorCode code : values()) {
            if (code.wire >= 0) {
                BY_WIRE[code.wire] = code;
            }
        }
    }

    private final int wire;
    private final boolean closesConnection;
    private final String text;

    ErrorCode(int wire, boolean closesConnection, String text) {
        this.wire = wire;
        this.closesConnection = closesConnection;
        this.text = text;
    }

    /** The 16-bit status number on the wire ({@code -1} for {@link #UNKNOWN}). */
    public int wire() {
        return wire;
    }

    public boolean closesConnection() {
        return closesConnection;
    }

    public String text() {
        return text;
    }

    /** The code for a wire number; {@link #UNKNOWN} for a number this build does not know. */
    public static ErrorCode fromWire(int wire) {
        if (wire >= 0 && wire < BY_WIRE.length && BY_WIRE[wire] != null) {
            return BY_WIRE[wire];
        }
        return UNKNOWN;
    }
}
