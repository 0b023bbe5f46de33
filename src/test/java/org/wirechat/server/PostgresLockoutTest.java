package org.wirechat.server;

/** The victim's view again on PostgreSQL, where the per-username counts and the known addresses live in the database. */
class PostgresLockoutTest extends LockoutTest {
    @Override
    Backend backend() {
        return Backend.POSTGRESQL;
    }
}
