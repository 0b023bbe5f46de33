package org.wirechat.server.storage;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.wirechat.server.Await;
import org.wirechat.server.PostgresCluster;
import org.wirechat.server.PostgresSettings;
import org.wirechat.server.core.port.SendOutcome;
import org.wirechat.server.core.port.StoredMessage;
import org.wirechat.server.core.rules.Decisions;

/**
 * Regression (issue 28, step 5's review): on PostgreSQL the floor is decided in Java from the mark rows the batch's
 * lock statement read. Under READ COMMITTED a statement that waited for a row lock sees the rows it waited for at
 * their newest version, but not rows inserted after its snapshot was taken — so a device's <em>first</em> mark row,
 * made by another server's batch that this batch waited for, was left out of the floor, and the floor passed a device
 * still holding messages: it never got them. The test is that other server's batch, by hand on a connection of its
 * own: it locks the phone's mark row and makes the default device's first mark, and commits only once this store's
 * acknowledgement waits for that lock (seen in {@code pg_stat_activity}, no sleep).
 */
@Timeout(60)
class PostgresFloorRaceTest {
    @Test
    void aFirstMarkMadeByABatchThisOneWaitedForIsNotPassedByTheFloor() throws Exception {
        PostgresSettings settings = PostgresCluster.get().newStore();
        try (PostgresStore a = PostgresStore.open(Decisions.RULES, settings.target(), e -> { });
                Connection other = DriverManager.getConnection(settings.jdbcUrl());
                Connection look = DriverManager.getConnection(settings.jdbcUrl())) {
            long alice = a.create("alice", "Alice", "h", 0).orElseThrow().id();
            long bob = a.create("bob", "Bob", "h", 0).orElseThrow().id();
            long now = System.currentTimeMillis();
            a.register(bob, "phone", now);
            long m1 = stored(a.sendLater(alice, "bob", "1", "one", now, 100).join());
            long m2 = stored(a.sendLater(alice, "bob", "2", "two", now, 100).join());
            long m3 = stored(a.sendLater(alice, "bob", "3", "three", now, 100).join());
            a.acknowledgeLater(bob, "phone", m1, now);
            Await.until("the phone's mark and the floor at the first message", () -> mark(look, bob, "phone") == m1 && floor(look, bob) == m1);

            // the other server's batch: the default device's first acknowledgement, through the second message
            other.setAutoCommit(false);
            try (Statement st = other.createStatement()) {
                st.execute("SELECT 1 FROM inbox_marks WHERE account_id = " + bob + " AND device = 'phone' FOR NO KEY UPDATE");
                st.execute("INSERT INTO inbox_marks (account_id, device, acked_through, acked, active_at) VALUES ("
                        + bob + ", '', " + m2 + ", 2, " + now + ")");
            }
            a.acknowledgeLater(bob, "phone", m3, now); // this store's batch: its lock statement waits for the phone's row
            Await.until("this store's batch waiting for the other's lock", () -> waitingForALock(look) > 0);
            other.commit();
            Await.until("the phone's mark at the third message", () -> mark(look, bob, "phone") == m3);

            assertThat(floor(look, bob)).as("the floor never passes the default device, which holds through the second").isLessThanOrEqualTo(m2);
            try (PostgresStore fresh = PostgresStore.open(Decisions.RULES, settings.target(), e -> { })) {
                assertThat(fresh.undelivered(bob, "", m2, 10)).as("the default device still gets the third")
                        .extracting(StoredMessage::id).containsExactly(m3);
            }
        }
    }

    private static long stored(SendOutcome outcome) {
        return ((SendOutcome.Stored) outcome).id();
    }

    private static long mark(Connection c, long account, String device) {
        return one(c, "SELECT acked_through FROM inbox_marks WHERE account_id = " + account + " AND device = '" + device + "'");
    }

    private static long floor(Connection c, long account) {
        return one(c, "SELECT through FROM inbox_floors WHERE account_id = " + account);
    }

    private static long waitingForALock(Connection c) {
        return one(c, "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'");
    }

    private static long one(Connection c, String sql) {
        try (PreparedStatement ps = c.prepareStatement(sql); ResultSet rs = ps.executeQuery()) {
            return rs.next() ? rs.getLong(1) : -1;
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
    }
}
