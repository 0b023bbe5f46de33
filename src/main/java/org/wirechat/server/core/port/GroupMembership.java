package org.wirechat.server.core.port;

/**
 * One interval of an account's membership of a group, as the stores keep it: the group's messages with id in
 * ({@code joinedAfter}, {@code leftAfter}] reached the account ({@code leftAfter} is {@link Long#MAX_VALUE} while
 * it is a member); {@code groupLive} is false once the group ended.
 */
public record GroupMembership(long groupId, long joinedAfter, long leftAfter, boolean groupLive) {
}
