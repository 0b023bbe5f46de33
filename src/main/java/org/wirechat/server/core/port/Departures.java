package org.wirechat.server.core.port;

import java.util.List;

/**
 * How an account being deleted leaves its groups: the core's decision ({@code core.rules.GroupRules.leaveAll}, as
 * GROUP_LEAVE would, handing on what it owns), which the store runs inside the deletion's own transaction
 * ({@link AccountStore#deleteIfNothingWaits}), so that the account's row, its tokens and its memberships go at once,
 * ordered with SENDs and group changes as before. The store only hands it the groups and the {@link GroupTx}.
 */
@FunctionalInterface
public interface Departures {
    /**
     * The account leaves each of {@code groups} (the live groups it is a member of, read in the transaction), through
     * {@code tx}; an exception rolls the whole deletion back and reaches the caller, as a group change's does.
     */
    void leave(long accountId, List<GroupInfo> groups, GroupTx tx, long nowMillis);
}
