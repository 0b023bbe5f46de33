package org.wirechat.server.storage;

import java.sql.Connection;
import java.sql.SQLException;

/**
 * The PostgreSQL store's migrations run on a database of the test cluster, for {@code PostgresCluster}'s
 * template: the same code a server runs at its start ({@link PostgresSchema#migrate}), and nothing else (no
 * server's heartbeat or other rows are left in what the tests' databases are copied from).
 */
public final class SchemaTemplate {
    private SchemaTemplate() {
    }

    public static void migrate(Connection c) throws SQLException {
        PostgresSchema.migrate(c);
    }
}
