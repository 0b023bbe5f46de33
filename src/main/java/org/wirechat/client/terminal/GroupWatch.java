package org.wirechat.client.terminal;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.locks.ReentrantLock;
import org.wirechat.protocol.Response;

/**
 * The groups this user is known to be in, so that one they were added to is told once ("you were added to
 * #crew"). The server sends no notice of an addition: the client compares GROUP_LIST with what it knew — at
 * login (the baseline), when a message comes from a group it does not know, and after a reconnection.
 */
final class GroupWatch {
    private final ReentrantLock lock = new ReentrantLock();
    /** Lower-case names; {@code null} until the first GROUP_LIST of this login. */
    private Set<String> known;

    /** A new login's groups: none of them is news. */
    void baseline(List<Response.Group> groups) {
        lock.lock();
        try {
            known = new HashSet<>();
            groups.forEach(g -> known.add(key(g.name())));
        } finally {
            lock.unlock();
        }
    }

    /** Logged out: nothing is known. */
    void clear() {
        lock.lock();
        try {
            known = null;
        } finally {
            lock.unlock();
        }
    }

    /** Whether {@code group} is one this user is known to be in (true before the baseline: nothing to compare yet). */
    boolean knows(String group) {
        lock.lock();
        try {
            return known == null || known.contains(key(group));
        } finally {
            lock.unlock();
        }
    }

    /** This user made, joined by their own hand, or renamed into {@code group}: no news. */
    void joined(String group) {
        lock.lock();
        try {
            if (known != null) {
                known.add(key(group));
            }
        } finally {
            lock.unlock();
        }
    }

    /** This user left {@code group} (or it was renamed away). */
    void left(String group) {
        lock.lock();
        try {
            if (known != null) {
                known.remove(key(group));
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * The groups of a fresh GROUP_LIST that were not known: each returned once. The list replaces what was
     * known (a group left or removed from is forgotten). Before the baseline it is the baseline.
     */
    List<Response.Group> added(List<Response.Group> groups) {
        lock.lock();
        try {
            List<Response.Group> fresh = new ArrayList<>();
            if (known != null) {
                groups.stream().filter(g -> !known.contains(key(g.name()))).forEach(fresh::add);
            }
            known = new HashSet<>();
            groups.forEach(g -> known.add(key(g.name())));
            return fresh;
        } finally {
            lock.unlock();
        }
    }

    /** "you were added to #crew (owner alice, 2 members) — #crew TEXT writes to it, /history #crew shows what was said". */
    static String addedLine(Response.Group g) {
        return "you were added to " + g.name() + " (owner " + g.owner() + ", " + g.members() + " member"
                + (g.members() == 1 ? "" : "s") + ") — " + g.name() + " TEXT writes to it, /history " + g.name()
                + " shows what was said";
    }

    private static String key(String group) {
        return group.toLowerCase(Locale.ROOT);
    }
}
