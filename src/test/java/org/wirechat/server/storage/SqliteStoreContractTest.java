package org.wirechat.server.storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.wirechat.server.core.port.Storage;
import org.wirechat.server.core.rules.Decisions;
import org.wirechat.server.data.DataDirectory;
import org.wirechat.server.data.StoppedStore;
import org.wirechat.server.storage.log.LogRecord;

/** The store contract on the default store: SQLite and the message log. */
class SqliteStoreContractTest extends StoreContract {
    @TempDir
    static Path dir;

    private final AtomicInteger opened = new AtomicInteger();
    private final Map<Storage, Path> dirs = new IdentityHashMap<>();

    @Override
    Storage open() {
        return openIn(dir.resolve("store-" + opened.incrementAndGet()));
    }

    private Storage openIn(Path data) {
        SqliteStore s = DataDirectory.open(Decisions.RULES, data, e -> { });
        dirs.put(s, data);
        return s;
    }

    @Override
    Storage reopen(Storage store) {
        Path data = dirs.remove(store);
        store.close();
        return openIn(data);
    }

    /**
     * As a crash leaves the data directory (the scaffolding of {@link LogRecoveryTest}): the history index as if
     * its indexer had never run, so the start reads everything back from the log, and a record torn at the log's end.
     */
    @Override
    Storage crash(Storage store) throws SQLException, IOException {
        Path data = dirs.remove(store);
        store.close();
        try (Connection c = DriverManager.getConnection("jdbc:sqlite:" + data.resolve(SqliteStore.DATABASE_FILE))) {
            c.createStatement().execute("DELETE FROM messages");
            c.createStatement().execute("DELETE FROM log_checkpoint");
        }
        ByteBuffer torn = LogRecord.encode(new LogRecord.Message(Long.MAX_VALUE / 2, 1, 2, 5_000, "torn", "never acknowledged"),
                ByteBuffer.allocateDirect(256)).flip();
        torn.limit(torn.limit() - 7); // the write stopped short of the record's end
        try (Stream<Path> files = Files.list(data.resolve("log"));
                FileChannel ch = FileChannel.open(files.filter(p -> p.toString().endsWith(".seg")).sorted()
                        .reduce((a, b) -> b).orElseThrow(), StandardOpenOption.APPEND)) {
            ch.write(torn);
        }
        return openIn(data);
    }

    @Override
    void whileWriterHeld(Storage store, Runnable meanwhile) {
        ((SqliteStore) store).whileWriterHeld(meanwhile);
    }

    @Override
    void settle(Storage store) throws InterruptedException {
        ((SqliteStore) store).awaitIndexed();
    }

    /** A backup is restored (as {@code admin restore} does) into a data directory of its own, then opened. */
    @Override
    Storage openBackup(Path copy) {
        Path data = copy.resolveSibling(copy.getFileName() + "-restored");
        try {
            StoppedStore.restore(copy, data);
        } catch (IOException e) {
            throw new AssertionError("the backup does not restore: " + e.getMessage(), e);
        }
        return openIn(data);
    }

    @Override
    boolean sharedByServers() {
        return false;
    }
}
