package org.wirechat.server.storage;

import java.sql.Connection;
import java.sql.PreparedStatement;
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
import org.wirechat.server.core.port.GroupTx;
import org.wirechat.server.core.port.StorageUnavailableException;
import org.wirechat.server.core.port.StoreException;

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
    private interface Sql<T> {
        T run() throws SQLException;
    }

    private static <T> T sql(Sql<T> work) {
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

    private final Connection c;
    private final String lock;
    private final LongSupplier boundary;
    /** The groups this transaction wrote, and those of them it renamed (for the store's caches, after the commit). */
    private final Set<Long> changed = new TreeSet<>();
    private final Set<Long> renamed = new TreeSet<>();

    /**
     * @param lock what follows a group's read in the change's transaction ({@code " FOR UPDATE"} on
     *     PostgreSQL, where sends lock the group too; empty on SQLite, where one thread makes every change)
     */
    GroupRows(Connection c, String lock, LongSupplier boundary) {
        this.c = c;
        this.lock = lock;
        this.boundary = boundary;
    }

    /**
     * Runs a group change ({@code GroupStore.change}) in the store's open transaction
     * on {@code c}; a statement's failure comes out as its own {@link SQLException}, for the store to answer.
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
            long id;
            String name;
            long owner;
            try (PreparedStatement ps = c.prepareStatement("SELECT id, name, owner_id FROM groups WHERE name_key = ? AND ended_at IS NULL" + lock)) {
                ps.setString(1, key);
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) {
                        return Optional.<GroupInfo>empty();
                    }
                    id = rs.getLong(1);
                    name = rs.getString(2);
                    owner = rs.getLong(3);
                }
            }
            return Optional.of(new GroupInfo(id, name, owner, members(c, List.of(id)).getOrDefault(id, List.of())));
        });
    }

    /** The groups' current members, each group's in the order they joined. */
    private static Map<Long, List<GroupInfo.Member>> members(Connection c, List<Long> groupIds) throws SQLException {
        Map<Long, List<GroupInfo.Member>> out = new LinkedHashMap<>();
        if (groupIds.isEmpty()) {
            return out;
        }
        String in = String.join(", ", Collections.nCopies(groupIds.size(), "?"));
        try (PreparedStatement ps = c.prepareStatement("SELECT gm.group_id, gm.account_id, a.username FROM group_members gm"
                + " JOIN accounts a ON a.id = gm.account_id WHERE gm.left_after IS NULL AND gm.group_id IN (" + in + ") ORDER BY gm.id")) {
            for (int i = 0; i < groupIds.size(); i++) {
                ps.setLong(i + 1, groupIds.get(i));
            }
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    out.computeIfAbsent(rs.getLong(1), k -> new ArrayList<>()).add(new GroupInfo.Member(rs.getLong(2), rs.getString(3)));
                }
            }
        }
        return out;
    }

    /** The live groups the account is a member of, sorted by name ignoring case. */
    static List<GroupInfo> groupsOf(Connection c, long accountId) throws SQLException {
        List<long[]> found = new ArrayList<>();
        List<String> names = new ArrayList<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT g.id, g.name, g.owner_id FROM groups g JOIN group_members gm"
                + " ON gm.group_id = g.id WHERE gm.account_id = ? AND gm.left_after IS NULL AND g.ended_at IS NULL ORDER BY g.name_key")) {
            ps.setLong(1, accountId);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    found.add(new long[] {rs.getLong(1), rs.getLong(3)});
                    names.add(rs.getString(2));
                }
            }
        }
        Map<Long, List<GroupInfo.Member>> members = members(c, found.stream().map(f -> f[0]).toList());
        List<GroupInfo> out = new ArrayList<>(found.size());
        for (int i = 0; i < found.size(); i++) {
            out.add(new GroupInfo(found.get(i)[0], names.get(i), found.get(i)[1], members.getOrDefault(found.get(i)[0], List.of())));
        }
        return out;
    }

    /** The live group of this name (ignoring case), unlocked. */
    static Optional<GroupInfo> find(Connection c, String name) throws SQLException {
        return new GroupRows(c, "", () -> 0).run(tx -> tx.group(GroupInfo.key(name)));
    }

    @Override
    public Optional<Named> account(String key) {
        return sql(() -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT id, username FROM accounts WHERE username_key = ? AND deleted_at IS NULL")) {
                ps.setString(1, key);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? Optional.of(new Named(rs.getLong(1), rs.getString(2))) : Optional.<Named>empty();
                }
            }
        });
    }

    @Override
    public String username(long accountId) {
        return sql(() -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT username FROM accounts WHERE id = ?")) {
                ps.setLong(1, accountId);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next() ? rs.getString(1) : "";
                }
            }
        });
    }

    @Override
    public int groupsOf(long accountId) {
        return sql(() -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT count(*) FROM group_members WHERE account_id = ? AND left_after IS NULL")) {
                ps.setLong(1, accountId);
                try (ResultSet rs = ps.executeQuery()) {
                    rs.next();
                    return rs.getInt(1);
                }
            }
        });
    }

    @Override
    public long boundary() {
        return boundary.getAsLong();
    }

    @Override
    public long create(String name, String key, long ownerId, long boundary, long nowMillis) {
        return sql(() -> {
            long id;
            try (PreparedStatement ps = c.prepareStatement("INSERT INTO groups (name, name_key, owner_id, created_at) VALUES (?, ?, ?, ?)"
                    + " ON CONFLICT DO NOTHING RETURNING id")) {
                ps.setString(1, name);
                ps.setString(2, key);
                ps.setLong(3, ownerId);
                ps.setLong(4, nowMillis);
                try (ResultSet rs = ps.executeQuery()) {
                    if (!rs.next()) {
                        return -1L;
                    }
                    id = rs.getLong(1);
                }
            }
            changed.add(id);
            join(id, ownerId, boundary, nowMillis);
            return id;
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
        boolean taken = sql(() -> {
            try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM groups WHERE name_key = ? AND ended_at IS NULL AND id <> ?")) {
                ps.setString(1, key);
                ps.setLong(2, groupId);
                try (ResultSet rs = ps.executeQuery()) {
                    return rs.next();
                }
            }
        });
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
        sql(() -> {
            try (PreparedStatement ps = c.prepareStatement(statement)) {
                for (int i = 0; i < parameters.length; i++) {
                    if (parameters[i] instanceof Long l) {
                        ps.setLong(i + 1, l);
                    } else {
                        ps.setString(i + 1, (String) parameters[i]);
                    }
                }
                ps.executeUpdate();
            }
            return null;
        });
    }

    /** The account (being deleted) leaves every group it is in, as the core's {@code departures} say. */
    static void leaveAll(Connection c, long accountId, GroupRows tx, long nowMillis, Departures departures) throws SQLException {
        List<GroupInfo> groups = groupsOf(c, accountId);
        tx.run(t -> {
            departures.leave(accountId, groups, t, nowMillis);
            return null;
        });
    }
}
