package org.wirechat.server;

import java.nio.file.Path;
import java.util.function.UnaryOperator;

/** Every group test again, on PostgreSQL. */
class PostgresGroupsTest extends GroupsTest {
    @Override
    ServerFixture fixture(Path dataDir, UnaryOperator<ServerConfig.Builder> tweak) {
        return new ServerFixture(Backend.POSTGRESQL, dataDir, tweak);
    }
}
