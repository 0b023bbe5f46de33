package org.wirechat.server;

/**
 * How big groups may grow and how fast one may be written to (docs/security.md). Validated on construction.
 *
 * @param membersPerGroup members one group may have; GROUP_ADD beyond it is GROUP_FULL
 * @param groupsPerUser groups one account may be a member of; beyond it, TOO_MANY_GROUPS
 * @param messagesPerSecond messages one account may send to one group a second, sustained
 * @param messageBurst how many it may send at once (the bucket's size); beyond, RATE_LIMITED with the wait
 */
public record GroupLimits(int membersPerGroup, int groupsPerUser, int messagesPerSecond, int messageBurst) {
    public static final GroupLimits DEFAULTS = new GroupLimits(100, 100, 20, 50);

    public GroupLimits {
        for (int v : new int[] {membersPerGroup, groupsPerUser, messagesPerSecond, messageBurst}) {
            if (v < 1) {
                throw new IllegalArgumentException("group limits must be at least 1: " + v);
            }
        }
    }

    public GroupLimits withMessageRate(int perSecond, int burst) {
        return new GroupLimits(membersPerGroup, groupsPerUser, perSecond, burst);
    }
}
