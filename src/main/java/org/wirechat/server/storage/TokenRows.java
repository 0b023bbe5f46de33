package org.wirechat.server.storage;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.wirechat.server.core.port.TokenRow;

/**
 * The token statements in SQL, written once for SQLite and PostgreSQL (table {@code tokens}:
 * docs/storage_design.md): each store prepares the text its way (a cached statement on SQLite's writer, one
 * of the pool's connections on PostgreSQL) and binds and reads it here. The one dialect difference is named:
 * how a statement says "no limit" ({@link #revokeOldest(String)}).
 */
final class TokenRows {
    static final String INSERT = "INSERT INTO tokens (hash, account_id, created_at, expires_at, device) VALUES (?, ?, ?, ?, ?)";
    /** A token, if its account is live. */
    static final String FIND = "SELECT t.account_id, t.created_at, t.expires_at, t.device FROM tokens t"
            + " JOIN accounts a ON a.id = t.account_id WHERE t.hash = ? AND a.deleted_at IS NULL";
    /** Moves the expiry only later, so a slow extension never shortens one written after it. */
    static final String EXTEND = "UPDATE tokens SET expires_at = ? WHERE hash = ? AND expires_at < ?";
    static final String DELETE = "DELETE FROM tokens WHERE hash = ?";
    static final String DELETE_OF = "DELETE FROM tokens WHERE account_id = ?";
    static final String DELETE_EXPIRED = "DELETE FROM tokens WHERE expires_at <= ?";

    private TokenRows() {
    }

    /**
     * Deletes the account's tokens beyond the newest {@code max} but the one kept, returning their hashes;
     * parameters bound by {@link #revokeOldest(PreparedStatement, byte[], long, int)}.
     *
     * @param noLimit the dialect's "no limit" before an {@code OFFSET}: SQLite {@code LIMIT -1}, PostgreSQL {@code LIMIT ALL}
     */
    static String revokeOldest(String noLimit) {
        return "DELETE FROM tokens WHERE hash IN (SELECT hash FROM tokens WHERE account_id = ? AND hash <> ?"
                + " ORDER BY created_at DESC, hash " + noLimit + " OFFSET ?) RETURNING hash";
    }

    static void insert(PreparedStatement ps, byte[] hash, long accountId, String device, long createdAtMillis,
            long expiresAtMillis) throws SQLException {
        ps.setBytes(1, hash);
        ps.setLong(2, accountId);
        ps.setLong(3, createdAtMillis);
        ps.setLong(4, expiresAtMillis);
        ps.setString(5, device);
        ps.executeUpdate();
    }

    /** Runs {@link #revokeOldest(String)}: keeps {@code keep} and the newest {@code max - 1} others. */
    static List<byte[]> revokeOldest(PreparedStatement ps, byte[] keep, long accountId, int max) throws SQLException {
        ps.setLong(1, accountId);
        ps.setBytes(2, keep);
        ps.setInt(3, max - 1);
        List<byte[]> out = new ArrayList<>();
        try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                out.add(rs.getBytes(1));
            }
        }
        return out;
    }

    static Optional<TokenRow> find(PreparedStatement ps, byte[] hash) throws SQLException {
        ps.setBytes(1, hash);
        try (ResultSet rs = ps.executeQuery()) {
            return rs.next() ? Optional.of(new TokenRow(rs.getLong(1), rs.getString(4), rs.getLong(2), rs.getLong(3)))
                    : Optional.empty();
        }
    }

    static int extend(PreparedStatement ps, byte[] hash, long expiresAtMillis) throws SQLException {
        ps.setLong(1, expiresAtMillis);
        ps.setBytes(2, hash);
        ps.setLong(3, expiresAtMillis);
        return ps.executeUpdate();
    }
}
