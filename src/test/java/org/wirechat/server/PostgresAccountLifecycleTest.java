package org.wirechat.server;

/** Every account-lifecycle test again (restarts, expiry, deletion, stored secrets), on PostgreSQL. */
class PostgresAccountLifecycleTest extends AccountLifecycleTest {
    @Override
    Backend backend() {
        return Backend.POSTGRESQL;
    }
}
