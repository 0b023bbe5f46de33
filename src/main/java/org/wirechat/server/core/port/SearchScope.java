package org.wirechat.server.core.port;

import java.util.List;

/**
 * Which messages a SEARCH_MESSAGES may find, as the core decided it (the rule is {@code core.Search}'s; a store
 * only applies it): the direct messages the account sent or received whose other side is a live account (or
 * itself), and the messages of each group in {@link #groups} with an id in one of its windows — the account's
 * membership intervals of that group.
 */
public record SearchScope(long accountId, List<Window> groups) {
    /** A group's messages with id in ({@code afterId}, {@code throughId}]. */
    public record Window(long groupId, long afterId, long throughId) {
    }

    public SearchScope {
        groups = List.copyOf(groups);
    }

    /** Whether a direct message between these two accounts is the account's own (the other side's liveness apart). */
    public boolean ownsDirect(long senderId, long recipientId) {
        return senderId == accountId || recipientId == accountId;
    }

    /** Whether the group's message {@code id} falls in one of the account's windows of that group. */
    public boolean admitsGroupMessage(long groupId, long id) {
        for (Window w : groups) {
            if (w.groupId() == groupId && id > w.afterId() && id <= w.throughId()) {
                return true;
            }
        }
        return false;
    }
}
