package org.wirechat.server.core.port;

/**
 * A device of an account as the store knows it (LIST_DEVICES): its id ({@code ""}: the default device,
 * LOGIN's) and when it last asked for its mail, in ms since the epoch (its login counts).
 */
public record DeviceSeen(String device, long lastSeenMillis) {
}
