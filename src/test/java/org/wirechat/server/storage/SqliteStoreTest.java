package org.wirechat.server.storage;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SqliteStoreTest {
    @TempDir
    Path dir;

    @Test
    void retentionPurgesOnlyDeliveredMessagesOlderThanTheCutoff() throws InterruptedException {
        try (SqliteStore store = SqliteStore.open(dir, e -> { })) {
            long alice = store.createAccount("alice", "Alice", "h", 0).orElseThrow().id();
            long bob = store.createAccount("bob", "Bob", "h", 0).orElseThrow().id();
            store.send(alice, "bob", "c1", "old, read", 1_000, 100);
            long second = ((SendOutcome.Stored) store.send(alice, "bob", "c2", "old, read too", 2_000, 100)).id();
            store.send(alice, "bob", "c3", "new, unread", 9_000, 100);
            store.send(bob, "alice", "c4", "old, never read", 1_500, 100);
            store.acknowledgeLater(bob, second); // bob has read the first two (acknowledgements are cumulative)

            store.awaitIndexed(); // the purge works on the history index: once the acknowledgement is in it
            assertThat(store.purgeDeliveredBefore(5_000)).isEqualTo(2);
            assertThat(store.history(bob, alice, 0, 10)).extracting(StoredMessage::body) // newest id first
                    .containsExactly("old, never read", "new, unread");
            assertThat(store.undelivered(bob, 0, 10)).extracting(StoredMessage::body).containsExactly("new, unread");
            assertThat(store.undelivered(alice, 0, 10)).extracting(StoredMessage::body).containsExactly("old, never read");
            assertThat(store.undeliveredCount(bob)).isEqualTo(1);
        }
    }
}
