package org.wirechat.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.zip.CRC32C;
import org.rocksdb.Options;
import org.rocksdb.RocksDB;
import org.rocksdb.WriteBatch;
import org.rocksdb.WriteOptions;
import org.wirechat.server.core.rules.Decisions;
import org.wirechat.server.data.DataDirectory;
import org.wirechat.server.storage.SqliteStore;

/**
 * The storage candidates of docs/storage_design.md, measured for the one job that matters: storing
 * messages durably in group commits (every batch fsync'd before it counts). Each writes the same
 * messages (a 20-byte body, a 36-character client id, sender, recipient, time) in batches of
 * {@code --batch} and reports messages a second and the process CPU a message, after a warm-up run.
 * Run by {@code scripts/bench-storage}; not part of the test suite.
 */
public final class StorageCandidates {
    private static final int USERS = 100;

    private interface Candidate extends AutoCloseable {
        /** Stores messages [from, to) durably, in batches. */
        void store(int from, int to, int batch) throws Exception;

        @Override
        void close() throws Exception;
    }

    private record Msg(long id, long sender, long recipient, String clientId, String body, long at) {
    }

    private static Msg message(int i) {
        return new Msg(i + 1L, i % USERS, (i * 7L + 3) % USERS, new UUID(i, i * 31L).toString(), "message " + i + " hello!",
                1_764_230_400_000L + i);
    }

    public static void main(String[] args) throws Exception {
        int total = args.length > 0 ? Integer.parseInt(args[0]) : 200_000;
        int batch = args.length > 1 ? Integer.parseInt(args[1]) : 32;
        Path dir = Files.createTempDirectory(Path.of("target"), "storage-candidates");
        System.out.printf(Locale.ROOT, "%d messages a run, batches of %d, every batch fsync'd; in %s%n", total, batch, dir);
        System.out.printf(Locale.ROOT, "%-58s %10s %12s%n", "candidate", "msg/s", "CPU µs/msg");
        run("append-only log (FileChannel, CRC32C, force)", () -> new Log(dir.resolve("log")), total, batch);
        run("RocksDB WriteBatch, sync (message + inbox + dedupe keys)", () -> new Rocks(dir.resolve("rocks")), total, batch);
        run("SQLite, messages table + dedupe index only", () -> new LeanSqlite(dir.resolve("lean.db")), total, batch);
        run("SQLite, today's store (SqliteStore.send, 32 senders)", () -> new Today(dir.resolve("today")), total, batch);
    }

    private interface Opener {
        Candidate open() throws Exception;
    }

    private static void run(String name, Opener opener, int total, int batch) throws Exception {
        try (Candidate c = opener.open()) {
            int warm = Math.min(total / 5, 20_000);
            c.store(0, warm, batch);
            double cpu0 = cpuSeconds();
            long t0 = System.nanoTime();
            c.store(warm, warm + total, batch);
            double seconds = (System.nanoTime() - t0) / 1e9;
            double cpu = cpuSeconds() - cpu0;
            System.out.printf(Locale.ROOT, "%-58s %10.0f %12.1f%n", name, total / seconds, 1e6 * cpu / total);
        }
    }

    private static double cpuSeconds() {
        return ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime() / 1e9;
    }

    /** Records: length, CRC32C of what follows, then the message; one write and one force a batch. */
    private static final class Log implements Candidate {
        private final FileChannel ch;
        private final ByteBuffer buf = ByteBuffer.allocateDirect(1 << 20).order(ByteOrder.BIG_ENDIAN);
        private final CRC32C crc = new CRC32C();

        Log(Path file) throws IOException {
            ch = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
        }

        @Override
        public void store(int from, int to, int batch) throws IOException {
            for (int i = from; i < to; i += batch) {
                buf.clear();
                for (int k = i; k < Math.min(to, i + batch); k++) {
                    Msg m = message(k);
                    byte[] cid = m.clientId().getBytes(StandardCharsets.US_ASCII);
                    byte[] body = m.body().getBytes(StandardCharsets.UTF_8);
                    int start = buf.position();
                    buf.putInt(0).putInt(0);
                    buf.putLong(m.id()).putLong(m.sender()).putLong(m.recipient()).putLong(m.at());
                    buf.put((byte) cid.length).put(cid).putShort((short) body.length).put(body);
                    int end = buf.position();
                    crc.reset();
                    ByteBuffer payload = buf.duplicate().position(start + 8).limit(end);
                    crc.update(payload);
                    buf.putInt(start, end - start - 8).putInt(start + 4, (int) crc.getValue());
                }
                buf.flip();
                while (buf.hasRemaining()) {
                    ch.write(buf);
                }
                ch.force(false);
            }
        }

        @Override
        public void close() throws IOException {
            ch.close();
        }
    }

    /** One WriteBatch a group, written with sync: the message by id, an inbox key, a dedupe key. */
    private static final class Rocks implements Candidate {
        static {
            RocksDB.loadLibrary();
        }

        private final Options options;
        private final RocksDB db;
        private final WriteOptions sync = new WriteOptions().setSync(true);

        Rocks(Path dir) throws Exception {
            options = new Options().setCreateIfMissing(true);
            db = RocksDB.open(options, dir.toString());
        }

        @Override
        public void store(int from, int to, int batch) throws Exception {
            for (int i = from; i < to; i += batch) {
                try (WriteBatch wb = new WriteBatch()) {
                    for (int k = i; k < Math.min(to, i + batch); k++) {
                        Msg m = message(k);
                        byte[] value = (m.sender() + "\u001f" + m.recipient() + "\u001f" + m.at() + "\u001f" + m.clientId()
                                + "\u001f" + m.body()).getBytes(StandardCharsets.UTF_8);
                        wb.put(key('m', m.id(), 0), value);
                        wb.put(key('i', m.recipient(), m.id()), new byte[0]);
                        wb.put(("d" + m.sender() + ":" + m.clientId()).getBytes(StandardCharsets.UTF_8), key('m', m.id(), 0));
                    }
                    db.write(sync, wb);
                }
            }
        }

        private static byte[] key(char kind, long a, long b) {
            return ByteBuffer.allocate(17).put((byte) kind).putLong(a).putLong(b).array();
        }

        @Override
        public void close() {
            db.close();
            options.close();
            sync.close();
        }
    }

    /** SQLite (WAL, synchronous=FULL) with only what a log-backed design keeps per message in a table. */
    private static final class LeanSqlite implements Candidate {
        private final Connection c;
        private final PreparedStatement insert;

        LeanSqlite(Path file) throws Exception {
            c = DriverManager.getConnection("jdbc:sqlite:" + file);
            try (var st = c.createStatement()) {
                st.execute("PRAGMA journal_mode=WAL");
                st.execute("PRAGMA synchronous=FULL");
                st.execute("CREATE TABLE messages (id INTEGER PRIMARY KEY, sender_id INTEGER NOT NULL, recipient_id INTEGER NOT NULL,"
                        + " client_id TEXT NOT NULL, body TEXT NOT NULL, created_at INTEGER NOT NULL)");
                st.execute("CREATE UNIQUE INDEX messages_dedup ON messages(sender_id, client_id)");
            }
            c.setAutoCommit(false);
            insert = c.prepareStatement("INSERT INTO messages VALUES (?, ?, ?, ?, ?, ?)");
        }

        @Override
        public void store(int from, int to, int batch) throws Exception {
            for (int i = from; i < to; i += batch) {
                for (int k = i; k < Math.min(to, i + batch); k++) {
                    Msg m = message(k);
                    insert.setLong(1, m.id());
                    insert.setLong(2, m.sender());
                    insert.setLong(3, m.recipient());
                    insert.setString(4, m.clientId());
                    insert.setString(5, m.body());
                    insert.setLong(6, m.at());
                    insert.executeUpdate();
                }
                c.commit();
            }
        }

        @Override
        public void close() throws Exception {
            insert.close();
            c.close();
        }
    }

    /** The store as the server runs it: SEND through the writer's group commit, from as many threads as a batch. */
    private static final class Today implements Candidate {
        private final SqliteStore store;
        private final long[] ids = new long[USERS];
        private int batchThreads;

        Today(Path dir) throws Exception {
            store = DataDirectory.open(Decisions.RULES, dir, e -> { });
            for (int u = 0; u < USERS; u++) {
                ids[u] = store.create("u" + u, "User " + u, "x", 0).orElseThrow().id();
            }
        }

        @Override
        public void store(int from, int to, int batch) throws Exception {
            batchThreads = batch;
            try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
                List<Future<?>> work = new ArrayList<>();
                for (int t = 0; t < batchThreads; t++) {
                    int lane = t;
                    work.add(threads.submit(() -> {
                        for (int k = from + lane; k < to; k += batchThreads) {
                            Msg m = message(k);
                            store.send(ids[(int) m.sender()], "u" + m.recipient(), m.clientId(), m.body(), m.at(), Integer.MAX_VALUE);
                        }
                        return null;
                    }));
                }
                for (Future<?> f : work) {
                    f.get();
                }
            }
        }

        @Override
        public void close() {
            store.close();
        }
    }
}
