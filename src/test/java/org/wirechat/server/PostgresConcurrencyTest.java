package org.wirechat.server;

import org.junit.jupiter.api.Test;

/** Every concurrency test again (racing creates, ordered senders, wake-ups), on PostgreSQL. */
class PostgresConcurrencyTest extends ConcurrencyTest {
    @Override
    Backend backend() {
        return Backend.POSTGRESQL;
    }

    /**
     * Once here, not three times as on SQLite: a run took 16 s on PostgreSQL (48 s of the suite for three), and
     * PostgresLongPollDeliveryTest streams 2,000 messages from four senders to a long-polling recipient there.
     */
    @Override
    @Test
    void aReceiverLongPollingWhileMessagesStreamInGetsEachOnceInOrder() throws Exception {
        super.aReceiverLongPollingWhileMessagesStreamInGetsEachOnceInOrder();
    }
}
