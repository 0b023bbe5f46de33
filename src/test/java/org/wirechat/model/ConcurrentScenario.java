package org.wirechat.model;

import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * What several clients do at once, generated and shrunk by jqwik: the accounts (users {@code u0}, {@code
 * u1}, … with their first devices {@code d0}, {@code d1}, …), the groups (owned by a user, with the users
 * in them at the start) and one script per first device, run by its own thread once every thread is ready.
 * Printed as the scripts, so a failure reads as what each client did.
 *
 * @param devices how many devices each user has at the start (1–3)
 * @param groups the groups made before the clients start
 * @param scripts one per device of {@code devices}
 */
record ConcurrentScenario(List<Integer> devices, List<Group> groups, List<Script> scripts) {

    /** A group {@code #g<i>} of its owner with the users in it at the start (the owner among them). */
    record Group(int owner, Set<Integer> members) {
        @Override
        public String toString() {
            return "owner u" + owner + ", members " + members.stream().sorted().map(u -> "u" + u).toList();
        }
    }

    /** The actions one client (user {@code user}'s device {@code d<device>}) takes, one after the other. */
    record Script(int user, int device, List<Action> actions) {
        @Override
        public String toString() {
            return "u" + user + "/d" + device + ": " + actions.stream().map(Action::toString).collect(Collectors.joining(", "));
        }
    }

    /** One step of a script. */
    sealed interface Action {
    }

    /** SEND to a user ({@code u<i>}, oneself included) or a group ({@code #g<i>}); the body names the send. */
    record Send(String to) implements Action {
        @Override
        public String toString() {
            return "send " + to;
        }
    }

    /**
     * FETCH with at most {@code max} records, acknowledging everything received so far, or with {@code
     * partial} only up to the oldest record received and not acknowledged yet; {@code longPoll} a 20 ms long poll.
     */
    record Fetch(int max, boolean partial, boolean longPoll) implements Action {
        @Override
        public String toString() {
            return "fetch" + (max < 100 ? " max " + max : "") + (partial ? " ack-part" : "") + (longPoll ? " wait" : "");
        }
    }

    /**
     * This client's devices fetch and acknowledge everything waiting, then at once a new device of the user
     * logs in (LOGIN_DEVICE, its own connection), FETCHes, and acknowledges that: when no other device of the
     * user waits, the new device must start with nothing they acknowledged (the race of issue 32).
     */
    record NewDevice() implements Action {
        @Override
        public String toString() {
            return "new-device";
        }
    }

    /**
     * This client's devices fetch and acknowledge everything waiting, then LOGIN (the default device, which
     * never acknowledges here) and one FETCH: it starts as a new device does.
     */
    record DefaultFetch() implements Action {
        @Override
        public String toString() {
            return "default-fetch";
        }
    }

    /** The group's owner adds the user when not a member, else removes it (in the owner's first device's script only). */
    record Toggle(int group, int user) implements Action {
        @Override
        public String toString() {
            return "add-or-remove #g" + group + " u" + user;
        }
    }

    @Override
    public String toString() {
        StringBuilder s = new StringBuilder("devices per user " + devices);
        for (int g = 0; g < groups.size(); g++) {
            s.append("\n  #g").append(g).append(": ").append(groups.get(g));
        }
        scripts.forEach(x -> s.append("\n  ").append(x));
        return s.toString();
    }
}
