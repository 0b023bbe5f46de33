package org.wirechat.server.storage;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.wirechat.server.PostgresCluster;

/**
 * Retention of what more than one inbox waits for, on both stores: a group message is purged once every
 * member it reached has it, and not before; a message copied to its sender's other devices once they have it
 * too. A start rebuilds the members' inboxes from the index (SQLite).
 */
@Timeout(60)
class RetentionTest {
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

    @Test
    void copiesOnSqlite() throws Exception {
        try (SqliteStore store = SqliteStore.open(dir, e -> { })) {
            checkCopies(store, store::awaitIndexed);
        }
    }

    @Test
    void copiesOnPostgresql() throws Exception {
        try (PostgresStore store = PostgresStore.open(PostgresCluster.get().newStore(), e -> { })) {
            checkCopies(store, () -> { });
        }
    }

    private interface Indexed {
        void await() throws InterruptedException;
    }

    /** A message its recipient has received is kept while a copy of it waits for one of the sender's other devices. */
    private static void checkCopies(Store store, Indexed indexed) throws InterruptedException {
        long alice = store.createAccount("alice", "Alice", "h", 0).orElseThrow().id();
        long bob = store.createAccount("bob", "Bob", "h", 0).orElseThrow().id();
        store.register(alice, "phone", 1);
        store.register(alice, "laptop", 1);
        long old = ((SendOutcome.Stored) store.sendLater(alice, "phone", "bob", "p1", "old, copied", 1_000, 100).join()).id();
        store.acknowledgeLater(bob, "", old, 2_000);
        store.send(bob, "bob", "b1", "a barrier: bob's acknowledgement is committed before this is answered", 9_500, 100);
        indexed.await();
        assertThat(store.purgeDeliveredBefore(5_000)).as("bob has it, alice's laptop not yet").isZero();

        store.acknowledgeLater(alice, "laptop", old, 3_000);
        store.acknowledgeLater(alice, "phone", old, 3_000);
        store.send(bob, "bob", "b2", "a barrier", 9_500, 100);
        indexed.await();
        assertThat(store.purgeDeliveredBefore(5_000)).as("every device has it").isEqualTo(1);
        assertThat(store.history(alice, bob, 0, 10)).extracting(StoredMessage::body).isEmpty();
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

    @Test
    void aStartRebuildsEachMembersInboxFromTheIndexThroughItsIntervalsAndFloor() throws Exception {
        long bob;
        long carol;
        try (SqliteStore store = SqliteStore.open(dir, e -> { })) {
            long alice = store.createAccount("alice", "Alice", "h", 0).orElseThrow().id();
            bob = store.createAccount("bob", "Bob", "h", 0).orElseThrow().id();
            carol = store.createAccount("carol", "Carol", "h", 0).orElseThrow().id();
            store.changeGroup(new GroupChange.Create(alice, "#crew", 100), 0);
            store.changeGroup(new GroupChange.Add(alice, "#crew", "bob", 100, 100), 0);
            store.changeGroup(new GroupChange.Add(alice, "#crew", "carol", 100, 100), 0);
            long g1 = ((SendOutcome.GroupStored) store.send(alice, "#crew", "g1", "g1", 1, 100)).id();
            store.acknowledgeLater(bob, g1);
            store.send(alice, "#crew", "g2", "g2", 2, 100);
            store.send(alice, "bob", "d1", "d1", 3, 100);
            store.changeGroup(new GroupChange.Remove(alice, "#crew", "carol"), 4);
            store.send(alice, "#crew", "g3", "g3", 5, 100);
            store.awaitIndexed(); // all of it in the index: the start reads it from there, not from the log
        }
        try (SqliteStore store = SqliteStore.open(dir, e -> { })) {
            assertThat(store.undelivered(bob, 0, 10)).extracting(StoredMessage::body).containsExactly("g2", "d1", "g3");
            assertThat(store.undelivered(carol, 0, 10)).as("removed after g2").extracting(StoredMessage::body)
                    .containsExactly("g1", "g2");
            assertThat(store.undelivered(carol, 0, 10)).extracting(StoredMessage::recipient).containsOnly("#crew");
        }
    }
}
