package org.wirechat.bench;

import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;

/**
 * What one polling device of a run has received, against what the spec owes it: the ids of the SENDs
 * whose message (or copy) it is to be handed, from their answers. A run that does not finish says, per
 * device still waiting, which of those ids it has not been handed.
 */
final class Inbox {
    /** The most ids a report names for one device. */
    private static final int SHOWN = 10;

    private final String name;
    private final int expected;
    private final List<Set<Long>> owed;
    private final Set<Long> received = ConcurrentHashMap.newKeySet();

    /**
     * A device named {@code name} (user and device, for reports) that is to receive {@code expected}
     * messages: those whose SEND answers put their ids in {@code owed} (each set filled as the answers come).
     */
    Inbox(String name, int expected, List<Set<Long>> owed) {
        this.name = name;
        this.expected = expected;
        this.owed = owed;
    }

    /** A concurrent set for a sender's answered ids. */
    static Set<Long> ids() {
        return ConcurrentHashMap.newKeySet();
    }

    /** Counts a message handed to this device; false if it had been handed before (a duplicate). */
    boolean received(long id) {
        return received.add(id);
    }

    boolean complete() {
        return received.size() >= expected;
    }

    /** What it got and, of the ids owed to it, those it was never handed (at most {@value #SHOWN} named). */
    String waitingFor() {
        TreeSet<Long> lacking = new TreeSet<>();
        owed.forEach(lacking::addAll);
        int answered = lacking.size();
        lacking.removeAll(received);
        String named = lacking.stream().limit(SHOWN).map(String::valueOf).collect(Collectors.joining(", "));
        return String.format("%s got %d of %d (%d sends answered), lacks %s", name, received.size(), expected, answered,
                lacking.isEmpty() ? "no answered send's id" : lacking.size() + ": " + named + (lacking.size() > SHOWN ? ", …" : ""));
    }
}
