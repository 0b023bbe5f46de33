package org.wirechat.server;

/** The long-poll delivery test on PostgreSQL (a throwaway cluster; see {@link PostgresCluster}). */
class PostgresLongPollDeliveryTest extends LongPollDeliveryTest {
    @Override
    Backend backend() {
        return Backend.POSTGRESQL;
    }
}
