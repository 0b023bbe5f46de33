package org.wirechat.server.storage;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.wirechat.server.core.port.SearchQuery;
import org.wirechat.server.core.port.SearchScope;
import org.wirechat.server.core.port.StoredMessage;
import org.wirechat.server.core.rules.Decisions;
import org.wirechat.server.data.DataDirectory;

/**
 * The log store finds a message its indexer has not written to SQLite yet (SEARCH_MESSAGES from the moment the SEND
 * is answered): held out of the database while SQLite's writer is held, the messages are found by the tail's
 * rule, then by the FTS5 index once the indexer gets through, the same answer both times.
 */
@Timeout(60)
class SearchUnindexedTailTest {
    @TempDir
    Path dir;

    @Test
    void messagesNotYetIndexedAreFoundAndTheSameOnceIndexed() throws Exception {
        Path data = dir.resolve("data");
        SqliteStore store = DataDirectory.open(Decisions.RULES, data, e -> { });
        try {
            long alice = store.create("alice", "Alice", "hash", 0).orElseThrow().id();
            long bob = store.create("bob", "Bob", "hash", 0).orElseThrow().id();
            SearchScope scope = new SearchScope(alice, List.of());
            List<StoredMessage> found;
            CompletableFuture<Void> release = new CompletableFuture<>();
            store.holdWriter(release).join(); // the indexer cannot write until released
            try {
                StoreContract.stored(store.send(alice, "bob", "t1", "Crème brûlée tonight?", 10, 100));
                StoreContract.stored(store.send(bob, "alice", "t2", "creme* is a prefix, brulee a word", 11, 100));
                StoreContract.stored(store.send(bob, "alice", "t3", "something else", 12, 100));
                found = store.search(SearchQuery.parse("CREME brûlée"), scope, 0, 10);
                try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + data.resolve(SqliteStore.DATABASE_FILE));
                        Statement st = c.createStatement(); ResultSet rs = st.executeQuery("SELECT count(*) FROM messages")) {
                    assertThat(rs.getInt(1)).as("nothing indexed yet").isZero();
                }
            } finally {
                release.complete(null);
            }
            assertThat(found).extracting(StoredMessage::body)
                    .containsExactly("creme* is a prefix, brulee a word", "Crème brûlée tonight?");
            store.awaitIndexed();
            assertThat(store.search(SearchQuery.parse("CREME brûlée"), scope, 0, 10)).as("from the index").isEqualTo(found);
            assertThat(store.search(SearchQuery.parse("tonig*"), scope, 0, 10)).extracting(StoredMessage::body)
                    .containsExactly("Crème brûlée tonight?");
        } finally {
            store.close();
        }
    }
}
