package org.wirechat.server.storage;

import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;

class SqliteSendBatchTest extends SendBatchTest {
    @TempDir
    Path dir;

    @Override
    Store open() {
        return SqliteStore.open(dir, e -> { });
    }

    @Override
    void whileWriterHeld(Store store, Runnable meanwhile) {
        ((SqliteStore) store).whileWriterHeld(meanwhile);
    }
}
