package org.wirechat.server;

/** Every test of {@link AbuseLimitsTest} again, over gRPC, on PostgreSQL. */
class PostgresGrpcAbuseLimitsTest extends AbuseLimitsTest {
    @Override
    Backend backend() {
        return Backend.POSTGRESQL;
    }

    @Override
    boolean overGrpc() {
        return true;
    }
}
