package org.wirechat.server.storage;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.wirechat.server.Await;
import org.wirechat.server.PostgresCluster;
import org.wirechat.server.PostgresSettings;
import org.wirechat.server.core.port.SendOutcome;
import org.wirechat.server.core.port.StoredMessage;
import org.wirechat.server.core.rules.Decisions;

/**
 * Regression (issue 28, step 5's review): an acknowledgement that moves no mark writes the device's activity only when
 * what was written is half a horizon old (the core's {@code Marks.acknowledge}, as the log store does), but PostgreSQL's
 * {@code acknowledgeLater} still noted that it had written it — so the device's next sightings within half a horizon
 * ({@code seen}, at LOGIN_DEVICE and FETCH) wrote nothing either, and a device seen two days ago counted as idle past
 * the horizon: the floor passed it and it missed messages for good. The clock is the store's {@code nowMillis}.
 */
@Timeout(60)
class PostgresDeviceActivityTest {
    private static final long DAY = Duration.ofDays(1).toMillis();

    @Test
    void aDeviceSeenAfterAnAcknowledgementThatMovedNothingStillHoldsItsMessages() {
        PostgresSettings settings = PostgresCluster.get().newStore();
        try (PostgresStore a = PostgresStore.open(Decisions.RULES, settings.target(), e -> { })) {
            a.deviceHorizon(Duration.ofDays(30));
            long alice = a.create("alice", "Alice", "h", 0).orElseThrow().id();
            long bob = a.create("bob", "Bob", "h", 0).orElseThrow().id();
            long t0 = 1_000 * DAY;
            a.register(bob, "phone", t0);
            a.register(bob, "tablet", t0);
            long m1 = stored(a.sendLater(alice, "bob", "1", "one", t0, 100).join());
            a.acknowledgeLater(bob, "phone", m1, t0);
            a.acknowledgeLater(bob, "tablet", m1, t0);
            Await.until("both marks at the first message", () -> a.unread(bob, "phone") == 0 && a.unread(bob, "tablet") == 0);

            a.acknowledgeLater(bob, "phone", m1, t0 + 14 * DAY); // moves nothing
            a.sendLater(bob, "alice", "x", "after the repeated acknowledgement, on the same writer", t0 + 14 * DAY, 100).join();
            a.seen(bob, "phone", t0 + 28 * DAY); // the phone is in use two days before the tablet's acknowledgement
            long m2 = stored(a.sendLater(alice, "bob", "2", "two", t0 + 29 * DAY, 100).join());
            a.acknowledgeLater(bob, "tablet", m2, t0 + 30 * DAY + DAY);
            Await.until("the tablet's mark at the second message", () -> a.unread(bob, "tablet") == 0);

            try (PostgresStore fresh = PostgresStore.open(Decisions.RULES, settings.target(), e -> { })) {
                fresh.deviceHorizon(Duration.ofDays(30));
                assertThat(fresh.undelivered(bob, "phone", m1, 10)).as("the phone, seen 3 days ago, still gets the second")
                        .extracting(StoredMessage::id).containsExactly(m2);
            }
        }
    }

    private static long stored(SendOutcome outcome) {
        return ((SendOutcome.Stored) outcome).id();
    }
}
