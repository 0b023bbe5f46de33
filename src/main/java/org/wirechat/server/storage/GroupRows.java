package org.wirechat.server.storage;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.function.LongSupplier;
import org.wirechat.server.core.port.Departures;
import org.wirechat.server.core.port.GroupInfo;
import org.wirechat.server.core.port.GroupMembership;
import org.wirechat.server.core.port.GroupTx;

/**
 * Groups and their membership intervals in SQL, the same statements for SQLite and PostgreSQL (tables
 * {@code groups} and {@code group_members}: docs/storage_design.md). A group's messages are rows of
 * {@code messages} like any other, with the group as their conversation: {@code recipient_id} and both
 * {@code pair_} columns hold the group's id negated ({@link #conversation}), so one group's history is one
 * range of the conversation index, and no account's id can be mistaken for a group's.
 */
final class GroupRows implements GroupTx {
    /** A statement's work, which may fail with its {@link SQLException}. */
    @FunctionalInterface
    private interface Step<T> {
        T run() throws SQLException;
    }

    private static <T> T sql(Step<T> work) {
        try {
            return work.run();
        } catch (SQLException e) {
            throw new SqlFailure(e);
        }
    }

    /** The id a group's messages carry as their recipient (and conversation). */
    static long conversation(long groupId) {
        return -groupId;
    }

    /** Whether a message's recipient id names a group. */
    static boolean isGroup(long recipientId) {
        return recipientId < 0;
    }

    /** A group's conversation, newest first: parameters pair_lo, pair_hi (both the group's), before id, limit. */
    static final String HISTORY = """
            SELECT m.id, s.username, g.name, m.created_at, m.body
            FROM messages m JOIN accounts s ON s.id = m.sender_id JOIN groups g ON g.id = -m.recipient_id
            WHERE m.pair_lo = ? AND m.pair_hi = ? AND m.id < ? ORDER BY m.id DESC LIMIT ?""";

    private final Sql db;
    private final String lock;
    private final LongSupplier boundary;
    /** The groups this transaction wrote, and those of them it renamed (for the store's caches, after the commit). */
    private final Set<Long> changed = new TreeSet<>();
    private final Set<Long> renamed = new TreeSet<>();

    /**
     * @param lock what follows a group's read in the change's transaction ({@code " FOR UPDATE"} on
     *     PostgreSQL, where sends lock the group too; empty on SQLite, where one thread makes every change)
     */
    GroupRows(Sql db, String lock, LongSupplier boundary) {
        this.db = db;
        this.lock = lock;
        this.boundary = boundary;
    }

    /**
     * Runs a group change ({@code GroupStore.change}) in the store's open transaction
     * on {@code db}; a statement's failure comes out as its own {@link SQLException}, for the store to answer.
     */
    <T> T run(Function<GroupTx, T> work) throws SQLException {
        try {
            return work.apply(this);
        } catch (SqlFailure e) {
            throw e.getCause();
        }
    }

    /** The groups the change wrote (made, joined, left, handed on, renamed or ended). */
    Set<Long> changed() {
        return changed;
    }

    /** The groups the change renamed. */
    Set<Long> renamed() {
        return renamed;
    }

    @Override
    public Optional<GroupInfo> group(String key) {
        return sql(() -> {
            Optional<GroupInfo> found = db.first("SELECT id, name, owner_id FROM groups WHERE name_key = ? AND ended_at IS NULL" + lock,
                    Sql.values(key), GroupRows::withoutMembers);
            if (found.isEmpty()) {
                return found;
            }
            return Optional.of(withMembers(found.get(), members(db, List.of(found.get().id()))));
        });
    }

    /** A group's row (id, name, owner), its members still to be read. */
    private static GroupInfo withoutMembers(ResultSet rs) throws SQLException {
        return new GroupInfo(rs.getLong(1), rs.getString(2), rs.getLong(3), List.of());
    }

    private static GroupInfo withMembers(GroupInfo g, Map<Long, List<GroupInfo.Member>> members) {
        return new GroupInfo(g.id(), g.name(), g.ownerId(), members.getOrDefault(g.id(), List.of()));
    }

    /** The groups' current members, each group's in the order they joined. */
    private static Map<Long, List<GroupInfo.Member>> members(Sql sql, List<Long> groupIds) throws SQLException {
        Map<Long, List<GroupInfo.Member>> out = new LinkedHashMap<>();
        if (groupIds.isEmpty()) {
            return out;
        }
        String in = String.join(", ", Collections.nCopies(groupIds.size(), "?"));
        sql.each("SELECT gm.group_id, gm.account_id, a.username FROM group_members gm"
                + " JOIN accounts a ON a.id = gm.account_id WHERE gm.left_after IS NULL AND gm.group_id IN (" + in + ") ORDER BY gm.id",
                Sql.values(groupIds.toArray()),
                rs -> out.computeIfAbsent(rs.getLong(1), k -> new ArrayList<>()).add(new GroupInfo.Member(rs.getLong(2), rs.getString(3))));
        return out;
    }

    /** The live groups the account is a member of, sorted by name ignoring case. */
    static List<GroupInfo> groupsOf(Sql sql, long accountId) throws SQLException {
        List<GroupInfo> found = sql.list("SELECT g.id, g.name, g.owner_id FROM groups g JOIN group_members gm"
                + " ON gm.group_id = g.id WHERE gm.account_id = ? AND gm.left_after IS NULL AND g.ended_at IS NULL ORDER BY g.name_key",
                Sql.values(accountId), GroupRows::withoutMembers);
        Map<Long, List<GroupInfo.Member>> members = members(sql, found.stream().map(GroupInfo::id).toList());
        return found.stream().map(g -> withMembers(g, members)).toList();
    }

    /** Every interval of the account's membership of a group, ended groups' too, in the order they began. */
    static List<GroupMembership> memberships(Sql sql, long accountId) throws SQLException {
        return sql.list("SELECT gm.group_id, gm.joined_after, gm.left_after, g.ended_at IS NULL FROM group_members gm"
                + " JOIN groups g ON g.id = gm.group_id WHERE gm.account_id = ? ORDER BY gm.id", Sql.values(accountId),
                rs -> {
                    long left = rs.getLong(3);
                    boolean member = rs.wasNull();
                    return new GroupMembership(rs.getLong(1), rs.getLong(2), member ? Long.MAX_VALUE : left, rs.getBoolean(4));
                });
    }

    /** The live group of this name (ignoring case), unlocked. */
    static Optional<GroupInfo> find(Sql sql, String name) throws SQLException {
        return new GroupRows(sql, "", () -> 0).run(tx -> tx.group(GroupInfo.key(name)));
    }

    @Override
    public Optional<Named> account(String key) {
        return sql(() -> db.first("SELECT id, username FROM accounts WHERE username_key = ? AND deleted_at IS NULL",
                Sql.values(key), rs -> new Named(rs.getLong(1), rs.getString(2))));
    }

    @Override
    public String username(long accountId) {
        return sql(() -> db.first("SELECT username FROM accounts WHERE id = ?", Sql.values(accountId), rs -> rs.getString(1)).orElse(""));
    }

    @Override
    public int groupsOf(long accountId) {
        return sql(() -> (int) db.number("SELECT count(*) FROM group_members WHERE account_id = ? AND left_after IS NULL",
                Sql.values(accountId)));
    }

    @Override
    public long boundary() {
        return boundary.getAsLong();
    }

    @Override
    public long create(String name, String key, long ownerId, long boundary, long nowMillis) {
        return sql(() -> {
            Optional<Long> made = db.first("INSERT INTO groups (name, name_key, owner_id, created_at) VALUES (?, ?, ?, ?)"
                    + " ON CONFLICT DO NOTHING RETURNING id", Sql.values(name, key, ownerId, nowMillis), rs -> rs.getLong(1));
            if (made.isEmpty()) {
                return -1L;
            }
            changed.add(made.get());
            join(made.get(), ownerId, boundary, nowMillis);
            return made.get();
        });
    }

    @Override
    public void join(long groupId, long accountId, long boundary, long nowMillis) {
        changed.add(groupId);
        update("INSERT INTO group_members (group_id, account_id, joined_after, joined_at) VALUES (?, ?, ?, ?)",
                groupId, accountId, boundary, nowMillis);
    }

    @Override
    public void leave(long groupId, long accountId, long boundary) {
        changed.add(groupId);
        update("UPDATE group_members SET left_after = ? WHERE group_id = ? AND account_id = ? AND left_after IS NULL",
                boundary, groupId, accountId);
    }

    @Override
    public void owner(long groupId, long ownerId) {
        changed.add(groupId);
        update("UPDATE groups SET owner_id = ? WHERE id = ?", ownerId, groupId);
    }

    @Override
    public boolean rename(long groupId, String name, String key) {
        boolean taken = sql(() -> db.exists("SELECT 1 FROM groups WHERE name_key = ? AND ended_at IS NULL AND id <> ?",
                Sql.values(key, groupId)));
        if (taken) {
            return false;
        }
        update("UPDATE groups SET name = ?, name_key = ? WHERE id = ?", name, key, groupId);
        changed.add(groupId);
        renamed.add(groupId);
        return true;
    }

    @Override
    public void end(long groupId, long nowMillis) {
        changed.add(groupId);
        update("UPDATE groups SET ended_at = ? WHERE id = ?", nowMillis, groupId);
    }

    /** One writing statement, its parameters longs or strings, in order. */
    private void update(String statement, Object... parameters) {
        sql(() -> db.update(statement, Sql.values(parameters)));
    }

    /** The account (being deleted) leaves every group it is in, as the core's {@code departures} say. */
    static void leaveAll(Sql sql, long accountId, GroupRows tx, long nowMillis, Departures departures) throws SQLException {
        List<GroupInfo> groups = groupsOf(sql, accountId);
        tx.run(t -> {
            departures.leave(accountId, groups, t, nowMillis);
            return null;
        });
    }
}
