package org.wirechat.server.core.port;

/**
 * A live event, never stored, as servers sharing a store pass it to each other (typing: docs/wire_design.md, TYPING):
 * who, in which conversation as its receivers name it, typing or stopped, and for how long it lasts.
 */
public record LiveNotice(String from, String conversation, boolean typing, long expiresInMillis) {
}
