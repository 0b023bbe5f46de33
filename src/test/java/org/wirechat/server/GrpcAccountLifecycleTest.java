package org.wirechat.server;

/** Every test of {@link AccountLifecycleTest} again, over gRPC (tests of raw wire frames abort, saying so). */
class GrpcAccountLifecycleTest extends AccountLifecycleTest {
    @Override
    boolean overGrpc() {
        return true;
    }
}
