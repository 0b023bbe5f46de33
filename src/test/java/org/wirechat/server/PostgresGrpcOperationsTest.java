package org.wirechat.server;

import java.nio.file.Path;
import java.util.function.UnaryOperator;

/** Every operation test again, over gRPC, on PostgreSQL. */
class PostgresGrpcOperationsTest extends OperationsTest {
    @org.junit.jupiter.api.Test
    void theseReallyRunOverGrpcOnPostgresql() {
        org.assertj.core.api.Assertions.assertThat(c.isGrpc()).isTrue();
        org.assertj.core.api.Assertions.assertThat(fx.server().storeDescription()).startsWith("PostgreSQL at 127.0.0.1:");
    }

    @Override
    ServerFixture fixture(Path dataDir, UnaryOperator<ServerConfig.Builder> tweak) {
        return new ServerFixture(Backend.POSTGRESQL, dataDir, b -> tweak.apply(b).grpcPort(0)).connectingOverGrpc();
    }
}
