package org.wirechat.server.storage;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Runs statements on one connection: prepares the text, binds its parameters, executes it and reads its rows, so
 * that both stores write that loop once. A statement is either kept prepared in {@link Statements} for its next
 * run (SQLite's connections, the writers') or prepared for one run and closed after it (PostgreSQL's pooled
 * connections, a SQLite statement run rarely). Failures are the statement's own {@link SQLException}: what a
 * store makes of them stays the store's. Confined to the thread that holds the connection.
 */
final class Sql {
    /** Binds a statement's parameters. */
    @FunctionalInterface
    interface Params {
        void bind(PreparedStatement ps) throws SQLException;
    }

    /** Reads the current row into a value. */
    @FunctionalInterface
    interface Row<T> {
        T read(ResultSet rs) throws SQLException;
    }

    /** Takes the current row. */
    @FunctionalInterface
    interface EachRow {
        void accept(ResultSet rs) throws SQLException;
    }

    /** Work on one connection, its statements run through {@code sql}. */
    @FunctionalInterface
    interface Work<T> {
        T run(Sql sql) throws SQLException;
    }

    /** For a statement with no parameter. */
    static final Params NONE = ps -> { };

    private final Connection connection;
    /** Where statements stay prepared; null: each is prepared for its run and closed after it. */
    private final Statements cache;

    private Sql(Connection connection, Statements cache) {
        this.connection = connection;
        this.cache = cache;
    }

    /** Statements prepared for each run and closed after it. */
    static Sql on(Connection c) {
        return new Sql(c, null);
    }

    /** Statements kept prepared in {@code cache}, for the next run of the same text. */
    static Sql cached(Statements cache) {
        return new Sql(cache.connection(), cache);
    }

    Connection connection() {
        return connection;
    }

    /** The same connection, its statements prepared for one run (one run rarely, or a text made each time). */
    Sql once() {
        return cache == null ? this : on(connection);
    }

    /**
     * The parameters in order, each bound by its type: {@code Long}, {@code Integer}, {@code String} (a
     * {@code null} too, as {@code setString} binds it), {@code byte[]} or {@code Boolean}. A {@code null} is bound as
     * text, so a nullable number (a {@code bigint} column on PostgreSQL would refuse text) needs a {@link Params} of
     * its own ({@code setNull(i, Types.BIGINT)}).
     */
    static Params values(Object... values) {
        return ps -> {
            for (int i = 0; i < values.length; i++) {
                switch (values[i]) {
                    case null -> ps.setString(i + 1, null);
                    case Long l -> ps.setLong(i + 1, l);
                    case Integer n -> ps.setInt(i + 1, n);
                    case String s -> ps.setString(i + 1, s);
                    case byte[] b -> ps.setBytes(i + 1, b);
                    case Boolean b -> ps.setBoolean(i + 1, b);
                    default -> throw new IllegalArgumentException("no binding for a " + values[i].getClass().getName());
                }
            }
        };
    }

    @FunctionalInterface
    private interface Run<T> {
        T run(PreparedStatement ps) throws SQLException;
    }

    private <T> T run(String sql, Params params, Run<T> run) throws SQLException {
        if (cache != null) {
            PreparedStatement ps = cache.prepare(sql);
            params.bind(ps);
            return run.run(ps);
        }
        try (PreparedStatement ps = connection.prepareStatement(sql)) {
            params.bind(ps);
            return run.run(ps);
        }
    }

    /** Runs a writing statement; returns how many rows it changed. */
    int update(String sql, Params params) throws SQLException {
        return run(sql, params, PreparedStatement::executeUpdate);
    }

    /** Runs a query, handing each row to {@code each}. */
    void each(String sql, Params params, EachRow each) throws SQLException {
        run(sql, params, ps -> {
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    each.accept(rs);
                }
            }
            return null;
        });
    }

    /** Every row of a query, read by {@code row}. */
    <T> List<T> list(String sql, Params params, Row<T> row) throws SQLException {
        List<T> out = new ArrayList<>();
        each(sql, params, rs -> out.add(row.read(rs)));
        return out;
    }

    /** The first row of a query, read by {@code row}; empty when there is none (or it reads as null). */
    <T> Optional<T> first(String sql, Params params, Row<T> row) throws SQLException {
        return run(sql, params, ps -> {
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.ofNullable(row.read(rs)) : Optional.empty();
            }
        });
    }

    /** The first column of a query's first row as a number; 0 when there is no row. */
    long number(String sql, Params params) throws SQLException {
        return first(sql, params, rs -> rs.getLong(1)).orElse(0L);
    }

    /** Whether a query has a row. */
    boolean exists(String sql, Params params) throws SQLException {
        return first(sql, params, rs -> Boolean.TRUE).isPresent();
    }
}
