package org.wirechat.server.storage;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.wirechat.server.PostgresCluster;

/**
 * Retention and copies of a device's own messages, on both stores: a message its recipient has received is
 * kept while a copy of it still waits for one of the sender's other devices, and purged once they have it.
 */
@Timeout(60)
class CopyRetentionTest {
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
}
