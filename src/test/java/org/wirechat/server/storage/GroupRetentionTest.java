package org.wirechat.server.storage;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.wirechat.server.PostgresCluster;

/** Retention purges a group message once every member it reached has it, and not before, on both stores. */
@Timeout(60)
class GroupRetentionTest {
    @TempDir
    Path dir;

    @Test
    void onSqlite() throws Exception {
        try (SqliteStore store = SqliteStore.open(dir, e -> { })) {
            check(store, store::awaitIndexed);
        }
    }

    @Test
    void onPostgresql() throws Exception {
        try (PostgresStore store = PostgresStore.open(PostgresCluster.get().newStore(), e -> { })) {
            check(store, () -> { });
        }
    }

    private interface Indexed {
        void await() throws InterruptedException;
    }

    private static void check(Store store, Indexed indexed) throws InterruptedException {
        long alice = store.createAccount("alice", "Alice", "h", 0).orElseThrow().id();
        long bob = store.createAccount("bob", "Bob", "h", 0).orElseThrow().id();
        long carol = store.createAccount("carol", "Carol", "h", 0).orElseThrow().id();
        GroupOutcome.Done made = (GroupOutcome.Done) store.changeGroup(new GroupChange.Create(alice, "#crew", 100), 0);
        store.changeGroup(new GroupChange.Add(alice, "#crew", "bob", 100, 100), 0);
        store.changeGroup(new GroupChange.Add(alice, "#crew", "carol", 100, 100), 0);
        long old = ((SendOutcome.GroupStored) store.send(alice, "#crew", "g1", "old group message", 1_000, 100)).id();
        store.send(alice, "#crew", "g2", "new group message", 9_000, 100);
        store.acknowledgeLater(bob, old);
        store.send(bob, "alice", "b1", "a barrier: bob's acknowledgement is committed before this is answered", 9_500, 100);
        indexed.await();
        assertThat(store.purgeDeliveredBefore(5_000)).as("carol has not received it").isZero();

        store.acknowledgeLater(carol, old);
        store.send(carol, "alice", "c1", "a barrier", 9_500, 100);
        indexed.await();
        assertThat(store.purgeDeliveredBefore(5_000)).as("every member it reached has it").isEqualTo(1);
        assertThat(store.groupHistory(made.group().id(), 0, 10)).extracting(StoredMessage::body).containsExactly("new group message");
    }
}
