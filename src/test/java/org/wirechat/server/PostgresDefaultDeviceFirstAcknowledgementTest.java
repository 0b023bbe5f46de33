package org.wirechat.server;

import java.nio.file.Path;

/** The default device's first acknowledgement again, on PostgreSQL. */
class PostgresDefaultDeviceFirstAcknowledgementTest extends DefaultDeviceFirstAcknowledgementTest {
    @Override
    ServerFixture fixture(Path dataDir) {
        return new ServerFixture(Backend.POSTGRESQL, dataDir, b -> b);
    }
}
