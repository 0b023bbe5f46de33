package org.wirechat.server;

import java.nio.file.Path;
import java.util.function.UnaryOperator;

/** Every device test again, over gRPC (LOGIN_DEVICE is Login with a device_id). */
class GrpcDevicesTest extends DevicesTest {
    @Override
    ServerFixture fixture(Path dataDir, UnaryOperator<ServerConfig.Builder> tweak) {
        return new ServerFixture(Backend.SQLITE, dataDir, b -> tweak.apply(b).grpcPort(0)).connectingOverGrpc();
    }

    /** The ordering is the store's (DevicesTest runs 200 rounds on it); here, that gRPC's calls keep it. */
    @Override
    int raceRounds() {
        return 50;
    }
}
