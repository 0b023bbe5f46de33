package org.wirechat.server.core.port;

/**
 * A device's mark to write, as the core's mark rule decided it ({@link SendDecisions#acknowledge}): {@code through} and
 * {@code activeMillis}; {@code stale}: it is written (also) because what the store last wrote of the device's activity
 * is more than half a horizon old.
 */
public record MarkMove(long through, long activeMillis, boolean stale) {
}
