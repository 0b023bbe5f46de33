package org.wirechat.server.core.port;

/**
 * A message as storage holds it: its id (the order it was stored in), sender and recipient by name, the
 * server's time when it was stored, and the text. Storage speaks in these; a transport turns them into
 * its own records.
 */
public record StoredMessage(long id, String sender, String recipient, long timestampMillis, String body) {
}
