package org.wirechat.server.storage;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.wirechat.server.Await;
import org.wirechat.server.core.port.CommitStats;
import org.wirechat.server.core.port.Storage;
import org.wirechat.server.core.port.StoredMessage;
import org.wirechat.server.storage.StoreContract.Who;

/** What is not chat (the redesign's {@code Maintenance}): faults and readiness, counters, backup, check, description. */
abstract class MaintenanceContract extends ContractArea {

    @Test
    void aHealthyStoreHasNoFaultIsReadyAndSaysWhereItsDataAre() {
        Await.until(() -> "ready, not: " + store().notReady(), () -> store().notReady() == null); // PostgreSQL: once listening
        assertThat(store().storageFault()).isEmpty();
        assertThat(store().check()).isNotBlank();
        assertThat(store().describe()).isNotBlank();
        assertThat(store().shared()).isEqualTo(contract().sharedByServers());
    }

    @Test
    void theCountersFollowTheWrites() {
        Who alice = who("alice");
        Who bob = who("bob");
        CommitStats before = store().commitStats().orElseThrow();
        long waiting = store().undeliveredTotal().orElseThrow();
        long first = StoreContract.stored(store().send(alice.id(), bob.name(), "1", "one", 10, 100));
        StoreContract.stored(store().send(alice.id(), bob.name(), "2", "two", 10, 100));
        assertThat(store().undeliveredTotal()).hasValue(waiting + 2);
        Await.until(() -> "two more commits of at least a record each than " + before + ": " + store().commitStats(), () -> {
            CommitStats after = store().commitStats().orElseThrow(); // counted once the answer is on its way
            return after.commits() >= before.commits() + 2 && after.records() >= before.records() + 2;
        });
        store().acknowledgeLater(bob.id(), "", first, 20);
        barrier();
        assertThat(store().undeliveredTotal()).as("the barrier's own message waits too").hasValue(waiting + 2);
    }

    /** A backup opens as a store with what was stored before it; a store backed up by its own tools refuses and makes nothing. */
    @Test
    void aBackupHoldsWhatWasStoredBeforeItOrIsRefusedSayingHow(@TempDir Path dir) throws Exception {
        Who alice = who("alice");
        Who bob = who("bob");
        long id = StoreContract.stored(store().send(alice.id(), bob.name(), "1", "backed up", 10, 100));
        Path copy = dir.resolve("copy");
        String said = StoreContract.backupOrReason(store(), copy);
        Storage opened = contract().openBackup(copy);
        if (opened == null) {
            assertThat(said).startsWith("refused: ").contains("pg_dump");
            assertThat(Files.exists(copy)).isFalse();
            return;
        }
        try (Storage backup = opened) {
            assertThat(said).doesNotStartWith("refused: ");
            assertThat(backup.undelivered(bob.id(), 0, 10)).extracting(StoredMessage::id).contains(id);
            assertThat(backup.find(alice.name())).isPresent();
        }
    }
}
