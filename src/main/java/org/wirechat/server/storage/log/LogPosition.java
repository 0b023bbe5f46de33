package org.wirechat.server.storage.log;

/** A place in the log: the segment's number and a byte offset in it. Ordered. */
public record LogPosition(long segment, long offset) implements Comparable<LogPosition> {
    /** Before everything. */
    public static final LogPosition START = new LogPosition(0, 0);

    @Override
    public int compareTo(LogPosition o) {
        int c = Long.compare(segment, o.segment);
        return c != 0 ? c : Long.compare(offset, o.offset);
    }
}
