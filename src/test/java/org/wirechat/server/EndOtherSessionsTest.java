package org.wirechat.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.wirechat.server.core.auth.Tokens;
import org.wirechat.server.core.port.Storage;
import org.wirechat.server.core.port.StorageFault;
import org.wirechat.server.core.port.StorageUnavailableException;
import org.wirechat.server.core.port.TokenRow;
import org.wirechat.server.core.port.TokenStore;
import org.wirechat.server.core.rules.Decisions;
import org.wirechat.server.data.DataDirectory;

/**
 * A change of password ends the account's other sessions in the token cache as in the store — those only this
 * server holds too (issued while the store refused writes), so that none of them is stored later and lives on.
 */
@Timeout(30)
class EndOtherSessionsTest {
    @TempDir
    Path dir;
    Storage store;
    /** The real store's tokens, but refusing new ones while {@code full} (a full disk's answer). */
    volatile boolean full;
    Tokens tokens;

    @BeforeEach
    void open() {
        store = DataDirectory.open(Decisions.RULES, dir, e -> { });
        TokenStore refusing = new TokenStore() {
            @Override
            public List<byte[]> insert(byte[] hash, long accountId, String device, long createdAtMillis, long expiresAtMillis,
                    int maxPerAccount) {
                if (full) {
                    throw new StorageUnavailableException(StorageFault.DISK_FULL, null);
                }
                return store.insert(hash, accountId, device, createdAtMillis, expiresAtMillis, maxPerAccount);
            }

            @Override
            public Optional<TokenRow> find(byte[] hash) {
                return store.find(hash);
            }

            @Override
            public void extendLater(byte[] hash, long expiresAtMillis) {
                store.extendLater(hash, expiresAtMillis);
            }

            @Override
            public void delete(byte[] hash) {
                store.delete(hash);
            }

            @Override
            public int deleteOf(long accountId) {
                return store.deleteOf(accountId);
            }

            @Override
            public int deleteExpired(long nowMillis) {
                return store.deleteExpired(nowMillis);
            }
        };
        tokens = new Tokens(refusing, Clock.systemUTC(), Duration.ofHours(1), Duration.ofDays(30));
    }

    @AfterEach
    void close() {
        store.close();
    }

    @Test
    void everyOtherSessionEndsStoredOrNotAndTheCallersStays() {
        long alice = store.create("alice", "Alice", "old-hash", 0).orElseThrow().id();
        long bob = store.create("bob", "Bob", "hash", 0).orElseThrow().id();
        String caller = tokens.issue(alice, "laptop").token();
        String stored = tokens.issue(alice, "phone").token();
        String bobs = tokens.issue(bob).token();
        full = true;
        String unstored = tokens.issue(alice, "tablet").token();
        String callerTwin = tokens.issue(alice).token();
        full = false;
        assertThat(tokens.unstoredCount()).isEqualTo(2);

        OptionalInt ended = tokens.endOtherSessions(alice, caller, keep -> store.changePassword(alice, "new-hash", keep));

        assertThat(ended).as("one stored, two only in memory").hasValue(3);
        assertThat(tokens.authenticate(caller)).hasValue(alice);
        assertThat(tokens.authenticate(stored)).isEmpty();
        assertThat(tokens.authenticate(unstored)).isEmpty();
        assertThat(tokens.authenticate(callerTwin)).isEmpty();
        assertThat(tokens.authenticate(bobs)).hasValue(bob);
        assertThat(tokens.unstoredCount()).as("none left to be stored later").isZero();
        tokens.issue(bob); // stores what is unstored first: nothing of alice's comes back
        tokens.forgetAll();
        assertThat(tokens.authenticate(unstored)).isEmpty();
        assertThat(tokens.authenticate(caller)).hasValue(alice);
        assertThat(store.find(alice).orElseThrow().passwordHash()).isEqualTo("new-hash");
    }

    @Test
    void whenTheStoreRefusesNothingEnds() {
        long alice = store.create("alice", "Alice", "old-hash", 0).orElseThrow().id();
        String caller = tokens.issue(alice).token();
        String other = tokens.issue(alice, "phone").token();
        assertThatThrownBy(() -> tokens.endOtherSessions(alice, caller, keep -> {
            throw new StorageUnavailableException(StorageFault.DISK_FULL, null);
        })).isInstanceOf(StorageUnavailableException.class); // answered STORAGE_UNAVAILABLE: nothing changed
        assertThat(tokens.authenticate(other)).hasValue(alice);
        assertThat(store.find(alice).orElseThrow().passwordHash()).isEqualTo("old-hash");
    }
}
