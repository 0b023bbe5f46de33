package org.wirechat.client.terminal;

import java.time.Clock;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Map;
import org.wirechat.protocol.Limits;
import org.wirechat.protocol.Response;

/** How messages look in the terminal: local time, sender, body; continuation lines indented. */
final class Format {
    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm");
    private static final DateTimeFormatter DAY_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm");
    private final Clock clock;

    Format(Clock clock) {
        this.clock = clock;
    }

    /** {@code [14:03]} today, {@code [2026-11-26 14:03]} on another day, in local time. */
    String stamp(long millis) {
        ZonedDateTime t = Instant.ofEpochMilli(millis).atZone(clock.getZone());
        boolean today = t.toLocalDate().equals(LocalDate.now(clock));
        return "[" + (today ? TIME : DAY_TIME).format(t) + "]";
    }

    /**
     * An incoming message: from someone ({@code bob:}, {@code bob in #crew:}), or {@code me}'s own sent from
     * another of its devices ({@code you → bob:}, {@code you in #crew:}).
     */
    String incoming(Response.Message m, String me) {
        boolean group = Limits.isGroupName(m.recipient());
        boolean mine = me != null && m.sender().equalsIgnoreCase(me) && !m.recipient().equalsIgnoreCase(me);
        String who = mine ? "you" : m.sender();
        String where = group ? " " + who + " in " + m.recipient() : mine ? " you → " + m.recipient() : " " + m.sender();
        return line(stamp(m.timestampMillis()) + where + ": ", m.body());
    }

    /** A page of history, oldest first, from {@code me}'s point of view, without delivery marks. */
    String conversation(List<Response.Message> messages, String me) {
        return conversation(messages, me, null);
    }

    /**
     * A page of history, oldest first, from {@code me}'s point of view; with {@code receipts} (the peer's),
     * each of your messages marked {@value #STORED} (stored, still waiting for the peer) or
     * {@value #DELIVERED} (the peer has it).
     */
    String conversation(List<Response.Message> messages, String me, Response.Receipts receipts) {
        StringBuilder b = new StringBuilder();
        for (Response.Message m : messages) {
            if (!b.isEmpty()) {
                b.append(System.lineSeparator());
            }
            boolean mine = m.sender().equalsIgnoreCase(me == null ? "" : me);
            String mark = mine && receipts != null && receipts.shared() ? " " + (delivered(m.id(), receipts) ? DELIVERED : STORED) : "";
            b.append(line(stamp(m.timestampMillis()) + " " + (mine ? "you" : m.sender()) + mark + ": ", m.body()));
        }
        return b.toString();
    }

    /**
     * A page of a group's history from {@code me}'s point of view, each message with its sender; with
     * {@code receipts} (by message id), each of yours marked {@value #STORED} with how many of the members it
     * reached (sharing receipts) have it, {@value #DELIVERED} once all of them do.
     */
    String groupConversation(List<Response.Message> messages, String me, Map<Long, Response.GroupReceipts> receipts) {
        StringBuilder b = new StringBuilder();
        for (Response.Message m : messages) {
            if (!b.isEmpty()) {
                b.append(System.lineSeparator());
            }
            boolean mine = m.sender().equalsIgnoreCase(me == null ? "" : me);
            Response.GroupReceipts r = mine ? receipts.get(m.id()) : null;
            String mark = r == null ? "" : " " + (r.delivered() >= r.members() ? DELIVERED : STORED) + " " + r.delivered() + "/" + r.members();
            b.append(line(stamp(m.timestampMillis()) + " " + (mine ? "you" : m.sender()) + mark + ": ", m.body()));
        }
        return b.toString();
    }

    /**
     * Search results, newest first, each with its time, who wrote it and the conversation it is in, from {@code me}'s
     * point of view: {@code bob → you:}, {@code you → bob:}, {@code carol in #crew:}.
     */
    String found(List<Response.Message> messages, String me) {
        StringBuilder b = new StringBuilder();
        for (Response.Message m : messages) {
            if (!b.isEmpty()) {
                b.append(System.lineSeparator());
            }
            String who = m.sender().equalsIgnoreCase(me == null ? "" : me) ? "you" : m.sender();
            String where = Limits.isGroupName(m.recipient()) ? " in " + m.recipient()
                    : " \u2192 " + (m.recipient().equalsIgnoreCase(me == null ? "" : me) ? "you" : m.recipient());
            b.append(line(stamp(m.timestampMillis()) + " " + who + where + ": ", m.body()));
        }
        return b.toString();
    }

    static final String STORED = "\u2713";
    static final String DELIVERED = "\u2713\u2713";

    /** Whether a message of yours with this id has reached the peer, by the peer's receipts. */
    static boolean delivered(long id, Response.Receipts receipts) {
        return receipts.oldestWaitingId() == 0 || id < receipts.oldestWaitingId();
    }

    /** The start of a message's text on one line, quoted, to tell which message a late answer is about. */
    static String snippet(String body) {
        String flat = body.replace('\n', ' ').strip();
        return "\u201c" + (flat.length() > 40 ? flat.substring(0, 39) + "\u2026" : flat) + "\u201d";
    }

    private static String line(String head, String body) {
        String indent = " ".repeat(Math.min(head.length(), 24));
        return head + body.replace("\n", System.lineSeparator() + indent);
    }
}
