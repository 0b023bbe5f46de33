package org.wirechat.server;

import java.nio.file.Path;
import java.util.function.UnaryOperator;

/** The gRPC transport again, on PostgreSQL. */
class PostgresGrpcTransportTest extends GrpcTransportTest {
    @org.junit.jupiter.api.Test
    void theseReallyRunOnPostgresql() {
        org.assertj.core.api.Assertions.assertThat(fx.server().storeDescription()).startsWith("PostgreSQL at 127.0.0.1:");
    }

    @Override
    ServerFixture fixture(Path dataDir, UnaryOperator<ServerConfig.Builder> tweak) {
        return new ServerFixture(Backend.POSTGRESQL, dataDir, tweak);
    }
}
