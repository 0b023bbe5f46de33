package org.wirechat.server.core.port;

import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * Groups and their membership intervals as the stores keep them (docs/architecture.md §2.4,
 * docs/conversations_design.md §2). The store decides nothing: what a change may do is the core's
 * ({@code core.rules.GroupRules}), run inside {@link #change}.
 */
public interface GroupStore {

    /**
     * Runs {@code work} in one transaction, durable before this returns, ordered with SENDs: every message stored
     * before it has an id at most {@link GroupTx#boundary()}, every one stored after it a greater one, so a member
     * added receives every group message stored after the answer and one removed none of them. The store may run
     * {@code work} again if it must retry the transaction, so it only reads and writes through the {@code GroupTx}.
     * If {@code work} throws, nothing of it is stored and its exception reaches the caller (perhaps as the cause of
     * the store's own); a storage fault is answered as the store answers any (nothing stored, or in doubt).
     */
    <T> T change(Function<GroupTx, T> work);

    /** The live groups the account is a member of, sorted by name ignoring case. */
    List<GroupInfo> groupsOf(long accountId);

    /**
     * The live group of this name ({@code #} first), ignoring case. (Named {@code findGroup}, not {@code find}, while
     * {@code Storage} extends this and {@code AccountStore} both: their {@code find(String)}s would clash.)
     */
    Optional<GroupInfo> findGroup(String name);

    /** Every interval of the account's membership of a group, past and present, ended groups' too. */
    List<GroupMembership> memberships(long accountId);
}
