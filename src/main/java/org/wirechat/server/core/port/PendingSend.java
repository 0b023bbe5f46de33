package org.wirechat.server.core.port;

/**
 * A SEND waiting for its batch: from the sender's device {@code device} ({@code ""}: the default device; null: from
 * no device, so no copies), to the lower-case name {@code recipientKey} (an account, or a group with {@code #} first),
 * at {@code nowMillis}, refused when an inbox it reaches holds {@code capacity} waiting messages.
 */
public record PendingSend(long senderId, String device, String recipientKey, String clientId, String body, long nowMillis,
        int capacity) {
}
