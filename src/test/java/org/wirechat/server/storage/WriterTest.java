package org.wirechat.server.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class WriterTest {
    @TempDir
    Path dir;

    @Test
    void aFailingTaskFailsAloneAndTheRestOfItsBatchCommits() throws Exception {
        String url = "jdbc:sqlite:" + dir.resolve("w.db");
        try (Connection setup = DriverManager.getConnection(url)) {
            setup.createStatement().execute("CREATE TABLE t (k INTEGER PRIMARY KEY)");
        }
        Writer writer = new Writer(DriverManager.getConnection(url));
        try {
            // hold the writer busy so that the next tasks queue up and run as one batch
            CountDownLatch release = new CountDownLatch(1);
            CountDownLatch holding = new CountDownLatch(1);
            CompletableFuture<Object> blocker = writer.submit(db -> {
                holding.countDown();
                try {
                    release.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return null;
            });
            holding.await();
            List<CompletableFuture<Integer>> good = new ArrayList<>();
            for (int k = 1; k <= 5; k++) {
                int key = k;
                good.add(writer.submit(db -> insert(db, key)));
            }
            CompletableFuture<Integer> bad = writer.submit(db -> insert(db, 3)); // a duplicate key
            good.add(writer.submit(db -> insert(db, 6)));
            release.countDown();
            blocker.get();
            for (CompletableFuture<Integer> f : good) {
                assertThat(f.get()).isEqualTo(1);
            }
            assertThatThrownBy(bad::get).hasCauseInstanceOf(SQLException.class);
        } finally {
            writer.close();
        }
        try (Connection check = DriverManager.getConnection(url);
                ResultSet rs = check.createStatement().executeQuery("SELECT count(*) FROM t")) {
            rs.next();
            assertThat(rs.getInt(1)).isEqualTo(6);
        }
    }

    /** An Error leaves the writer in no known state: its batch and everything after fail, and the server is told. */
    @Test
    void anErrorInATaskStopsTheWriterAndIsReported() throws Exception {
        String url = "jdbc:sqlite:" + dir.resolve("w.db");
        try (Connection setup = DriverManager.getConnection(url)) {
            setup.createStatement().execute("CREATE TABLE t (k INTEGER PRIMARY KEY)");
        }
        CompletableFuture<Throwable> fatal = new CompletableFuture<>();
        Writer writer = new Writer(() -> DriverManager.getConnection(url), fatal::complete,
                new FaultLog(org.slf4j.LoggerFactory.getLogger(WriterTest.class)));
        try {
            assertThat(writer.submit(db -> insert(db, 1)).get()).isEqualTo(1);
            OutOfMemoryError oom = new OutOfMemoryError("simulated");
            CompletableFuture<Integer> dies = writer.submit(db -> {
                insert(db, 2);
                throw oom;
            });
            assertThatThrownBy(dies::get).hasCause(oom);
            assertThat(fatal.get()).isSameAs(oom);
            assertThatThrownBy(() -> writer.submit(db -> insert(db, 3)).get()).hasMessageContaining("store is closed");
        } finally {
            writer.close();
        }
        try (Connection check = DriverManager.getConnection(url);
                ResultSet rs = check.createStatement().executeQuery("SELECT k FROM t")) {
            assertThat(rs.next()).isTrue();
            assertThat(rs.getInt(1)).isEqualTo(1);
            assertThat(rs.next()).as("the batch that died was rolled back").isFalse();
        }
    }

    private static int insert(Statements db, int key) throws SQLException {
        var ps = db.prepare("INSERT INTO t (k) VALUES (?)");
        ps.setInt(1, key);
        return ps.executeUpdate();
    }
}
