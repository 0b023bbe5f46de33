package org.wirechat.server;

import java.nio.file.Path;
import java.util.function.UnaryOperator;

/** Every device test again, on PostgreSQL. */
class PostgresDevicesTest extends DevicesTest {
    @Override
    ServerFixture fixture(Path dataDir, UnaryOperator<ServerConfig.Builder> tweak) {
        return new ServerFixture(Backend.POSTGRESQL, dataDir, tweak);
    }
}
