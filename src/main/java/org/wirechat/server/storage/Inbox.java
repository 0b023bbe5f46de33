package org.wirechat.server.storage;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;
import org.wirechat.server.core.port.StoredMessage;

/**
 * One account's waiting messages in memory, oldest first: those to it, and copies of its own messages for its
 * other devices (each with the device it came from, which is never handed its own copy; copies never count as
 * {@link #received}). The one in-memory inbox of both stores: the message log keeps every account's
 * ({@link LogMessages}), PostgreSQL the ones it caches ({@link CachedInboxes}). Not thread-safe: its owner
 * guards it (both lock the inbox itself).
 */
final class Inbox implements Iterable<StoredMessage> {
    private final ArrayDeque<StoredMessage> messages = new ArrayDeque<>();
    /** Of {@link #messages}, the copies of the account's own: id to the device it was sent from. */
    private final Map<Long, String> copies = new HashMap<>(0);

    /** Appends a message; {@code fromDevice}: for a copy of the account's own message, the device it came from, else null. */
    void add(StoredMessage message, String fromDevice) {
        messages.addLast(message);
        if (fromDevice != null) {
            copies.put(message.id(), fromDevice);
        }
    }

    /** Replaces everything held with {@code held}, oldest first, {@code heldCopies} the copies among them. */
    void reset(Collection<StoredMessage> held, Map<Long, String> heldCopies) {
        clear();
        messages.addAll(held);
        copies.putAll(heldCopies);
    }

    void clear() {
        messages.clear();
        copies.clear();
    }

    /** Puts the messages in id order (they were added from several sources). */
    void sort() {
        change(all -> all.sort(Comparator.comparingLong(StoredMessage::id)));
    }

    /** Replaces each message with what {@code rename} makes of it (a group's new name). */
    void replaceEach(UnaryOperator<StoredMessage> rename) {
        change(all -> all.replaceAll(rename));
    }

    private void change(Consumer<List<StoredMessage>> how) {
        List<StoredMessage> all = new ArrayList<>(messages);
        how.accept(all);
        messages.clear();
        messages.addAll(all);
    }

    /** Drops every message with an id &lt;= {@code through} (they left with the account's floor). */
    void dropThrough(long through) {
        while (!messages.isEmpty() && messages.peekFirst().id() <= through) {
            StoredMessage gone = messages.removeFirst();
            if (!copies.isEmpty()) {
                copies.remove(gone.id());
            }
        }
    }

    /** The messages for {@code device} with an id &gt; {@code afterId} (its own copies left out), oldest first, at most {@code max}. */
    List<StoredMessage> forDevice(String device, long afterId, int max) {
        List<StoredMessage> out = new ArrayList<>(Math.min(max, Math.min(messages.size(), 64)));
        for (StoredMessage m : messages) {
            if (out.size() == max) {
                break;
            }
            if (m.id() > afterId && !isCopyFrom(m.id(), device)) {
                out.add(m);
            }
        }
        return out;
    }

    /** The messages to the account (copies left out). */
    int received() {
        return messages.size() - copies.size();
    }

    /** Every message held, copies too. */
    int size() {
        return messages.size();
    }

    boolean isEmpty() {
        return messages.isEmpty();
    }

    boolean isCopy(long id) {
        return !copies.isEmpty() && copies.containsKey(id);
    }

    /** Whether the message is a copy sent from {@code device} (which never receives it). */
    boolean isCopyFrom(long id, String device) {
        return !copies.isEmpty() && device.equals(copies.get(id));
    }

    /** Oldest first; not to be changed through. */
    @Override
    public Iterator<StoredMessage> iterator() {
        return messages.iterator();
    }
}
