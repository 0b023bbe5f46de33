package org.wirechat.server;

import java.nio.file.Path;
import java.util.function.UnaryOperator;

/** Every operation test again, on PostgreSQL. */
class PostgresOperationsTest extends OperationsTest {
    @org.junit.jupiter.api.Test
    void theseReallyRunOnPostgresql() {
        org.assertj.core.api.Assertions.assertThat(fx.server().storeDescription()).startsWith("PostgreSQL at 127.0.0.1:");
    }

    @Override
    ServerFixture fixture(Path dataDir, UnaryOperator<ServerConfig.Builder> tweak) {
        return new ServerFixture(Backend.POSTGRESQL, dataDir, tweak);
    }
}
