package org.wirechat.server;

import java.nio.file.Path;

/** The spec's clarifications again, on PostgreSQL. */
class PostgresSpecClarificationsTest extends SpecClarificationsTest {
    @Override
    ServerFixture fixture(Path dataDir) {
        return new ServerFixture(Backend.POSTGRESQL, dataDir, b -> b);
    }
}
