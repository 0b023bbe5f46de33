package org.wirechat.server.storage;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.HashMap;
import java.util.Map;

/** One connection and its prepared statements, cached by SQL text. Confined to one thread at a time. */
final class Statements implements AutoCloseable {
    private final Connection connection;
    private final Map<String, PreparedStatement> cache = new HashMap<>();
    private final Sql sql;

    Statements(Connection connection) {
        this.connection = connection;
        this.sql = Sql.cached(this);
    }

    Connection connection() {
        return connection;
    }

    /** Runs statements kept prepared here. */
    Sql sql() {
        return sql;
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
