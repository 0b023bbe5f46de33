package org.wirechat.server.storage;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.Test;
import org.wirechat.server.PostgresCluster;
import org.wirechat.server.PostgresSettings;
import org.wirechat.server.core.port.StoreException;
import org.wirechat.server.core.rules.Decisions;

/** Several servers starting at once on an empty database: one migrates, the others wait and find it done. */
class PostgresSchemaTest {
    @Test
    void serversStartingAtOnceMigrateTheSchemaOnce() throws Exception {
        PostgresSettings settings = PostgresCluster.get().newStore();
        int servers = 4;
        CountDownLatch go = new CountDownLatch(1);
        List<CompletableFuture<PostgresStore>> opening = new ArrayList<>();
        try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < servers; i++) {
                opening.add(CompletableFuture.supplyAsync(() -> {
                    try {
                        go.await();
                    } catch (InterruptedException e) {
                        throw new IllegalStateException(e);
                    }
                    return PostgresStore.open(Decisions.RULES, settings.target(), e -> { });
                }, threads));
            }
            go.countDown();
            List<PostgresStore> stores = new ArrayList<>();
            for (CompletableFuture<PostgresStore> f : opening) {
                stores.add(f.get()); // none failed
            }
            assertThat(stores.get(0).create("alice", "Alice", "h", 0)).isPresent();
            assertThat(stores.get(3).find("ALICE")).isPresent();
            stores.forEach(PostgresStore::close);
        }
        try (Connection c = DriverManager.getConnection(settings.jdbcUrl());
                ResultSet rs = c.createStatement().executeQuery("SELECT version FROM wirechat_schema ORDER BY version")) {
            List<Integer> versions = new ArrayList<>();
            while (rs.next()) {
                versions.add(rs.getInt(1));
            }
            assertThat(versions).as("each migration applied once")
                    .isEqualTo(java.util.stream.IntStream.rangeClosed(1, PostgresSchema.MIGRATIONS.size()).boxed().toList());
        }
    }

    @Test
    void aDatabaseNewerThanThisServerIsRefused() throws Exception {
        PostgresSettings settings = PostgresCluster.get().newStore();
        PostgresStore.open(Decisions.RULES, settings.target(), e -> { }).close();
        try (Connection c = DriverManager.getConnection(settings.jdbcUrl())) {
            c.createStatement().execute("INSERT INTO wirechat_schema (version) VALUES (99)");
        }
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> PostgresStore.open(Decisions.RULES, settings.target(), e -> { }))
                .isInstanceOf(StoreException.class).hasMessageContaining("newer than this server");
    }
}
