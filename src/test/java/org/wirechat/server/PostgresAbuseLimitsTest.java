package org.wirechat.server;

/** Every limit test again on PostgreSQL, where the per-username login throttle is kept in the database. */
class PostgresAbuseLimitsTest extends AbuseLimitsTest {
    @Override
    Backend backend() {
        return Backend.POSTGRESQL;
    }
}
