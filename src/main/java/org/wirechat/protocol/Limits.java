package org.wirechat.protocol;

/**
 * The protocol's limits and the checks that enforce them, one per field rule of the spec. The codec runs these on
 * every field it decodes; another transport (gRPC) runs the same ones on each field of its own messages, in the
 * spec's order; clients run them before sending so a user sees the server's wording without a round trip.
 * Lengths count Unicode code points, not bytes or UTF-16 units.
 */
public final class Limits {
    public static final int USERNAME_MAX = 50;
    /** The first character of a group's name. */
    public static final char GROUP_PREFIX = '#';
    public static final int FULL_NAME_MAX = 50;
    public static final int PASSWORD_MIN = 8;
    public static final int PASSWORD_MAX = 50;
    /** The protocol's ceiling for a message body; a server may be configured lower. */
    public static final int BODY_MAX = 1000;
    public static final int TOKEN_MAX = 64;
    public static final int CLIENT_MESSAGE_ID_MAX = 64;
    public static final int PATTERN_MAX = 100;
    public static final int PAGE_MAX = 100;
    /** The longest SEARCH_MESSAGES query, in characters. */
    public static final int SEARCH_QUERY_MAX = 200;
    public static final int FETCH_COUNT_MAX = 1000;
    /** The longest wait a fetch may ask for; a server clamps it to its own, lower, cap. */
    public static final int FETCH_WAIT_MAX_MILLIS = 3_600_000;

    private Limits() {
    }

    /** 1–50 characters, each a letter or digit (ASCII) or one of {@code . _ -}. */
    public static String checkUsername(String s) throws ProtocolException {
        int n = s.length(); // ASCII only, so chars are code points
        if (n == 0 || n > USERNAME_MAX) {
            throw new ProtocolException(ErrorCode.INVALID_USERNAME,
                    "a username has 1 to " + USERNAME_MAX + " characters, not " + s.codePointCount(0, n));
        }
        for (int i = 0; i < n; i++) {
            char c = s.charAt(i);
            if (!isUsernameChar(c)) {
                throw new ProtocolException(ErrorCode.INVALID_USERNAME,
                        "a username may hold only letters A-Z a-z, digits 0-9, '.', '_' and '-'");
            }
        }
        return s;
    }

    /** A group's name: {@code #} and 1–49 username characters (a namespace no username can enter). */
    public static String checkGroupName(String s) throws ProtocolException {
        int n = s.length();
        boolean ok = n >= 2 && n <= USERNAME_MAX && s.charAt(0) == GROUP_PREFIX;
        for (int i = 1; ok && i < n; i++) {
            ok = isUsernameChar(s.charAt(i));
        }
        if (!ok) {
            throw new ProtocolException(ErrorCode.INVALID_GROUP_NAME, "a group's name is '#' and 1 to " + (USERNAME_MAX - 1)
                    + " letters A-Z a-z, digits 0-9, '.', '_' and '-'");
        }
        return s;
    }

    /** Whether the name is a group's ({@code #} first), not an account's. */
    public static boolean isGroupName(String s) {
        return !s.isEmpty() && s.charAt(0) == GROUP_PREFIX;
    }

    /** A SEND's recipient, a HISTORY's peer, a message record's recipient: an account's name or a group's. */
    public static String checkRecipient(String s) throws ProtocolException {
        return isGroupName(s) ? checkGroupName(s) : checkUsername(s);
    }

    static boolean isUsernameChar(char c) {
        return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '_'
                || c == '-';
    }

    /** 1–50 printable characters, not all white space. */
    public static String checkFullName(String s) throws ProtocolException {
        int n = s.codePointCount(0, s.length());
        if (n == 0 || n > FULL_NAME_MAX || !hasVisible(s)) {
            throw new ProtocolException(ErrorCode.INVALID_NAME,
                    "a full name has 1 to " + FULL_NAME_MAX + " printable characters, not all spaces");
        }
        if (!isPrintable(s)) {
            throw new ProtocolException(ErrorCode.INVALID_NAME, "a full name may not hold control or line-separator characters");
        }
        return s;
    }

    /** 8–50 characters, no control characters. */
    public static String checkPassword(String s) throws ProtocolException {
        int n = s.codePointCount(0, s.length());
        if (n < PASSWORD_MIN || n > PASSWORD_MAX) {
            throw new ProtocolException(ErrorCode.INVALID_PASSWORD,
                    "a password has " + PASSWORD_MIN + " to " + PASSWORD_MAX + " characters");
        }
        return s;
    }

    /**
     * 1 to {@code max} characters ({@code max} at most {@link #BODY_MAX}); tab and newline are allowed,
     * other control characters were already refused by the codec.
     */
    public static String checkBody(String s, int max) throws ProtocolException {
        if (s.isEmpty()) {
            throw new ProtocolException(ErrorCode.MESSAGE_EMPTY, "a message needs at least one character");
        }
        int n = s.codePointCount(0, s.length());
        if (n > max) {
            throw new ProtocolException(ErrorCode.MESSAGE_TOO_LONG,
                    "a message has at most " + max + " characters, this one has " + n);
        }
        return s;
    }

    /**
     * A text field's characters, as the codec checks each field it decodes: no control character (C0, DEL, C1);
     * {@code field} names it in the refusal (INVALID_CHARACTER).
     */
    public static String checkText(String value, String field) throws ProtocolException {
        return Payload.checkCharacters(value, field, false);
    }

    /** A message body's characters: as {@link #checkText}, but tab and newline are allowed. */
    public static String checkMultilineText(String value, String field) throws ProtocolException {
        return Payload.checkCharacters(value, field, true);
    }

    /**
     * An id given as a number another transport can make negative (the wire protocol's decimal digits cannot):
     * INVALID_FIELD.
     */
    public static long checkNotNegative(String field, long v) throws ProtocolException {
        if (v < 0) {
            throw new ProtocolException(ErrorCode.INVALID_FIELD, field + " must not be negative");
        }
        return v;
    }

    /** A token as issued by a server: 1–64 characters of the base64url alphabet. */
    public static String checkToken(String s) throws ProtocolException {
        if (s.isEmpty() || s.length() > TOKEN_MAX) {
            throw new ProtocolException(ErrorCode.NOT_AUTHENTICATED, "the token is malformed; log in again");
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            boolean ok = c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_';
            if (!ok) {
                throw new ProtocolException(ErrorCode.NOT_AUTHENTICATED, "the token is malformed; log in again");
            }
        }
        return s;
    }

    /** A device id (LOGIN_DEVICE): the same characters and length as a client message id. */
    public static String checkDeviceId(String s) throws ProtocolException {
        return printableId(s, "device id");
    }

    /** 1–64 printable ASCII characters (0x21–0x7E), e.g. a UUID. */
    public static String checkClientMessageId(String s) throws ProtocolException {
        return printableId(s, "client message id");
    }

    private static String printableId(String s, String what) throws ProtocolException {
        if (s.length() > CLIENT_MESSAGE_ID_MAX) {
            throw new ProtocolException(ErrorCode.FIELD_TOO_LONG, "a " + what + " has at most " + CLIENT_MESSAGE_ID_MAX + " characters");
        }
        if (s.isEmpty()) {
            throw new ProtocolException(ErrorCode.INVALID_FIELD, "the " + what + " is empty");
        }
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x21 || c > 0x7E) {
                throw new ProtocolException(ErrorCode.INVALID_FIELD, "a " + what + " holds only printable ASCII characters, no spaces");
            }
        }
        return s;
    }

    public static String checkPattern(String s) throws ProtocolException {
        if (s.codePointCount(0, s.length()) > PATTERN_MAX) {
            throw new ProtocolException(ErrorCode.FIELD_TOO_LONG,
                    "a pattern has at most " + PATTERN_MAX + " characters");
        }
        return s;
    }

    /** A SEARCH_MESSAGES query: at most {@link #SEARCH_QUERY_MAX} characters (its words are the operation's to check). */
    public static String checkSearchQuery(String s) throws ProtocolException {
        if (s.codePointCount(0, s.length()) > SEARCH_QUERY_MAX) {
            throw new ProtocolException(ErrorCode.FIELD_TOO_LONG, "a search query has at most " + SEARCH_QUERY_MAX + " characters");
        }
        return s;
    }

    /** A list cursor: empty (the first page) or a username. */
    public static String checkCursor(String s) throws ProtocolException {
        if (s.length() > USERNAME_MAX) {
            throw new ProtocolException(ErrorCode.FIELD_TOO_LONG, "a cursor has at most " + USERNAME_MAX + " characters");
        }
        for (int i = 0; i < s.length(); i++) {
            if (!isUsernameChar(s.charAt(i))) {
                throw new ProtocolException(ErrorCode.INVALID_FIELD, "the cursor is not one this server issued");
            }
        }
        return s;
    }

    public static int checkRange(String what, long v, long min, long max) throws ProtocolException {
        if (v < min || v > max) {
            throw new ProtocolException(ErrorCode.INVALID_FIELD, what + " must be in [" + min + ", " + max + "], not " + v);
        }
        return (int) v;
    }

    /**
     * True if no character is a control character (Unicode category Cc: C0, DEL, C1) or a line or
     * paragraph separator (U+2028, U+2029).
     */
    /**
     * True if the text has a character that shows: not white space of any kind (Unicode White_Space,
     * e.g. U+00A0 no-break space, U+3000 ideographic space) and not an invisible format character
     * (category Cf, e.g. U+200B zero-width space, U+FEFF).
     */
    static boolean hasVisible(String s) {
        return s.codePoints().anyMatch(c -> !Character.isWhitespace(c) && !Character.isSpaceChar(c)
                && Character.getType(c) != Character.FORMAT);
    }

    static boolean isPrintable(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x20 || c >= 0x7F && c <= 0x9F || c == '\u2028' || c == '\u2029') {
                return false;
            }
        }
        return true;
    }
}
