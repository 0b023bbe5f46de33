package org.wirechat.server.storage;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalInt;
import org.wirechat.server.core.port.Account;

/**
 * The account statements in SQL, written once for SQLite and PostgreSQL (table {@code accounts}:
 * docs/storage_design.md): each store runs them through its {@link Sql}, as with {@link TokenRows}. A flag column
 * ({@code receipts}) is an integer in SQLite and a boolean in PostgreSQL; JDBC's
 * {@code setBoolean}/{@code getBoolean} write and read both the same (SQLite's driver as 1 and 0).
 */
final class AccountRows {
    /** The columns every read of an account's row takes, in {@link #account(ResultSet)}'s order. */
    private static final String COLUMNS = "id, username, full_name, password_hash, disabled_at IS NOT NULL, receipts";
    /** A live account by its name's key (its name in lower case); read by {@link #find(Sql, String)}. */
    static final String FIND_BY_NAME = "SELECT " + COLUMNS + " FROM accounts WHERE username_key = ? AND deleted_at IS NULL";
    /** A live account by id; read by {@link #find(Sql, long)}. */
    static final String FIND_BY_ID = "SELECT " + COLUMNS + " FROM accounts WHERE id = ? AND deleted_at IS NULL";
    /**
     * A page of the name index: live accounts whose key sorts after the first parameter, at most the second, in
     * key order, without the password hash; read by {@link #page(Sql, String, int)}.
     */
    static final String PAGE = "SELECT id, username, full_name, '', disabled_at IS NOT NULL, receipts FROM accounts"
            + " WHERE deleted_at IS NULL AND username_key > ? ORDER BY username_key LIMIT ?";
    static final String UPDATE_PASSWORD = "UPDATE accounts SET password_hash = ? WHERE id = ? AND deleted_at IS NULL";
    static final String SET_DISABLED = "UPDATE accounts SET disabled_at = ? WHERE id = ? AND deleted_at IS NULL";
    static final String SET_FULL_NAME = "UPDATE accounts SET full_name = ? WHERE id = ? AND deleted_at IS NULL";
    static final String SET_RECEIPTS = "UPDATE accounts SET receipts = ? WHERE id = ? AND deleted_at IS NULL";
    /** Deletion: the row stays (with no name or password) so messages it sent keep their sender. */
    static final String MARK_DELETED = "UPDATE accounts SET deleted_at = ?, password_hash = '', full_name = ''"
            + " WHERE id = ? AND deleted_at IS NULL";

    private AccountRows() {
    }

    /** The name's key in the index ({@code username_key}): its lower case, whatever the locale. */
    static String key(String username) {
        return username.toLowerCase(Locale.ROOT);
    }

    /** The live account of this name (ignoring case). */
    static Optional<Account> find(Sql sql, String username) throws SQLException {
        return sql.first(FIND_BY_NAME, Sql.values(key(username)), AccountRows::account);
    }

    /** The live account of this id. */
    static Optional<Account> find(Sql sql, long id) throws SQLException {
        return sql.first(FIND_BY_ID, Sql.values(id), AccountRows::account);
    }

    /** Runs {@link #PAGE} for the accounts after {@code after}'s key, at most {@code max}. */
    static List<Account> page(Sql sql, String after, int max) throws SQLException {
        return sql.list(PAGE, Sql.values(key(after), max), AccountRows::account);
    }

    /** The row as {@link #COLUMNS} (or {@link #PAGE}) read it. */
    private static Account account(ResultSet rs) throws SQLException {
        return new Account(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getBoolean(5), rs.getBoolean(6));
    }

    /** A new account as {@code create} stored it: enabled, sharing receipts (the columns' defaults). */
    static Account created(long id, String username, String fullName, String passwordHash) {
        return new Account(id, username, fullName, passwordHash, false, true);
    }

    /** Runs {@link #UPDATE_PASSWORD}. */
    static int updatePassword(Sql sql, long accountId, String passwordHash) throws SQLException {
        return sql.update(UPDATE_PASSWORD, Sql.values(passwordHash, accountId));
    }

    /** Runs {@link #SET_DISABLED}: disabled since {@code nowMillis}, or enabled when it is 0; false: no such live account. */
    static boolean setDisabled(Sql sql, long accountId, long nowMillis) throws SQLException {
        return sql.update(SET_DISABLED, ps -> {
            if (nowMillis == 0) {
                ps.setNull(1, Types.BIGINT);
            } else {
                ps.setLong(1, nowMillis);
            }
            ps.setLong(2, accountId);
        }) == 1;
    }

    /**
     * A user's change of password: {@link #UPDATE_PASSWORD}, then the account's tokens but {@code keepToken} deleted;
     * how many, or empty (and nothing deleted) when there is no such live account. The caller runs it in one transaction.
     */
    static OptionalInt changePassword(Sql sql, long accountId, String passwordHash, byte[] keepToken) throws SQLException {
        if (updatePassword(sql, accountId, passwordHash) == 0) {
            return OptionalInt.empty();
        }
        return OptionalInt.of(sql.update(TokenRows.DELETE_OTHERS_OF, Sql.values(accountId, keepToken)));
    }

    /** Runs {@link #SET_FULL_NAME}; false: no such live account. */
    static boolean setFullName(Sql sql, long accountId, String fullName) throws SQLException {
        return sql.update(SET_FULL_NAME, Sql.values(fullName, accountId)) == 1;
    }

    /** Runs {@link #SET_RECEIPTS}; false: no such live account. */
    static boolean setReceipts(Sql sql, long accountId, boolean on) throws SQLException {
        return sql.update(SET_RECEIPTS, Sql.values(on, accountId)) == 1;
    }

    /** Runs {@link #MARK_DELETED}; false: no such live account. */
    static boolean markDeleted(Sql sql, long accountId, long nowMillis) throws SQLException {
        return sql.update(MARK_DELETED, Sql.values(nowMillis, accountId)) == 1;
    }
}
