package org.wirechat.server.core.port;

/** A device's mark: every message of its account through {@code through} received, last active at {@code activeMillis}. */
public record DeviceMark(long through, long activeMillis) {
}
