package org.wirechat.server.core.port;

/** A stored session token: only the SHA-256 of the token is kept. */
public record TokenRow(long accountId, String device, long createdAtMillis, long expiresAtMillis) {
}
