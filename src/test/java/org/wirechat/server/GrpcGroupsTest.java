package org.wirechat.server;

import java.nio.file.Path;
import java.util.function.UnaryOperator;

/** Every group test again, over gRPC. */
class GrpcGroupsTest extends GroupsTest {
    @Override
    ServerFixture fixture(Path dataDir, UnaryOperator<ServerConfig.Builder> tweak) {
        return new ServerFixture(Backend.SQLITE, dataDir, b -> tweak.apply(b).grpcPort(0)).connectingOverGrpc();
    }
}
