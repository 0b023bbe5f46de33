package org.wirechat.server.core.port;

import java.util.List;
import java.util.Locale;

/**
 * A live group as stored: its name ({@code #} first, as spelled at creation or the last rename), its owner,
 * and its members in the order they joined (docs/conversations_design.md §2).
 */
public record GroupInfo(long id, String name, long ownerId, List<Member> members) {
    /** What starts a group's name, and no account's (docs/wire_design.md §3). */
    private static final char GROUP_PREFIX = '#';

    public GroupInfo {
        members = List.copyOf(members);
    }

    public record Member(long accountId, String username) {
    }

    /** Whether a recipient's or peer's name is a group's: {@code #} first. The one place this is written. */
    public static boolean isGroupName(String name) {
        return !name.isEmpty() && name.charAt(0) == GROUP_PREFIX;
    }

    /** The name as names are compared: group names are unique ignoring case, so a group is found by this key. */
    public static String key(String name) {
        return name.toLowerCase(Locale.ROOT);
    }

    public boolean hasMember(long accountId) {
        return members.stream().anyMatch(m -> m.accountId() == accountId);
    }

    /** The owner's username (the owner is always a member). */
    public String ownerName() {
        return members.stream().filter(m -> m.accountId() == ownerId).map(Member::username).findFirst().orElse("");
    }
}
