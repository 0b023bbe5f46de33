package org.wirechat.client;

import org.wirechat.protocol.ErrorCode;
import org.wirechat.protocol.Response;

/**
 * A clear sentence for every error a server can send. Most server reasons already say exactly what
 * happened ("no such user: bob — message not sent"), so they are shown as they are; where the code
 * alone says more to a person, or the reason needs context, this says it.
 */
public final class ErrorText {
    private ErrorText() {
    }

    public static String describe(Response.Error e) {
        String reason = e.reason().isBlank() ? e.code().text() : e.reason();
        return switch (e.code()) {
            case OK -> "no error";
            case MALFORMED_FRAME, FRAME_TOO_LARGE, UNKNOWN_OPCODE, WRONG_FIELD_COUNT, INVALID_ENCODING ->
                    "the server could not read the request (" + reason + ") — this is a client bug or a version mismatch";
            case UNSUPPORTED_VERSION -> "the server speaks protocol version " + String.join(", ", e.details())
                    + ", which this client does not — update one of them";
            case INVALID_CHARACTER, FIELD_TOO_LONG, INVALID_FIELD, INVALID_USERNAME, INVALID_PASSWORD, INVALID_NAME,
                    MESSAGE_TOO_LONG, MESSAGE_EMPTY, INVALID_PATTERN, USERNAME_TAKEN, BAD_CREDENTIALS, NO_SUCH_USER,
                    INBOX_FULL, CLIENT_ID_REUSED, INVALID_GROUP_NAME, NO_SUCH_GROUP, NOT_A_MEMBER, NOT_THE_OWNER,
                    GROUP_NAME_TAKEN, GROUP_FULL, TOO_MANY_GROUPS -> reason;
            case NOT_AUTHENTICATED -> "not logged in, or the session expired — log in again";
            case INBOX_NOT_EMPTY -> "you still have " + (e.details().isEmpty() ? "undelivered" : e.details().get(0))
                    + " undelivered message(s); they must be received before the account can be deleted";
            case RATE_LIMITED -> (e.reason().isBlank() ? "too many attempts" : e.reason())
                    + (e.reason().contains("try again") ? ""
                            : " — try again" + (e.details().isEmpty() ? " later" : " in " + seconds(e.details().get(0))));
            case STORAGE_UNAVAILABLE -> "the server cannot store anything right now — nothing was stored; try again"
                    + (e.details().isEmpty() ? " later" : " in " + seconds(e.details().get(0)));
            case SERVER_BUSY -> "the server is busy (too many connections) — try again later";
            case SHUTTING_DOWN -> "the server is shutting down";
            case IDLE_TIMEOUT -> "the server closed the idle connection";
            case ACCOUNT_DISABLED -> "this account is disabled by the server's administrator — ask them";
            case DEVICE_IN_USE -> "another client logged in with this device's id and receives its messages now"
                    + " — this one no longer does; give each client its own device id";
            case INTERNAL_ERROR -> "the server failed with an internal error — the request may or may not have taken effect";
            case UNKNOWN -> "the server refused the request (error " + e.status() + "): " + reason;
        };
    }

    private static String seconds(String millis) {
        try {
            long ms = Long.parseLong(millis);
            return Math.max(1, (ms + 999) / 1000) + " s";
        } catch (NumberFormatException x) {
            return "a moment";
        }
    }

    /** A client-side check failed before anything was sent: the same words the server would use. */
    static String describe(ErrorCode code, String detail) {
        return describe(new Response.Error(code, detail));
    }
}
