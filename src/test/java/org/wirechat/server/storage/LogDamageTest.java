package org.wirechat.server.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.wirechat.server.core.port.SendOutcome;
import org.wirechat.server.core.port.StoreException;
import org.wirechat.server.core.port.StoredMessage;
import org.wirechat.server.core.rules.Decisions;
import org.wirechat.server.data.DataDirectory;
import org.wirechat.server.data.StoppedStore;
import org.wirechat.server.storage.log.LogState;

/**
 * Damage to the message log is never silent and its ids are never given out again: a segment in the
 * middle cut to 0 bytes, the last segment deleted, the last segment cut inside a record — each stops the
 * start with how many messages and which ids are lost, changes nothing, and after the operator accepts
 * the loss the server starts above every id ever handed out.
 */
@Timeout(60)
class LogDamageTest {
    private static final int MESSAGES = 40;
    private static final long SEGMENT_BYTES = 400;

    @TempDir
    Path dir;

    private long alice;
    private long bob;

    /**
     * Alice sends bob {@value #MESSAGES} messages, each acknowledged to her, in small segments the index has
     * not read yet (as when the indexer lags behind): the log is all that holds them.
     */
    private void sendAndClose() throws Exception {
        try (SqliteStore store = DataDirectory.open(Decisions.RULES, dir, SEGMENT_BYTES, e -> { }, StorageIo.REAL)) {
            store.holdLogSegments(); // held past the close too: the indexer deletes nothing
            alice = store.create("alice", "Alice", "h", 0).orElseThrow().id();
            bob = store.create("bob", "Bob", "h", 0).orElseThrow().id();
            for (int i = 1; i <= MESSAGES; i++) {
                assertThat(store.send(alice, "bob", "c" + i, "message " + i, 1_000 + i, 1_000)).isInstanceOf(SendOutcome.Stored.class);
            }
            store.awaitIndexed();
        }
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve(SqliteStore.DATABASE_FILE))) {
            c.createStatement().execute("DELETE FROM messages");
            c.createStatement().execute("DELETE FROM log_checkpoint");
            c.createStatement().execute("UPDATE sqlite_sequence SET seq = 0 WHERE name = 'messages'");
        }
        assertThat(segments()).as("several segments").hasSizeGreaterThan(3);
    }

    private List<Path> segments() throws IOException {
        try (var files = Files.list(dir.resolve("log"))) {
            return files.filter(p -> p.toString().endsWith(".seg")).sorted().toList();
        }
    }


    private String refusal() {
        Throwable t = org.assertj.core.api.Assertions.catchThrowable(() -> DataDirectory.open(Decisions.RULES, dir, SEGMENT_BYTES, e -> { }, StorageIo.REAL).close());
        assertThat(t).as("the start is refused").isInstanceOf(StoreException.class);
        return t.getMessage();
    }

    private String accept() {
        try (StoppedStore stopped = StoppedStore.open(dir)) {
            return stopped.acceptLogDamage();
        }
    }

    /** After the loss is accepted: the server starts, and a new message gets an id above every one handed out. */
    private void startsAndNeverReusesAnId(long expectedNext) throws Exception {
        try (SqliteStore store = DataDirectory.open(Decisions.RULES, dir, SEGMENT_BYTES, e -> { }, StorageIo.REAL)) {
            SendOutcome next = store.send(alice, "bob", "after", "after the loss", 9_000, 1_000);
            assertThat(next).isInstanceOf(SendOutcome.Stored.class);
            assertThat(((SendOutcome.Stored) next).id()).isEqualTo(expectedNext);
        }
        try (SqliteStore store = DataDirectory.open(Decisions.RULES, dir, SEGMENT_BYTES, e -> { }, StorageIo.REAL)) {
            assertThat(store.history(bob, alice, 0, 100)).as("the accepted loss does not stop later starts")
                    .extracting(StoredMessage::id).contains(expectedNext);
        }
    }

    @Test
    void aMiddleSegmentCutToZeroBytesIsReportedWithItsIdsNotSilentlyLost() throws Exception {
        sendAndClose();
        Path middle = segments().get(1);
        FileChannel.open(middle, StandardOpenOption.WRITE).truncate(0).close();
        byte[] before = Files.readAllBytes(segments().get(2));

        String why = refusal();
        assertThat(why).contains("has lost").containsPattern("\\d+ messages: ids \\d+–\\d+")
                .contains("admin accept-log-damage").contains("restore");
        assertThat(Files.readAllBytes(segments().get(2))).as("nothing changed").isEqualTo(before);
        assertThat(segments()).hasSize(segments().size());

        String accepted = accept();
        assertThat(accepted).startsWith("accepted:").containsPattern("ids \\d+–\\d+");
        startsAndNeverReusesAnId(MESSAGES + 1);
        try (SqliteStore store = DataDirectory.open(Decisions.RULES, dir, SEGMENT_BYTES, e -> { }, StorageIo.REAL)) {
            assertThat(store.history(bob, alice, 0, 100)).as("the other segments' messages are there")
                    .extracting(StoredMessage::body).contains("message 1", "message " + MESSAGES);
        }
    }

    @Test
    void theLastSegmentDeletedIsReportedAndItsIdsAreNeverGivenOutAgain() throws Exception {
        sendAndClose();
        Files.delete(segments().get(segments().size() - 1));

        String why = refusal();
        assertThat(why).contains("is missing").containsPattern("ids \\d+–" + MESSAGES + "\\b");
        accept();
        startsAndNeverReusesAnId(MESSAGES + 1);
    }

    @Test
    void theLastSegmentCutInsideARecordAfterACleanStopIsReportedNotTakenForATornWrite() throws Exception {
        sendAndClose();
        Path last = segments().get(segments().size() - 1);
        long size = Files.size(last);
        FileChannel.open(last, StandardOpenOption.WRITE).truncate(size - 5).close();

        String why = refusal();
        assertThat(why).contains("cut short").contains("1 message: id " + MESSAGES);
        assertThat(Files.size(last)).as("nothing cut").isEqualTo(size - 5);
        accept();
        startsAndNeverReusesAnId(MESSAGES + 1);
    }

    @Test
    void theLastSegmentLostAfterACrashKeepsEveryIdThatMayHaveBeenHandedOut() throws Exception {
        sendAndClose();
        Path state = dir.resolve("log").resolve(LogState.FILE);
        List<String> lines = Files.readAllLines(state, StandardCharsets.UTF_8);
        Files.write(state, lines.stream().filter(l -> !l.startsWith("clean ")).toList(), StandardCharsets.UTF_8); // as a crash leaves it
        Files.delete(segments().get(segments().size() - 1));

        String why = refusal();
        assertThat(why).contains("at most");
        accept();
        long reserved = Long.parseLong(Files.readAllLines(state).stream().filter(l -> l.startsWith("reserved-through "))
                .findFirst().orElseThrow().substring("reserved-through ".length()));
        assertThat(reserved).isGreaterThanOrEqualTo(MESSAGES);
        startsAndNeverReusesAnId(reserved + 1);
    }
}
