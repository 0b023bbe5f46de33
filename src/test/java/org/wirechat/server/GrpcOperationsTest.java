package org.wirechat.server;

import java.nio.file.Path;
import java.util.function.UnaryOperator;

/** Every operation test again, over gRPC (tests of raw wire frames abort, saying so). */
class GrpcOperationsTest extends OperationsTest {
    @org.junit.jupiter.api.Test
    void theseReallyRunOverGrpc() {
        org.assertj.core.api.Assertions.assertThat(c.isGrpc()).isTrue();
    }

    @Override
    ServerFixture fixture(Path dataDir, UnaryOperator<ServerConfig.Builder> tweak) {
        return new ServerFixture(Backend.SQLITE, dataDir, b -> tweak.apply(b).grpcPort(0)).connectingOverGrpc();
    }
}
