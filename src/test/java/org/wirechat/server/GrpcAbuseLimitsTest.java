package org.wirechat.server;

/** Every test of {@link AbuseLimitsTest} again, over gRPC (tests of raw wire frames abort, saying so). */
class GrpcAbuseLimitsTest extends AbuseLimitsTest {
    @Override
    boolean overGrpc() {
        return true;
    }
}
