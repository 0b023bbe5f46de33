package org.wirechat.model;

import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.wirechat.protocol.ErrorCode;
import org.wirechat.protocol.Response;

/**
 * What the clients of one concurrent run asked and were answered, each with when the request left and its
 * answer came back ({@link System#nanoTime()}, one clock for every thread of this JVM, the servers' too).
 * One thread writes a device's entries, so a device's entries are in the order it made them.
 */
final class ConcurrentLog {
    /** A SEND by {@code device} of user {@code user}: answered {@code id}, or refused with {@code error}. */
    record Send(int user, String device, String to, String body, long req, long ans, long id, ErrorCode error) {
        boolean toGroup() {
            return to.startsWith("#");
        }
    }

    /** A FETCH by {@code device} acknowledging through {@code ack}: its page, or the error it was answered. */
    record Fetch(int user, String device, long ack, long req, long ans, List<Response.Message> page, String error) {
    }

    /**
     * A device's start: a new device's LOGIN_DEVICE, or the FETCH of a default device that has never
     * acknowledged (which starts where a new device would).
     */
    record Start(int user, String device, boolean isDefault, long req, long ans) {
    }

    /** GROUP_ADD ({@code add}) or GROUP_REMOVE of {@code user} by group {@code group}'s owner. */
    record Membership(int group, int user, boolean add, long req, long ans) {
    }

    /** This run's names: user {@code i} is {@code prefix + "u" + i}, group {@code g} is {@code "#" + prefix + "g" + g}. */
    final String prefix;
    final Queue<Send> sends = new ConcurrentLinkedQueue<>();
    final Queue<Fetch> fetches = new ConcurrentLinkedQueue<>();
    final Queue<Start> starts = new ConcurrentLinkedQueue<>();
    final Queue<Membership> memberships = new ConcurrentLinkedQueue<>();
    /** Answers no client expected (an error where none may be, a broken connection), told as found. */
    final Queue<String> problems = new ConcurrentLinkedQueue<>();

    ConcurrentLog(String prefix) {
        this.prefix = prefix;
    }

    String user(int u) {
        return prefix + "u" + u;
    }

    String group(int g) {
        return "#" + prefix + "g" + g;
    }
}
