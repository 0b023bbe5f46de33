package org.wirechat.server.storage;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.util.Optional;

/**
 * The account statements in SQL, written once for SQLite and PostgreSQL (table {@code accounts}:
 * docs/storage_design.md): each store prepares the text its way, as with {@link TokenRows}, and binds and reads
 * it here. A flag column ({@code receipts}) is an integer in SQLite and a boolean in PostgreSQL; JDBC's
 * {@code setBoolean}/{@code getBoolean} write and read both the same (SQLite's driver as 1 and 0).
 */
final class AccountRows {
    /** A live account by its name's key (its name in lower case); read by {@link #one(PreparedStatement)}. */
    static final String FIND_BY_NAME = "SELECT id, username, full_name, password_hash FROM accounts"
            + " WHERE username_key = ? AND deleted_at IS NULL";
    /** A live account by id; read by {@link #one(PreparedStatement)}. */
    static final String FIND_BY_ID = "SELECT id, username, full_name, password_hash FROM accounts"
            + " WHERE id = ? AND deleted_at IS NULL";
    static final String UPDATE_PASSWORD = "UPDATE accounts SET password_hash = ? WHERE id = ? AND deleted_at IS NULL";
    static final String SET_DISABLED = "UPDATE accounts SET disabled_at = ? WHERE id = ? AND deleted_at IS NULL";
    static final String SET_RECEIPTS = "UPDATE accounts SET receipts = ? WHERE id = ? AND deleted_at IS NULL";
    /** Whether the account's row (deleted or not) is disabled; read by {@link #flag(PreparedStatement, long)}. */
    static final String IS_DISABLED = "SELECT disabled_at IS NOT NULL FROM accounts WHERE id = ?";
    /** Whether the account's row (deleted or not) shares receipts; read by {@link #flag(PreparedStatement, long)}. */
    static final String RECEIPTS = "SELECT receipts FROM accounts WHERE id = ?";
    /** Deletion: the row stays (with no name or password) so messages it sent keep their sender. */
    static final String MARK_DELETED = "UPDATE accounts SET deleted_at = ?, password_hash = '', full_name = ''"
            + " WHERE id = ? AND deleted_at IS NULL";

    private AccountRows() {
    }

    /** Runs {@link #FIND_BY_NAME} or {@link #FIND_BY_ID}, its parameter bound. */
    static Optional<Account> one(PreparedStatement ps) throws SQLException {
        try (ResultSet rs = ps.executeQuery()) {
            return rs.next() ? Optional.of(new Account(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getString(4)))
                    : Optional.empty();
        }
    }

    /** Runs {@link #IS_DISABLED} or {@link #RECEIPTS}: false when there is no such row. */
    static boolean flag(PreparedStatement ps, long accountId) throws SQLException {
        ps.setLong(1, accountId);
        try (ResultSet rs = ps.executeQuery()) {
            return rs.next() && rs.getBoolean(1);
        }
    }

    /** Runs {@link #UPDATE_PASSWORD}. */
    static int updatePassword(PreparedStatement ps, long accountId, String passwordHash) throws SQLException {
        ps.setString(1, passwordHash);
        ps.setLong(2, accountId);
        return ps.executeUpdate();
    }

    /** Runs {@link #SET_DISABLED}: disabled since {@code nowMillis}, or enabled when it is 0; false: no such live account. */
    static boolean setDisabled(PreparedStatement ps, long accountId, long nowMillis) throws SQLException {
        if (nowMillis == 0) {
            ps.setNull(1, Types.BIGINT);
        } else {
            ps.setLong(1, nowMillis);
        }
        ps.setLong(2, accountId);
        return ps.executeUpdate() == 1;
    }

    /** Runs {@link #SET_RECEIPTS}; false: no such live account. */
    static boolean setReceipts(PreparedStatement ps, long accountId, boolean on) throws SQLException {
        ps.setBoolean(1, on);
        ps.setLong(2, accountId);
        return ps.executeUpdate() == 1;
    }

    /** Runs {@link #MARK_DELETED}; false: no such live account. */
    static boolean markDeleted(PreparedStatement ps, long accountId, long nowMillis) throws SQLException {
        ps.setLong(1, nowMillis);
        ps.setLong(2, accountId);
        return ps.executeUpdate() == 1;
    }
}
