package org.wirechat.server.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.wirechat.server.core.port.SendOutcome;
import org.wirechat.server.core.port.StoreException;
import org.wirechat.server.core.port.StoredMessage;
import org.wirechat.server.core.rules.Decisions;
import org.wirechat.server.data.DataDirectory;
import org.wirechat.server.storage.log.LogRecord;

/**
 * The store rebuilt from the message log alone, as after a crash before the history indexer ran:
 * inboxes, unread counts, retries and ids come back; a torn tail is cut and every acknowledged
 * message kept; damage stops the start.
 */
class LogRecoveryTest {
    @TempDir
    Path dir;

    private long alice;
    private long bob;

    /** Alice sends bob {@code n} messages (each acknowledged to her: Stored), bob has read the first two. */
    private void sendAndClose(int n) throws InterruptedException {
        try (SqliteStore store = DataDirectory.open(Decisions.RULES, dir, e -> { })) {
            alice = store.create("alice", "Alice", "h", 0).orElseThrow().id();
            bob = store.create("bob", "Bob", "h", 0).orElseThrow().id();
            for (int i = 1; i <= n; i++) {
                assertThat(store.send(alice, "bob", "c" + i, "message " + i, 1_000 + i, 100)).isInstanceOf(SendOutcome.Stored.class);
            }
            store.acknowledgeLater(bob, "", 2, System.currentTimeMillis());
            store.awaitIndexed();
        }
    }

    /** As if the indexer had never run: the log is all there is. */
    private void forgetTheIndex() throws SQLException {
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve(SqliteStore.DATABASE_FILE))) {
            c.createStatement().execute("DELETE FROM messages");
            c.createStatement().execute("DELETE FROM log_checkpoint");
        }
    }

    private Path segment() throws IOException {
        try (var files = Files.list(dir.resolve("log"))) {
            return files.filter(p -> p.toString().endsWith(".seg")).sorted().reduce((a, b) -> b).orElseThrow();
        }
    }

    @Test
    void inboxesRetriesAndIdsComeBackFromTheLogAlone() throws Exception {
        sendAndClose(5);
        forgetTheIndex();
        try (SqliteStore store = DataDirectory.open(Decisions.RULES, dir, e -> { })) {
            assertThat(store.undelivered(bob, 0, 10)).extracting(StoredMessage::body)
                    .containsExactly("message 3", "message 4", "message 5");
            assertThat(store.undeliveredCount(bob)).isEqualTo(3);
            assertThat(store.send(alice, "bob", "c1", "message 1", 9_000, 100)).as("a retry")
                    .isEqualTo(new SendOutcome.Duplicate(1, 1_001));
            assertThat(store.send(alice, "bob", "c1", "another", 9_000, 100)).isInstanceOf(SendOutcome.ClientIdReused.class);
            assertThat(store.send(alice, "bob", "c6", "message 6", 9_000, 100)).isEqualTo(new SendOutcome.Stored(6, 9_000, bob));
            assertThat(store.history(alice, bob, 0, 10)).extracting(StoredMessage::id).containsExactly(6L, 5L, 4L, 3L, 2L, 1L);
            store.awaitIndexed(); // and the index is whole again
            assertThat(store.history(alice, bob, 0, 10)).extracting(StoredMessage::id).containsExactly(6L, 5L, 4L, 3L, 2L, 1L);
        }
    }

    @Test
    void aRetryOfAMessageOnlyTheIndexHoldsIsRecognisedAfterARestart() throws Exception {
        sendAndClose(3); // closed cleanly: everything indexed, the log read past
        try (SqliteStore store = DataDirectory.open(Decisions.RULES, dir, e -> { })) {
            assertThat(store.send(alice, "bob", "c2", "message 2", 9_000, 100)).isEqualTo(new SendOutcome.Duplicate(2, 1_002));
            assertThat(store.send(alice, "bob", "c2", "not the same", 9_000, 100)).isInstanceOf(SendOutcome.ClientIdReused.class);
            assertThat(store.send(bob, "alice", "c2", "bob's own c2", 9_000, 100)).as("another sender's id")
                    .isEqualTo(new SendOutcome.Stored(4, 9_000, alice));
        }
    }

    @Test
    void aTornTailIsCutAndEveryAcknowledgedMessageKept() throws Exception {
        sendAndClose(3);
        forgetTheIndex();
        ByteBuffer next = LogRecord.encode(new LogRecord.Message(4, alice, bob, 5_000, "c4", "never acknowledged"),
                ByteBuffer.allocateDirect(256)).flip();
        next.limit(next.limit() - 7); // the write stopped short of the record's end
        try (var ch = java.nio.channels.FileChannel.open(segment(), StandardOpenOption.APPEND)) {
            ch.write(next);
        }
        try (SqliteStore store = DataDirectory.open(Decisions.RULES, dir, e -> { })) {
            assertThat(store.undelivered(bob, 0, 10)).extracting(StoredMessage::body).containsExactly("message 3");
            assertThat(store.history(bob, alice, 0, 10)).extracting(StoredMessage::body)
                    .containsExactly("message 3", "message 2", "message 1");
            assertThat(store.send(alice, "bob", "c4", "now stored", 9_000, 100)).isEqualTo(new SendOutcome.Stored(4, 9_000, bob));
        }
    }

    @Test
    void aSecondMessageWithTheSameClientIdInTheLogDoesNotStallTheIndex() throws Exception {
        sendAndClose(2);
        forgetTheIndex();
        ByteBuffer twin = LogRecord.encode(new LogRecord.Message(3, alice, bob, 5_000, "c1", "a twin of message 1"),
                ByteBuffer.allocateDirect(256)).flip(); // what the log writer's checks exist to prevent
        try (var ch = java.nio.channels.FileChannel.open(segment(), StandardOpenOption.APPEND)) {
            ch.write(twin);
        }
        try (SqliteStore store = DataDirectory.open(Decisions.RULES, dir, e -> { })) {
            store.awaitIndexed(); // returns: the indexer went past it
            assertThat(store.history(alice, bob, 0, 10)).extracting(StoredMessage::id).containsExactly(2L, 1L);
            assertThat(store.send(alice, "bob", "c4", "after it", 9_000, 100)).isEqualTo(new SendOutcome.Stored(4, 9_000, bob));
            store.awaitIndexed();
            assertThat(store.history(alice, bob, 0, 10)).extracting(StoredMessage::id).containsExactly(4L, 2L, 1L);
        }
    }

    @Test
    void damageInsideTheLogStopsTheStartAndSaysWhere() throws Exception {
        sendAndClose(3);
        forgetTheIndex();
        Path seg = segment();
        byte[] bytes = Files.readAllBytes(seg);
        bytes[20] ^= 0x10; // inside the first record, with valid ones after it
        Files.write(seg, bytes);
        assertThatThrownBy(() -> DataDirectory.open(Decisions.RULES, dir, e -> { }).close())
                .isInstanceOf(StoreException.class)
                .hasMessageContaining("the message log is damaged")
                .hasMessageContaining(seg.getFileName().toString())
                .hasMessageContaining("at offset 0");
    }
}
