package org.wirechat.server.storage;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.wirechat.server.core.port.StoredMessage;

/**
 * The notification a PostgreSQL server sends, with the batch that stored them, of new mail to one
 * account: {@code i:ACCOUNT:NODE} alone (a hint: the other servers' cached inbox of that account is
 * forgotten and read again), or followed by the messages themselves when they fit in a notification
 * ({@code :PREVIOUS:} then the recipient and each message), so that the server holding the account's
 * poll appends them to its cached inbox by the same rules as its own ({@link CachedInboxes#stored}) and
 * answers the woken FETCH without reading the database.
 *
 * <p>Layout after {@code i:ACCOUNT:NODE:PREVIOUS:}: a string is its length in UTF-16 units, a colon and
 * its characters; a number is its digits and a colon. The recipient's name (a string), then per message,
 * oldest first: id, time, sender (a string), body (a string). {@code PREVIOUS} is the id the account's
 * newest message had before the first of them; each later one follows the one before it. A server that
 * knows only the short form reads the account and node and treats the rest as a foreign node's.
 */
record MailNotice(long accountId, String nodeId, long previous, List<StoredMessage> messages) {
    /** PostgreSQL refuses a payload of 8,000 bytes or more; the messages go only when the whole stays under this. */
    static final int MAX_BYTES = 7_900;

    /** The short form: new mail, not carried. */
    static String hint(long accountId, String nodeId) {
        return "i:" + accountId + ':' + nodeId;
    }

    /**
     * The messages to {@code recipient} stored by one batch, in id order, the first after {@code previous}:
     * carried when they fit, else the short form.
     */
    static String of(long accountId, String nodeId, long previous, String recipient, List<StoredMessage> messages) {
        if (messages.stream().anyMatch(m -> !m.recipient().equals(recipient))) {
            return hint(accountId, nodeId); // direct and group messages together: the form carries one recipient
        }
        StringBuilder b = new StringBuilder(64).append(hint(accountId, nodeId)).append(':').append(previous).append(':');
        string(b, recipient);
        for (StoredMessage m : messages) {
            b.append(m.id()).append(':').append(m.timestampMillis()).append(':');
            string(b, m.sender());
            string(b, m.body());
            if (b.length() >= MAX_BYTES) {
                return hint(accountId, nodeId); // a char is at least a byte: too long already
            }
        }
        String s = b.toString();
        return s.getBytes(StandardCharsets.UTF_8).length < MAX_BYTES ? s : hint(accountId, nodeId);
    }

    private static void string(StringBuilder b, String s) {
        b.append(s.length()).append(':').append(s);
    }

    /**
     * Reads the text after {@code i:}; {@code previous} is -1 and {@code messages} empty for the short
     * form. Throws {@link IllegalArgumentException} for a text that is neither.
     */
    static MailNotice parse(String value) {
        Reader r = new Reader(value);
        long account = r.number();
        int colon = value.indexOf(':', r.at);
        if (colon < 0) {
            return new MailNotice(account, value.substring(r.at), -1, List.of());
        }
        String node = value.substring(r.at, colon);
        r.at = colon + 1;
        long previous = r.number();
        String recipient = r.string();
        List<StoredMessage> messages = new ArrayList<>();
        while (r.at < value.length()) {
            long id = r.number();
            long time = r.number();
            messages.add(new StoredMessage(id, r.string(), recipient, time, r.string()));
        }
        return new MailNotice(account, node, previous, List.copyOf(messages));
    }

    private static final class Reader {
        private final String s;
        private int at;

        Reader(String s) {
            this.s = s;
        }

        long number() {
            int colon = s.indexOf(':', at);
            int end = colon < 0 ? s.length() : colon;
            long n = Long.parseLong(s, at, end, 10); // NumberFormatException is an IllegalArgumentException
            at = colon < 0 ? end : colon + 1;
            return n;
        }

        String string() {
            int colon = s.indexOf(':', at);
            if (colon < 0) {
                throw new IllegalArgumentException("a string without its length");
            }
            int length = Integer.parseInt(s, at, colon, 10);
            if (length < 0 || colon + 1 + length > s.length()) {
                throw new IllegalArgumentException("a string longer than the notification");
            }
            at = colon + 1 + length;
            return s.substring(colon + 1, at);
        }
    }
}
