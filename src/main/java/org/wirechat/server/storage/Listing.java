package org.wirechat.server.storage;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Predicate;

/** Account listing by pages of the name index, filtered in memory, whichever database reads the pages. */
final class Listing {
    /** Accounts read from the database at a time. */
    static final int BATCH = 256;
    /** One page of the name index (the same SQL for SQLite and PostgreSQL); the parameter is the key to start after. */
    static final String PAGE_SQL = "SELECT id, username, full_name FROM accounts"
            + " WHERE deleted_at IS NULL AND username_key > ? ORDER BY username_key LIMIT " + BATCH;

    /** Reads up to {@link #BATCH} live accounts whose lower-case name sorts after the key, in that order. */
    @FunctionalInterface
    interface Pages {
        List<Account> after(String key);
    }

    private Listing() {
    }

    /** Runs {@link #PAGE_SQL} (prepared by the caller) for the accounts after {@code key}. */
    static List<Account> page(PreparedStatement ps, String key) throws SQLException {
        ps.setString(1, key);
        List<Account> found = new ArrayList<>(BATCH);
        try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                found.add(new Account(rs.getLong(1), rs.getString(2), rs.getString(3), ""));
            }
        }
        return found;
    }

    static String key(String username) {
        return username.toLowerCase(Locale.ROOT);
    }

    /** The first {@code max} accounts after {@code afterKey} that pass {@code filter}. */
    static List<Account> matching(String afterKey, int max, Predicate<Account> filter, Pages pages) {
        List<Account> out = new ArrayList<>();
        String after = key(afterKey);
        while (out.size() < max) {
            List<Account> batch = pages.after(after);
            for (Account a : batch) {
                if (filter.test(a)) {
                    out.add(a);
                    if (out.size() == max) {
                        break;
                    }
                }
            }
            if (batch.size() < BATCH) {
                break;
            }
            after = key(batch.get(batch.size() - 1).username());
        }
        return out;
    }
}
