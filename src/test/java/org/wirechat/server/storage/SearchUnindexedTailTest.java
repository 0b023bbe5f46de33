package org.wirechat.server.storage;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
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

    /**
     * The tail's rule splits and folds words exactly as the FTS5 index does: on text where the two could part — combining
     * accents, other scripts' marks, enclosing marks, ligatures, letters with strokes, superscripts, Greek, Vietnamese —
     * the index's words (its vocabulary) are the words {@link SearchQuery} makes of the same bodies.
     */
    @Test
    void theTailsWordsAreTheIndexsWords() throws Exception {
        Path data = dir.resolve("vocabulary");
        SqliteStore store = DataDirectory.open(Decisions.RULES, data, e -> { });
        List<String> bodies = List.of("e\u0301te\u0301 Crème", "\u0928\u092e\u0938\u094d\u0924\u0947 \u0926\u0941\u0928\u093f\u092f\u093e",
                "\ufb01ne straße Ωμέγα Ёлка", "x\u20ddy a²b \u216b", "ŁÓDŹ øre Việt", "mail@example.org 3.14 don't_stop");
        Set<String> expected = new TreeSet<>();
        try {
            long alice = store.create("alice", "Alice", "hash", 0).orElseThrow().id();
            for (int i = 0; i < bodies.size(); i++) {
                StoreContract.stored(store.send(alice, "alice", "v" + i, bodies.get(i), 10, 100));
                SearchQuery.parse(bodies.get(i)).terms().forEach(t -> expected.add(t.text()));
            }
            store.awaitIndexed();
            Set<String> indexed = new TreeSet<>();
            try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + data.resolve(SqliteStore.DATABASE_FILE));
                    Statement st = c.createStatement()) {
                st.execute("CREATE VIRTUAL TABLE temp.vocabulary USING fts5vocab(main, messages_fts, 'row')");
                try (ResultSet rs = st.executeQuery("SELECT term FROM temp.vocabulary")) {
                    while (rs.next()) {
                        indexed.add(rs.getString(1));
                    }
                }
            }
            assertThat(indexed).isEqualTo(expected);
        } finally {
            store.close();
        }
    }
}
