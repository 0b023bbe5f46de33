package org.wirechat.server.storage.log;

import java.util.List;
import java.util.Locale;

/**
 * Message ids {@code from} through {@code through} that the log should hold and does not. Not exact when
 * only an upper bound is known (a segment lost after a crash: its ids run from {@code from} to at most
 * {@code through}, the highest id that may have been handed out).
 */
public record LostIds(long from, long through, boolean exact) {
    /** How many ids (at most, when not exact). */
    public long count() {
        return through - from + 1;
    }

    @Override
    public String toString() {
        String ids = from == through ? "id " + from : "ids " + from + "–" + through;
        return exact ? ids : ids + " (at most; the exact end is unknown)";
    }

    /** "3 messages (ids 4–6), at most 100 (ids 7–106 …)": how many in all and which. */
    public static String describe(List<LostIds> lost) {
        long n = lost.stream().mapToLong(LostIds::count).sum();
        boolean exact = lost.stream().allMatch(LostIds::exact);
        return String.format(Locale.ROOT, "%s%,d message%s: %s", exact ? "" : "up to ", n, n == 1 ? "" : "s",
                String.join(", ", lost.stream().map(LostIds::toString).toList()));
    }
}
