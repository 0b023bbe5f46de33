package org.wirechat.server;

/** Every test of {@link AccountLifecycleTest} again, over gRPC, on PostgreSQL. */
class PostgresGrpcAccountLifecycleTest extends AccountLifecycleTest {
    @Override
    Backend backend() {
        return Backend.POSTGRESQL;
    }

    @Override
    boolean overGrpc() {
        return true;
    }
}
