package org.wirechat.server.storage;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.wirechat.server.core.port.SendOutcome;
import org.wirechat.server.core.port.StoredMessage;
import org.wirechat.server.core.rules.Decisions;
import org.wirechat.server.data.DataDirectory;

/**
 * Copies of a device's own messages for its account's other devices, in log mode: when the log has been
 * indexed and trimmed, a start rebuilds them from the history index (the log's tail is {@code
 * DevicesTest}'s restart), still never handed to the device that sent them nor counted, and once every
 * device has them they are gone for good; a device logging in within the SEND's batch gets its copy.
 */
@Timeout(60)
class CopiesIndexTest {
    @TempDir
    Path dir;

    @Test
    void aStartRebuildsTheCopiesFromTheIndexAboveTheSendersFloor() throws Exception {
        long alice;
        try (SqliteStore store = DataDirectory.open(Decisions.RULES, dir, e -> { })) {
            alice = store.create("alice", "Alice", "h", 0).orElseThrow().id();
            long bob = store.create("bob", "Bob", "h", 0).orElseThrow().id();
            store.register(alice, "phone", 1);
            store.register(alice, "laptop", 1);
            assertThat(store.sendLater(alice, "phone", "bob", "p1", "from the phone", 2, 100).join())
                    .isInstanceOf(SendOutcome.Stored.class).extracting(o -> ((SendOutcome.Stored) o).copied()).isEqualTo(true);
            store.send(bob, "alice", "b1", "to alice", 3, 100);
            store.sendLater(alice, "laptop", "bob", "l1", "from the laptop", 4, 100).join();
            store.sendLater(alice, "phone", "alice", "p2", "a note to self", 5, 100).join();
            assertThat(store.sendLater(alice, null, "bob", "x1", "from no device", 6, 100).join())
                    .extracting(o -> ((SendOutcome.Stored) o).copied()).as("no device: no copy").isEqualTo(false);
            store.awaitIndexed(); // all of it in the index: the start reads it from there, not from the log
        }
        try (SqliteStore store = DataDirectory.open(Decisions.RULES, dir, e -> { })) {
            assertThat(store.undelivered(alice, "laptop", 0, 10)).extracting(StoredMessage::body)
                    .containsExactly("from the phone", "to alice", "a note to self");
            assertThat(store.undelivered(alice, "phone", 0, 10)).extracting(StoredMessage::body)
                    .containsExactly("to alice", "from the laptop", "a note to self");
            assertThat(store.undeliveredCount(alice)).as("copies are not counted").isEqualTo(2);
            assertThat(store.unread(alice, "laptop")).isEqualTo(2);
            long last = store.undelivered(alice, "laptop", 0, 10).getLast().id();
            store.acknowledgeLater(alice, "laptop", last, 7);
            store.acknowledgeLater(alice, "phone", last, 7);
            store.awaitIndexed();
        }
        try (SqliteStore store = DataDirectory.open(Decisions.RULES, dir, e -> { })) {
            assertThat(store.undelivered(alice, "laptop", 0, 10)).isEmpty();
            assertThat(store.undelivered(alice, "phone", 0, 10)).isEmpty();
            assertThat(store.undeliveredCount(alice)).isZero();
        }
    }

    @Test
    void aDeviceLoggingInInTheSameBatchAsASendGetsItsCopy() throws Exception {
        try (SqliteStore store = DataDirectory.open(Decisions.RULES, dir, e -> { })) {
            long alice = store.create("alice", "Alice", "h", 0).orElseThrow().id();
            store.create("bob", "Bob", "h", 0).orElseThrow();
            AtomicReference<CompletableFuture<SendOutcome>> sent = new AtomicReference<>();
            List<CompletableFuture<Void>> logins = new ArrayList<>();
            store.whileWriterHeld(() -> { // one batch: the logins' marks are not committed when the SEND is decided
                logins.add(Registrations.queued(store, alice, "phone", 1)); // each login waits for the batch
                logins.add(Registrations.queued(store, alice, "laptop", 1));
                sent.set(store.sendLater(alice, "phone", "bob", "p1", "from the phone", 2, 100));
            });
            assertThat(((SendOutcome.Stored) sent.get().join()).copied()).isTrue();
            logins.forEach(CompletableFuture::join);
            assertThat(store.undelivered(alice, "laptop", 0, 10)).extracting(StoredMessage::body).containsExactly("from the phone");
            assertThat(store.undelivered(alice, "phone", 0, 10)).isEmpty();
        }
    }
}
