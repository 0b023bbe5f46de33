package org.wirechat.server.storage;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** One connection and its prepared statements, cached by SQL text. Confined to one thread at a time. */
final class Statements implements AutoCloseable {
    private final Connection connection;
    private final Map<String, PreparedStatement> cache = new HashMap<>();

    Statements(Connection connection) {
        this.connection = connection;
    }

    Connection connection() {
        return connection;
    }

    /**
     * Deletes an account's oldest tokens beyond the newest {@code max - 1} others than the given one (its
     * newest, just made), returning their hashes. The dialects differ only in how they say "no limit"
     * before OFFSET: {@code LIMIT -1} in SQLite, {@code LIMIT ALL} in PostgreSQL.
     */
    static String revokeOldestTokens(String noLimit) {
        return "DELETE FROM tokens WHERE hash IN (SELECT hash FROM tokens WHERE account_id = ? AND hash <> ?"
                + " ORDER BY created_at DESC, hash " + noLimit + " OFFSET ?) RETURNING hash";
    }

    static void bindRevokeOldest(PreparedStatement ps, byte[] keep, long accountId, int max) throws SQLException {
        ps.setLong(1, accountId);
        ps.setBytes(2, keep);
        ps.setInt(3, max - 1);
    }

    /** Runs a query of hashes and returns them. */
    static List<byte[]> hashes(PreparedStatement ps) throws SQLException {
        List<byte[]> out = new ArrayList<>();
        try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                out.add(rs.getBytes(1));
            }
        }
        return out;
    }

    /** The cached statement for {@code sql}, its parameters cleared. */
    PreparedStatement prepare(String sql) throws SQLException {
        PreparedStatement ps = cache.get(sql);
        if (ps == null) {
            ps = connection.prepareStatement(sql);
            cache.put(sql, ps);
        } else {
            ps.clearParameters();
        }
        return ps;
    }

    @Override
    public void close() throws SQLException {
        for (PreparedStatement ps : cache.values()) {
            ps.close();
        }
        cache.clear();
        connection.close();
    }
}
