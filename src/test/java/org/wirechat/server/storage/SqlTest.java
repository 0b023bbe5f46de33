package org.wirechat.server.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The storage's one JDBC executor, on a real SQLite database: binding by type, reading rows, closing what it prepared. */
@Timeout(value = 30, unit = TimeUnit.SECONDS)
class SqlTest {
    @TempDir
    Path dir;

    private Connection open() throws SQLException {
        Connection c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("t.db"));
        try (var st = c.createStatement()) {
            st.execute("CREATE TABLE IF NOT EXISTS t (k INTEGER PRIMARY KEY, n INTEGER, s TEXT, b BLOB, f INTEGER)");
        }
        return c;
    }

    @Test
    void valuesBindEachTypeAndNullAndRowsReadBack() throws SQLException {
        try (Connection c = open()) {
            Sql sql = Sql.on(c);
            assertThat(sql.update("INSERT INTO t (k, n, s, b, f) VALUES (?, ?, ?, ?, ?)",
                    Sql.values(1L, 7, "seven", new byte[] {1, 2}, true))).isEqualTo(1);
            assertThat(sql.update("INSERT INTO t (k, n, s, b, f) VALUES (?, ?, ?, ?, ?)",
                    Sql.values(2L, 8, null, new byte[0], false))).isEqualTo(1);
            assertThat(sql.list("SELECT s FROM t ORDER BY k", Sql.NONE, rs -> String.valueOf(rs.getString(1))))
                    .containsExactly("seven", "null");
            assertThat(sql.first("SELECT b FROM t WHERE k = ?", Sql.values(1L), rs -> rs.getBytes(1)).orElseThrow())
                    .containsExactly(1, 2);
            assertThat(sql.first("SELECT f FROM t WHERE n = ?", Sql.values(8), rs -> rs.getBoolean(1))).contains(false);
            assertThat(sql.number("SELECT sum(n) FROM t", Sql.NONE)).isEqualTo(15);
            assertThat(sql.exists("SELECT 1 FROM t WHERE s = ?", Sql.values("seven"))).isTrue();
        }
    }

    @Test
    void noRowIsEmptyZeroAndFalse() throws SQLException {
        try (Connection c = open()) {
            Sql sql = Sql.on(c);
            assertThat(sql.first("SELECT k FROM t WHERE k = ?", Sql.values(99L), rs -> rs.getLong(1))).isEqualTo(Optional.empty());
            assertThat(sql.number("SELECT k FROM t WHERE k = ?", Sql.values(99L))).isZero();
            assertThat(sql.exists("SELECT k FROM t WHERE k = ?", Sql.values(99L))).isFalse();
            List<Long> seen = new ArrayList<>();
            sql.each("SELECT k FROM t", Sql.NONE, rs -> seen.add(rs.getLong(1)));
            assertThat(seen).isEmpty();
        }
    }

    @Test
    void aValueOfNoKnownTypeIsRefusedNotBoundAsSomethingElse() throws SQLException {
        try (Connection c = open()) {
            assertThatThrownBy(() -> Sql.on(c).update("INSERT INTO t (k) VALUES (?)", Sql.values(1.5)))
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("Double");
        }
    }

    @Test
    void aStatementPreparedForOneRunIsClosedAndACachedOneIsKept() throws SQLException {
        try (Statements cached = new Statements(open())) {
            List<PreparedStatement> prepared = new ArrayList<>();
            Sql.Params keep = ps -> prepared.add(ps);
            cached.sql().number("SELECT count(*) FROM t", keep);
            cached.sql().number("SELECT count(*) FROM t", keep);
            cached.sql().once().number("SELECT count(*) FROM t", keep);
            assertThat(prepared.get(0)).isSameAs(prepared.get(1)); // kept prepared for its next run
            assertThat(prepared.get(0).isClosed()).isFalse();
            assertThat(prepared.get(2)).isNotSameAs(prepared.get(0));
            assertThat(prepared.get(2).isClosed()).isTrue(); // prepared for one run, closed after it
        }
    }

    @Test
    void aFailingStatementThrowsItsOwnSqlException() throws SQLException {
        try (Connection c = open()) {
            Sql sql = Sql.on(c);
            sql.update("INSERT INTO t (k) VALUES (?)", Sql.values(1L));
            assertThatThrownBy(() -> sql.update("INSERT INTO t (k) VALUES (?)", Sql.values(1L)))
                    .isInstanceOf(SQLException.class).hasMessageContaining("UNIQUE");
        }
    }
}
