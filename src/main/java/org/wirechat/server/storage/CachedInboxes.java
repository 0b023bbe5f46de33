package org.wirechat.server.storage;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.wirechat.server.core.port.StoredMessage;

/**
 * The inboxes this server's FETCHes read, kept in memory so that a FETCH woken by a message this
 * server stored is answered without reading PostgreSQL (PostgreSQL mode; the message log keeps every
 * inbox in memory by itself).
 *
 * <p>An inbox is cached only while it is known whole: every message to the account with an id in
 * {@code (floor, through]} is held, where {@code through} is the newest message id the account row had
 * when the inbox was read (its {@code last_message_id}) or the id of a message appended since. A message
 * this server stores comes with the id the row held before it ({@code previous}); since a SEND takes its
 * id while it holds the recipient's row lock, {@code previous} is exactly the message stored before it,
 * by whichever server. So:
 * <ul>
 *   <li>{@code previous == through}: nothing came between, the message is appended;
 *   <li>{@code previous > through}: another server stored something in between, which this server has
 *       not seen: the inbox is forgotten and the next FETCH reads the database;
 *   <li>{@code previous < through}: the message is already held (the read came after its commit).
 * </ul>
 * These rules hold in whatever order the commits are told, so a late hand-over can only cost a read.
 * A read that raced a commit (began before it, finished after) is not installed: every change counts
 * a generation up, and a read is installed only if the generation did not move while it ran.
 * Another server's notification of new mail carries the messages when they fit ({@link MailNotice}):
 * they are told to {@link #stored} by the same rules, so the FETCH it wakes is answered from memory too;
 * a notification without them forgets the inbox, and a lost notification connection forgets every one.
 *
 * <p>Copies of the account's own messages for its other devices (docs/conversations_design.md §1) are
 * part of its inbox here as in the database, each with the device it came from, which is never handed its
 * own; another server's notification never carries them (the inbox is read again).
 *
 * <p>Acknowledgements made through another server are not seen: a FETCH here may show a message again
 * that was acknowledged there (clients drop duplicates by id), never miss one.
 */
final class CachedInboxes {
    /** Inboxes with more messages than this are not cached (they are being drained: reads are cheap per message). */
    static final int MAX_MESSAGES = 256;
    /** An inbox no FETCH has read for this long is dropped. */
    static final long IDLE_NANOS = 30_000_000_000L;

    private static final class Entry {
        long generation;
        boolean valid;
        /** Every message with an id in (floor, through] is in {@link #messages}, oldest first. */
        long floor;
        long through;
        final Inbox messages = new Inbox();
        volatile long lastUsed = System.nanoTime();
    }

    /** What a FETCH needs to install a read: the entry and the generation it began at. */
    static final class Ticket {
        private final Entry entry;
        private final long generation;

        private Ticket(Entry entry, long generation) {
            this.entry = entry;
            this.generation = generation;
        }
    }

    private final ConcurrentHashMap<Long, Entry> entries = new ConcurrentHashMap<>();

    private Entry entry(long accountId) {
        return entries.computeIfAbsent(accountId, id -> new Entry());
    }

    /**
     * The account's messages for {@code device} with id &gt; {@code afterId} (its own copies left out),
     * oldest first, at most {@code max}, when the cache holds them all; {@code null} when the database must
     * be read (then take a {@link #ticket} first and {@link #install} what was read).
     */
    List<StoredMessage> read(long accountId, String device, long afterId, int max) {
        Entry e = entries.get(accountId);
        if (e == null) {
            return null;
        }
        synchronized (e) {
            if (!e.valid || afterId < e.floor) {
                return null;
            }
            e.lastUsed = System.nanoTime();
            // kept: another device of the account may still need what this one has (they leave with the floor)
            return e.messages.forDevice(device, afterId, max);
        }
    }

    /** Taken before reading the database, so that a commit during the read keeps the read from being installed. */
    Ticket ticket(long accountId) {
        Entry e = entry(accountId);
        synchronized (e) {
            e.lastUsed = System.nanoTime();
            return new Ticket(e, e.generation);
        }
    }

    /**
     * Installs what a read found: every message with an id in {@code (floor, through]}, oldest first
     * (the read was not cut short by its limit), {@code copies} the copies among them (id to device). Ignored
     * if anything changed since the ticket.
     */
    void install(long accountId, Ticket ticket, long floor, long through, List<StoredMessage> messages,
            Map<Long, String> copies) {
        if (messages.size() > MAX_MESSAGES) {
            return;
        }
        Entry e = ticket.entry;
        if (entries.get(accountId) != e) {
            return; // dropped as idle meanwhile: commits since were not counted on it
        }
        synchronized (e) {
            if (e.generation != ticket.generation) {
                return;
            }
            e.messages.reset(messages, copies);
            e.floor = floor;
            e.through = through;
            e.valid = true;
            e.lastUsed = System.nanoTime();
        }
    }

    /**
     * {@code message} was committed to the account, by this server or (told by its notification) another;
     * {@code previous} is the id the account's row held before it; {@code fromDevice}, for a copy of the
     * account's own message, the device it came from (else null).
     */
    void stored(long accountId, long previous, StoredMessage message, String fromDevice) {
        Entry e = entries.get(accountId);
        if (e == null) {
            return;
        }
        synchronized (e) {
            e.generation++;
            if (!e.valid || previous < e.through) {
                return; // not cached, or already held
            }
            if (previous > e.through || e.messages.size() >= MAX_MESSAGES) {
                forget(e);
                return;
            }
            e.messages.add(message, fromDevice);
            e.through = message.id();
        }
    }

    /** The account's floor moved to {@code throughId} (committed): no device of it waits for these any more. */
    void acknowledged(long accountId, long throughId) {
        Entry e = entries.get(accountId);
        if (e == null) {
            return;
        }
        synchronized (e) {
            e.messages.dropThrough(throughId);
            e.floor = Math.max(e.floor, throughId);
        }
    }

    /** Something this server did not see changed the account's inbox: the next FETCH reads the database. */
    void changedElsewhere(long accountId) {
        Entry e = entries.get(accountId);
        if (e != null) {
            synchronized (e) {
                e.generation++;
                forget(e);
            }
        }
    }

    /** Forgets every inbox (notifications may have been missed). */
    void forgetAll() {
        entries.keySet().forEach(this::changedElsewhere);
    }

    /** Drops the inboxes no FETCH read for {@link #IDLE_NANOS}. */
    void dropIdle(long nowNanos) {
        entries.values().removeIf(e -> nowNanos - e.lastUsed > IDLE_NANOS);
    }

    /** Accounts with an entry (for tests). */
    int size() {
        return entries.size();
    }

    private static void forget(Entry e) {
        e.valid = false;
        e.messages.clear();
    }
}
