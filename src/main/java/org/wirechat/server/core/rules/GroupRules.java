package org.wirechat.server.core.rules;

import java.util.List;
import org.wirechat.server.core.port.GroupInfo;
import org.wirechat.server.core.port.GroupTx;

/**
 * What each {@link GroupChange} may do, written once for both stores (docs/conversations_design.md §2): any
 * member may add, only the owner may remove others or rename, an owner who leaves hands the group to its
 * longest member, and a group whose last member leaves ends (its name becomes free). Membership is kept as
 * intervals of message ids: a member receives the group's messages with ids in (joined, left], where each
 * bound is {@link GroupTx#boundary()} at the change — so a removed member receives nothing stored after the
 * removal's answer, and one added receives everything stored after the addition's. Pure: it reads and writes
 * only through the {@link GroupTx} a store's transaction gives it.
 */
public final class GroupRules {
    private GroupRules() {
    }

    /** The change made, or why not; run inside the store's transaction ({@code GroupStore.change}). */
    public static GroupOutcome apply(GroupChange change, GroupTx tx, long nowMillis) {
        if (change instanceof GroupChange.Create c) {
            if (tx.groupsOf(c.actorId()) >= c.groupsPerUser()) {
                return new GroupOutcome.TooManyGroups(tx.username(c.actorId()), c.groupsPerUser());
            }
            if (tx.create(c.group(), GroupInfo.key(c.group()), c.actorId(), tx.boundary(), nowMillis) < 0) {
                return new GroupOutcome.NameTaken();
            }
            return new GroupOutcome.Done(tx.group(GroupInfo.key(c.group())).orElse(null), null);
        }
        GroupInfo g = tx.group(GroupInfo.key(change.group())).orElse(null);
        if (g == null) {
            return new GroupOutcome.NoSuchGroup();
        }
        if (!g.hasMember(change.actorId())) {
            return new GroupOutcome.NotAMember(tx.username(change.actorId()));
        }
        return switch (change) {
            case GroupChange.Create c -> throw new AssertionError();
            case GroupChange.Add a -> {
                GroupTx.Named who = tx.account(GroupInfo.key(a.username())).orElse(null);
                if (who == null) {
                    yield new GroupOutcome.NoSuchUser(a.username());
                }
                if (g.hasMember(who.id())) {
                    yield new GroupOutcome.Done(g, who.username()); // a member already: nothing to do
                }
                if (g.members().size() >= a.membersPerGroup()) {
                    yield new GroupOutcome.GroupFull(a.membersPerGroup());
                }
                if (tx.groupsOf(who.id()) >= a.groupsPerUser()) {
                    yield new GroupOutcome.TooManyGroups(who.username(), a.groupsPerUser());
                }
                tx.join(g.id(), who.id(), tx.boundary(), nowMillis);
                yield new GroupOutcome.Done(tx.group(GroupInfo.key(g.name())).orElse(null), who.username());
            }
            case GroupChange.Remove r -> {
                GroupTx.Named who = tx.account(GroupInfo.key(r.username())).orElse(null);
                if (who != null && who.id() == r.actorId()) {
                    yield leave(g, r.actorId(), tx, nowMillis);
                }
                if (g.ownerId() != r.actorId()) {
                    yield new GroupOutcome.NotTheOwner(g.ownerName());
                }
                if (who == null) {
                    yield new GroupOutcome.NoSuchUser(r.username());
                }
                if (!g.hasMember(who.id())) {
                    yield new GroupOutcome.NotAMember(who.username());
                }
                tx.leave(g.id(), who.id(), tx.boundary());
                yield new GroupOutcome.Done(tx.group(GroupInfo.key(g.name())).orElse(null), who.username());
            }
            case GroupChange.Leave l -> leave(g, l.actorId(), tx, nowMillis);
            case GroupChange.Rename r -> {
                if (g.ownerId() != r.actorId()) {
                    yield new GroupOutcome.NotTheOwner(g.ownerName());
                }
                if (!tx.rename(g.id(), r.newName(), GroupInfo.key(r.newName()))) {
                    yield new GroupOutcome.NameTaken();
                }
                yield new GroupOutcome.Done(tx.group(GroupInfo.key(r.newName())).orElse(null), null);
            }
        };
    }

    /** The member leaves; an owner hands the group to the longest member left; the last one ends it. */
    private static GroupOutcome leave(GroupInfo g, long accountId, GroupTx tx, long nowMillis) {
        String name = tx.username(accountId);
        tx.leave(g.id(), accountId, tx.boundary());
        GroupInfo.Member heir = g.members().stream().filter(m -> m.accountId() != accountId).findFirst().orElse(null);
        if (heir == null) {
            tx.end(g.id(), nowMillis);
            return new GroupOutcome.Done(null, name);
        }
        if (g.ownerId() == accountId) {
            tx.owner(g.id(), heir.accountId());
        }
        return new GroupOutcome.Done(tx.group(GroupInfo.key(g.name())).orElse(null), name);
    }

    /**
     * An account being deleted leaves each of these groups (those it is a member of) as GROUP_LEAVE would, handing
     * on what it owns; the stores run it inside the deletion's transaction (docs/architecture.md §6, step 4).
     */
    public static void leaveAll(long accountId, List<GroupInfo> groups, GroupTx tx, long nowMillis) {
        for (GroupInfo g : groups) {
            apply(new GroupChange.Leave(accountId, g.name()), tx, nowMillis);
        }
    }
}
