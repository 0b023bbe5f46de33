package org.wirechat.server.storage;

import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

/**
 * How both schemas ({@link Schema}, {@link PostgresSchema}) apply their numbered migrations: each store keeps its
 * version its own way and in its own transactions, but the rules are these, once: a database newer than this build
 * is refused, and a migration is a text of statements separated by {@code ;}, run in order.
 */
final class Migrations {
    private Migrations() {
    }

    /** Refuses a database at a version above the last of {@code migrations}. */
    static void refuseNewer(int found, List<String> migrations) throws SQLException {
        if (found > migrations.size()) {
            throw new SQLException("the database is at schema version " + found + ", newer than this server ("
                    + migrations.size() + "); use a newer wirechat");
        }
    }

    /** Runs each statement of one migration's text. */
    static void apply(Statement st, String migration) throws SQLException {
        for (String sql : migration.split(";")) {
            if (!sql.isBlank()) {
                st.execute(sql);
            }
        }
    }
}
