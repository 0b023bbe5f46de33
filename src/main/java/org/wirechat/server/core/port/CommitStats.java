package org.wirechat.server.core.port;

/**
 * A store's group commits so far: how many, how many records they held, and the time their writes and
 * syncs took (nanoseconds). Counters that only grow, read by a metrics scrape.
 */
public record CommitStats(long commits, long records, long writeNanos) {
}
