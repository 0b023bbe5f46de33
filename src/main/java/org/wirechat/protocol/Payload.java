package org.wirechat.protocol;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The text part of a payload: UTF-8 fields separated by US (0x1F), list records separated by RS
 * (0x1E). Because neither byte can occur inside a multi-byte UTF-8 sequence, and both are refused
 * inside fields, splitting on raw bytes is exact and no escaping exists.
 */
final class Payload {
    static final byte US = 0x1F;
    static final byte RS = 0x1E;

    private Payload() {
    }

    /** A field's raw bytes, not yet decoded. */
    record Slice(byte[] bytes, int from, int to) {
        int length() {
            return to - from;
        }
    }

    /**
     * Splits {@code bytes[from..to)} into groups on RS and each group into fields on US. An empty
     * range is zero groups. With {@code recordsAllowed} false, RS is not a separator (it will be
     * refused as a control character when the field is decoded).
     */
    static List<List<Slice>> split(byte[] bytes, int from, int to, boolean recordsAllowed) {
        List<List<Slice>> groups = new ArrayList<>();
        if (from == to) {
            return groups;
        }
        List<Slice> fields = new ArrayList<>();
        int start = from;
        for (int i = from; i < to; i++) {
            byte b = bytes[i];
            if (b == US) {
                fields.add(new Slice(bytes, start, i));
                start = i + 1;
            } else if (b == RS && recordsAllowed) {
                fields.add(new Slice(bytes, start, i));
                groups.add(fields);
                fields = new ArrayList<>();
                start = i + 1;
            }
        }
        fields.add(new Slice(bytes, start, to));
        groups.add(fields);
        return groups;
    }

    /**
     * Decodes one field strictly: invalid UTF-8 is {@link ErrorCode#INVALID_ENCODING}; a control
     * character (C0, DEL or C1) is {@link ErrorCode#INVALID_CHARACTER}, except tab and newline when
     * {@code multiline}.
     */
    static String text(Slice s, String name, boolean multiline) throws ProtocolException {
        return checkCharacters(decodeUtf8(s, name), name, multiline);
    }

    /** The character rule of {@link #text} for a string that is already decoded (another transport's). */
    static String checkCharacters(String value, String name, boolean multiline) throws ProtocolException {
        for (int i = 0; i < value.length(); i++) {
            char c = value.charAt(i);
            if (c < 0x20 || c >= 0x7F && c <= 0x9F) {
                if (multiline && (c == '\t' || c == '\n')) {
                    continue;
                }
                throw new ProtocolException(ErrorCode.INVALID_CHARACTER, String.format(
                        "%s holds control character U+%04X%s", name, (int) c,
                        multiline ? " (only tab and newline are allowed in a message)" : ""));
            }
        }
        return value;
    }

    private static String decodeUtf8(Slice s, String name) throws ProtocolException {
        boolean ascii = true;
        for (int i = s.from(); i < s.to(); i++) {
            if (s.bytes()[i] < 0) {
                ascii = false;
                break;
            }
        }
        if (ascii) {
            return new String(s.bytes(), s.from(), s.length(), StandardCharsets.US_ASCII);
        }
        CharsetDecoder decoder = StandardCharsets.UTF_8.newDecoder()
                .onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
        try {
            CharBuffer chars = decoder.decode(ByteBuffer.wrap(s.bytes(), s.from(), s.length()));
            return chars.toString();
        } catch (CharacterCodingException e) {
            throw new ProtocolException(ErrorCode.INVALID_ENCODING, name + " is not valid UTF-8");
        }
    }

    /**
     * A decimal number: digits only, no sign, no leading zero (but "0"), at most 19 digits and
     * within {@code [0, Long.MAX_VALUE]}.
     */
    static long number(Slice s, String name) throws ProtocolException {
        int n = s.length();
        if (n == 0 || n > 19 || n > 1 && s.bytes()[s.from()] == '0') {
            throw new ProtocolException(ErrorCode.INVALID_FIELD, name + " must be a decimal number without leading zeros");
        }
        long v = 0;
        for (int i = s.from(); i < s.to(); i++) {
            int d = s.bytes()[i] - '0';
            if (d < 0 || d > 9) {
                throw new ProtocolException(ErrorCode.INVALID_FIELD, name + " must be a decimal number");
            }
            if (v > (Long.MAX_VALUE - d) / 10) {
                throw new ProtocolException(ErrorCode.INVALID_FIELD, name + " is too large");
            }
            v = v * 10 + d;
        }
        return v;
    }

    /** Builds a payload: an optional status, then fields and records. */
    static final class Writer {
        private final ByteArrayOutputStream out = new ByteArrayOutputStream(64);
        private boolean groupStarted;

        Writer status(int status) {
            out.write(status >>> 8);
            out.write(status);
            return this;
        }

        /** Appends a field; refuses any character the decoder would refuse, so no field can inject a separator. */
        Writer field(String value, boolean multiline) {
            for (int i = 0; i < value.length(); i++) {
                char c = value.charAt(i);
                if ((c < 0x20 || c >= 0x7F && c <= 0x9F) && !(multiline && (c == '\t' || c == '\n'))) {
                    throw new IllegalArgumentException(String.format("control character U+%04X cannot be sent in a field", (int) c));
                }
            }
            separate();
            byte[] bytes = value.getBytes(StandardCharsets.UTF_8);
            out.write(bytes, 0, bytes.length);
            return this;
        }

        Writer field(String value) {
            return field(value, false);
        }

        Writer field(long value) {
            if (value < 0) {
                throw new IllegalArgumentException("numbers on the wire are not negative: " + value);
            }
            separate();
            byte[] digits = Long.toString(value).getBytes(StandardCharsets.US_ASCII);
            out.write(digits, 0, digits.length);
            return this;
        }

        /** Starts a new list record. */
        Writer record() {
            out.write(RS);
            groupStarted = false;
            return this;
        }

        private void separate() {
            if (groupStarted) {
                out.write(US);
            }
            groupStarted = true;
        }

        int size() {
            return out.size();
        }

        byte[] toBytes() {
            return out.toByteArray();
        }
    }
}
