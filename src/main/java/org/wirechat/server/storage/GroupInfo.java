package org.wirechat.server.storage;

import java.util.List;

/**
 * A live group as stored: its name ({@code #} first, as spelled at creation or the last rename), its owner,
 * and its members in the order they joined (docs/conversations_design.md §2).
 */
public record GroupInfo(long id, String name, long ownerId, List<Member> members) {
    public GroupInfo {
        members = List.copyOf(members);
    }

    public record Member(long accountId, String username) {
    }

    public boolean hasMember(long accountId) {
        return members.stream().anyMatch(m -> m.accountId() == accountId);
    }

    /** The owner's username (the owner is always a member). */
    public String ownerName() {
        return members.stream().filter(m -> m.accountId() == ownerId).map(Member::username).findFirst().orElse("");
    }
}
