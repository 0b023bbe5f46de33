package org.wirechat.server;

/** Every concurrency test again (racing creates, ordered senders, wake-ups), on PostgreSQL. */
class PostgresConcurrencyTest extends ConcurrencyTest {
    @Override
    Backend backend() {
        return Backend.POSTGRESQL;
    }
}
