package org.wirechat.server.core.port;

/**
 * A username's recent failed logins, as kept for throttling.
 *
 * @param failures failures in a row (forgotten after the maximum backoff without one)
 * @param lastFailureMillis when the last one happened
 * @param blockedUntilMillis no attempt is heard before this
 */
public record LoginFailures(int failures, long lastFailureMillis, long blockedUntilMillis) {
}
