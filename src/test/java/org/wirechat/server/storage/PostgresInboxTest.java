package org.wirechat.server.storage;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.wirechat.server.PostgresCluster;
import org.wirechat.server.PostgresSettings;
import org.wirechat.server.core.port.Deletion;
import org.wirechat.server.core.port.SendOutcome;
import org.wirechat.server.core.port.StoredMessage;
import org.wirechat.server.core.rules.Decisions;
import org.wirechat.server.core.rules.GroupRules;

/**
 * PostgreSQL's inboxes: served from memory on the server holding the poll, never missing what another
 * server stored; acknowledgements as a mark; the migration from per-message "delivered" flags.
 */
@Timeout(60)
class PostgresInboxTest {
    @Test
    void aMessageAnotherServerStoredInBetweenIsNeverSkipped() {
        PostgresSettings settings = PostgresCluster.get().newStore();
        try (PostgresStore a = PostgresStore.open(Decisions.RULES, settings.target(), e -> { }); PostgresStore b = PostgresStore.open(Decisions.RULES, settings.target(), e -> { })) {
            long alice = a.create("alice", "Alice", "h", 0).orElseThrow().id();
            long carol = a.create("carol", "Carol", "h", 0).orElseThrow().id();
            long bob = a.create("bob", "Bob", "h", 0).orElseThrow().id();
            assertThat(a.undelivered(bob, 0, 10)).as("read whole, and held").isEmpty();
            // no notifications here (neither store listens): server a learns of b's message only from its own next one
            b.sendLater(carol, "bob", "c1", "through b", 1, 100).join();
            a.sendLater(alice, "bob", "a1", "through a", 2, 100).join();
            assertThat(a.undelivered(bob, 0, 10)).extracting(StoredMessage::body).containsExactly("through b", "through a");
            a.sendLater(alice, "bob", "a2", "again through a", 3, 100).join();
            assertThat(a.undelivered(bob, 0, 10)).extracting(StoredMessage::sender, StoredMessage::recipient, StoredMessage::body)
                    .containsExactly(org.assertj.core.groups.Tuple.tuple("carol", "bob", "through b"),
                            org.assertj.core.groups.Tuple.tuple("alice", "bob", "through a"),
                            org.assertj.core.groups.Tuple.tuple("alice", "bob", "again through a"));
            assertThat(a.undelivered(bob, 0, 10)).isEqualTo(b.undelivered(bob, 0, 10));
        }
    }

    /**
     * Regression (CI at 44386bf, the two-server model suite): a message stored through one server, whose
     * notification has not reached the other yet, was missing from the default device's first FETCH through
     * the other, served from that server's memory; the floor could then pass it while the default device held
     * no mark. Here no store listens, so server b never learns of a's message but from the database.
     */
    @Test
    void aDeviceWithNoMarkKnownReadsTheDatabaseNotAnotherServersStaleMemory() {
        PostgresSettings settings = PostgresCluster.get().newStore();
        try (PostgresStore a = PostgresStore.open(Decisions.RULES, settings.target(), e -> { }); PostgresStore b = PostgresStore.open(Decisions.RULES, settings.target(), e -> { })) {
            long alice = a.create("alice", "Alice", "h", 0).orElseThrow().id();
            long bob = a.create("bob", "Bob", "h", 0).orElseThrow().id();
            a.sendLater(alice, "bob", "1", "one", 1, 100).join();
            assertThat(b.undelivered(bob, "phone", 0, 10)).as("read whole, and held by b").extracting(StoredMessage::body)
                    .containsExactly("one");
            a.sendLater(alice, "bob", "2", "two", 2, 100).join(); // committed; b is not told
            assertThat(b.undelivered(bob, "", 0, 10)).as("the default device's first FETCH through b")
                    .extracting(StoredMessage::body).containsExactly("one", "two");
            assertThat(b.undelivered(bob, "tablet", 0, 10)).as("a device new to b").extracting(StoredMessage::body)
                    .containsExactly("one", "two");
        }
    }

    @Test
    void anAcknowledgementMovesTheMarkAndTheCountOnEveryServer() throws Exception {
        PostgresSettings settings = PostgresCluster.get().newStore();
        try (PostgresStore a = PostgresStore.open(Decisions.RULES, settings.target(), e -> { }); PostgresStore b = PostgresStore.open(Decisions.RULES, settings.target(), e -> { })) {
            long alice = a.create("alice", "Alice", "h", 0).orElseThrow().id();
            long bob = a.create("bob", "Bob", "h", 0).orElseThrow().id();
            long first = ((SendOutcome.Stored) a.sendLater(alice, "bob", "1", "one", 1, 100).join()).id();
            a.sendLater(alice, "bob", "2", "two", 2, 100).join();
            a.acknowledgeLater(bob, "", first, System.currentTimeMillis());
            assertThat(a.unread(bob, "")).as("what the device acknowledged no longer counts for it, at once").isEqualTo(1);
            org.wirechat.server.Await.until("the mark recorded", () -> b.undeliveredCount(bob) == 1);
            assertThat(b.undelivered(bob, 0, 10)).extracting(StoredMessage::body).containsExactly("two");
            assertThat(a.deleteIfNothingWaits(bob, 5, GroupRules::leaveAll)).isInstanceOf(Deletion.Waiting.class);
        }
    }

    /** A database of schema version 3 (a "delivered" flag on every message) keeps exactly its undelivered messages. */
    @Test
    void theMigrationToAMarkKeepsEveryUndeliveredMessage() throws Exception {
        PostgresSettings settings = PostgresCluster.get().newStore();
        try (Connection c = DriverManager.getConnection(settings.jdbcUrl()); Statement st = c.createStatement()) {
            st.execute("CREATE TABLE wirechat_schema (version INTEGER NOT NULL, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())");
            for (int v = 0; v < 3; v++) {
                for (String sql : PostgresSchema.MIGRATIONS.get(v).split(";")) {
                    if (!sql.isBlank()) {
                        st.execute(sql);
                    }
                }
                st.execute("INSERT INTO wirechat_schema (version) VALUES (" + (v + 1) + ")");
            }
            st.execute("INSERT INTO accounts (username, username_key, full_name, password_hash, created_at)"
                    + " VALUES ('alice', 'alice', 'A', 'h', 0), ('bob', 'bob', 'B', 'h', 0), ('carol', 'carol', 'C', 'h', 0)");
            // to bob: 1 and 2 delivered, 3 and 4 not; to carol: all delivered; alice: nothing
            st.execute("INSERT INTO messages (sender_id, recipient_id, pair_lo, pair_hi, client_id, body, created_at, delivered)"
                    + " SELECT 1, r, 1, r, 'c' || i, 'm' || i, i, d FROM (VALUES (2, 1, true), (2, 2, true), (3, 3, true),"
                    + " (2, 4, false), (2, 5, false)) AS v(r, i, d) ORDER BY i");
            st.execute("UPDATE accounts SET unread = 2 WHERE id = 2");
        }
        try (PostgresStore store = PostgresStore.open(Decisions.RULES, settings.target(), e -> { })) {
            long bob = store.find("bob").orElseThrow().id();
            long carol = store.find("carol").orElseThrow().id();
            long alice = store.find("alice").orElseThrow().id();
            assertThat(store.undelivered(bob, 0, 10)).extracting(StoredMessage::body).containsExactly("m4", "m5");
            assertThat(store.undeliveredCount(bob)).isEqualTo(2);
            assertThat(store.undelivered(carol, 0, 10)).isEmpty();
            assertThat(store.undeliveredCount(carol)).isZero();
            assertThat(store.history(alice, bob, 0, 10)).hasSize(4);
            SendOutcome.Stored next = (SendOutcome.Stored) store.sendLater(alice, "carol", "n", "new", 9, 100).join();
            assertThat(next.id()).as("ids go on from the old ones").isGreaterThan(5);
            assertThat(store.undelivered(carol, 0, 10)).extracting(StoredMessage::body).containsExactly("new");
        }
    }
}
