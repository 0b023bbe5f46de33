package org.wirechat.server.storage;

import java.sql.SQLException;
import java.util.List;
import java.util.Optional;
import org.wirechat.server.core.port.TokenRow;

/**
 * The token statements in SQL, written once for SQLite and PostgreSQL (table {@code tokens}:
 * docs/storage_design.md): each store runs them through its {@link Sql} (a cached statement on SQLite's writer,
 * one of the pool's connections on PostgreSQL). The one dialect difference is named:
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
    static final String DELETE_OTHERS_OF = "DELETE FROM tokens WHERE account_id = ? AND hash <> ?";
    static final String DELETE_EXPIRED = "DELETE FROM tokens WHERE expires_at <= ?";

    private TokenRows() {
    }

    /**
     * Deletes the account's tokens beyond the newest {@code max} but the one kept, returning their hashes;
     * run by {@link #revokeOldest(Sql, String, byte[], long, int)}.
     *
     * @param noLimit the dialect's "no limit" before an {@code OFFSET}: SQLite {@code LIMIT -1}, PostgreSQL {@code LIMIT ALL}
     */
    static String revokeOldest(String noLimit) {
        return "DELETE FROM tokens WHERE hash IN (SELECT hash FROM tokens WHERE account_id = ? AND hash <> ?"
                + " ORDER BY created_at DESC, hash " + noLimit + " OFFSET ?) RETURNING hash";
    }

    static void insert(Sql sql, byte[] hash, long accountId, String device, long createdAtMillis, long expiresAtMillis)
            throws SQLException {
        sql.update(INSERT, Sql.values(hash, accountId, createdAtMillis, expiresAtMillis, device));
    }

    /** Runs {@link #revokeOldest(String)} (its text {@code statement}): keeps {@code keep} and the newest {@code max - 1} others. */
    static List<byte[]> revokeOldest(Sql sql, String statement, byte[] keep, long accountId, int max) throws SQLException {
        return sql.list(statement, Sql.values(accountId, keep, max - 1), rs -> rs.getBytes(1));
    }

    static Optional<TokenRow> find(Sql sql, byte[] hash) throws SQLException {
        return sql.first(FIND, Sql.values(hash), rs -> new TokenRow(rs.getLong(1), rs.getString(4), rs.getLong(2), rs.getLong(3)));
    }

    static int extend(Sql sql, byte[] hash, long expiresAtMillis) throws SQLException {
        return sql.update(EXTEND, Sql.values(expiresAtMillis, hash, expiresAtMillis));
    }
}
