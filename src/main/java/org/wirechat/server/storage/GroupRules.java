package org.wirechat.server.storage;

import java.sql.SQLException;
import java.util.Locale;

/**
 * What each {@link GroupChange} may do, the same for both stores (docs/conversations_design.md §2): any
 * member may add, only the owner may remove others or rename, an owner who leaves hands the group to its
 * longest member, and a group whose last member leaves ends (its name becomes free). Membership is kept as
 * intervals of message ids: a member receives the group's messages with ids in (joined, left], where each
 * bound is {@link Tx#boundary()} at the change — so a removed member receives nothing stored after the
 * removal's answer, and one added receives everything stored after the addition's.
 */
final class GroupRules {
    /** What the rules need of a store, inside the transaction that makes the change. */
    interface Tx {
        /** The live group of this key, its members in the order they joined (locked against sends where the store locks); null if none. */
        GroupInfo group(String key) throws SQLException;

        /** The live account of this lower-case name; null if none. */
        GroupRows.Named account(String key) throws SQLException;

        String username(long accountId) throws SQLException;

        /** How many live groups the account is a member of. */
        int groupsOf(long accountId) throws SQLException;

        /** The id every message stored before this change has (at most), and every one stored after it exceeds. */
        long boundary() throws SQLException;

        /** A new group with its owner as first member; -1 if a live group has the name. */
        long create(String name, String key, long ownerId, long boundary, long nowMillis) throws SQLException;

        void join(long groupId, long accountId, long boundary, long nowMillis) throws SQLException;

        void leave(long groupId, long accountId, long boundary) throws SQLException;

        void owner(long groupId, long ownerId) throws SQLException;

        /** False if another live group has the name. */
        boolean rename(long groupId, String name, String key) throws SQLException;

        void end(long groupId, long nowMillis) throws SQLException;
    }

    private GroupRules() {
    }

    static String key(String name) {
        return name.toLowerCase(Locale.ROOT);
    }

    static GroupOutcome apply(GroupChange change, Tx tx, long nowMillis) throws SQLException {
        if (change instanceof GroupChange.Create c) {
            if (tx.groupsOf(c.actorId()) >= c.groupsPerUser()) {
                return new GroupOutcome.TooManyGroups(tx.username(c.actorId()), c.groupsPerUser());
            }
            if (tx.create(c.group(), key(c.group()), c.actorId(), tx.boundary(), nowMillis) < 0) {
                return new GroupOutcome.NameTaken();
            }
            return new GroupOutcome.Done(tx.group(key(c.group())), null);
        }
        GroupInfo g = tx.group(key(change.group()));
        if (g == null) {
            return new GroupOutcome.NoSuchGroup();
        }
        if (!g.hasMember(change.actorId())) {
            return new GroupOutcome.NotAMember(tx.username(change.actorId()));
        }
        return switch (change) {
            case GroupChange.Create c -> throw new AssertionError();
            case GroupChange.Add a -> {
                GroupRows.Named who = tx.account(key(a.username()));
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
                yield new GroupOutcome.Done(tx.group(key(g.name())), who.username());
            }
            case GroupChange.Remove r -> {
                GroupRows.Named who = tx.account(key(r.username()));
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
                yield new GroupOutcome.Done(tx.group(key(g.name())), who.username());
            }
            case GroupChange.Leave l -> leave(g, l.actorId(), tx, nowMillis);
            case GroupChange.Rename r -> {
                if (g.ownerId() != r.actorId()) {
                    yield new GroupOutcome.NotTheOwner(g.ownerName());
                }
                if (!tx.rename(g.id(), r.newName(), key(r.newName()))) {
                    yield new GroupOutcome.NameTaken();
                }
                yield new GroupOutcome.Done(tx.group(key(r.newName())), null);
            }
        };
    }

    /** The member leaves; an owner hands the group to the longest member left; the last one ends it. */
    private static GroupOutcome leave(GroupInfo g, long accountId, Tx tx, long nowMillis) throws SQLException {
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
        return new GroupOutcome.Done(tx.group(key(g.name())), name);
    }
}
