package org.wirechat.server.core.rules;

import java.util.Collection;
import java.util.Optional;
import org.wirechat.server.core.port.DeviceMark;
import org.wirechat.server.core.port.MarkMove;

/**
 * Where a device's acknowledgement puts its mark, and its account's floor after it (docs/conversations_design.md):
 * written once, for every store (docs/architecture.md §3.3). A device holds its account's messages while it was active
 * within the device horizon; the floor is the lowest mark of the devices that hold, so a message leaves the inbox once
 * every holding device has it.
 */
final class Marks {
    private Marks() {
    }

    /** Whether a device last active at {@code activeMillis} holds its account's messages at {@code nowMillis}. */
    static boolean holds(long activeMillis, long nowMillis, long horizonMillis) {
        return activeMillis >= holdsFrom(nowMillis, horizonMillis);
    }

    /** The earliest activity that {@link #holds} at {@code nowMillis}. */
    static long holdsFrom(long nowMillis, long horizonMillis) {
        return nowMillis - horizonMillis;
    }

    /**
     * The device's new mark after it acknowledged: the newest waiting message its acknowledgement covers ({@code covered},
     * 0: none), or the account's floor if higher (a device back after the horizon starts there), never lower than its
     * mark; empty when nothing is to be written — the mark does not move and its activity was written less than half a
     * horizon ago, or the default device (no mark, {@code register} false) covered nothing with the floor at 0 (it holds
     * nothing until it has acknowledged something), or a device logging in that has a mark within the floor already.
     *
     * @param mark the device's mark as the batch leaves it (null: none)
     * @param writtenActiveMillis when the store last wrote the device active (ignored without a mark)
     * @param register a device logging in (LOGIN_DEVICE): it holds the account's messages from the floor on
     */
    static Optional<MarkMove> acknowledge(DeviceMark mark, long writtenActiveMillis, long covered, long floor, long nowMillis,
            long horizonMillis, boolean register) {
        if (mark == null && covered == 0 && floor == 0 && !register) {
            // what the default device acknowledged may have left the inbox already (another device acknowledged it first)
            return Optional.empty();
        }
        if (mark != null && register && covered == 0 && mark.through() >= floor) {
            return Optional.empty(); // known already, and within the floor
        }
        long current = mark == null ? 0 : mark.through();
        long through = Math.max(Math.max(covered, floor), current);
        boolean stale = mark != null && nowMillis - writtenActiveMillis > horizonMillis / 2;
        if (mark != null && through == current && !stale) {
            return Optional.empty();
        }
        return Optional.of(new MarkMove(through, Math.max(nowMillis, mark == null ? 0 : mark.activeMillis()), stale));
    }

    /**
     * The account's floor as its devices' marks put it at {@code nowMillis}: the lowest mark of the devices holding
     * (active within the horizon); with none, the mark of the one active last; never lower than {@code floor}.
     */
    static long floor(long floor, Collection<DeviceMark> marks, long nowMillis, long horizonMillis) {
        if (marks.isEmpty()) {
            return floor;
        }
        long lowestHolding = Long.MAX_VALUE;
        long latest = -1;
        long latestMark = floor;
        for (DeviceMark m : marks) {
            if (holds(m.activeMillis(), nowMillis, horizonMillis)) {
                lowestHolding = Math.min(lowestHolding, m.through());
            }
            if (m.activeMillis() > latest) {
                latest = m.activeMillis();
                latestMark = m.through();
            }
        }
        return Math.max(floor, lowestHolding == Long.MAX_VALUE ? latestMark : lowestHolding);
    }
}
