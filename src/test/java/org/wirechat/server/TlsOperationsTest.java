package org.wirechat.server;

import java.nio.file.Path;
import java.util.function.UnaryOperator;

/** Every operation test again, over TLS. */
class TlsOperationsTest extends OperationsTest {
    @Override
    ServerFixture fixture(Path dataDir, UnaryOperator<ServerConfig.Builder> tweak) {
        return new ServerFixture(dataDir, tweak, true);
    }
}
