package org.wirechat.server;

import java.nio.file.Path;
import java.util.function.UnaryOperator;

/** The same on PostgreSQL: ready means the database answers and the notification connection is up. */
class PostgresMetricsTest extends MetricsTest {
    @Override
    ServerFixture fixture(Path dataDir, UnaryOperator<ServerConfig.Builder> tweak) {
        return new ServerFixture(Backend.POSTGRESQL, dataDir, tweak);
    }
}
