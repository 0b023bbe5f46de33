package org.wirechat.bench;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.UUID;
import org.wirechat.server.core.rules.Decisions;
import org.wirechat.server.data.DataDirectory;
import org.wirechat.server.storage.SqliteStore;
import org.wirechat.server.storage.log.LogPosition;
import org.wirechat.server.storage.log.LogRecord;
import org.wirechat.server.storage.log.MessageLog;

/**
 * Makes a data directory as a crash would leave it at its worst for a restart: 100 accounts and
 * {@code MESSAGES} messages in the message log, none of them yet in the history index, all but
 * {@code UNDELIVERED} acknowledged. {@code scripts/bench-restart} then times a server's start on it.
 * Not part of the test suite.
 *
 * <p>Usage: {@code LogRestart DATA_DIR [MESSAGES [UNDELIVERED]]}
 */
public final class LogRestart {
    private static final int USERS = 100;
    private static final int BATCH = 1_000;

    private LogRestart() {
    }

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        int messages = args.length > 1 ? Integer.parseInt(args[1]) : 1_000_000;
        int undelivered = args.length > 2 ? Integer.parseInt(args[2]) : 100_000;
        long[] ids = new long[USERS];
        try (SqliteStore store = DataDirectory.open(Decisions.RULES, dir, e -> { })) {
            for (int u = 0; u < USERS; u++) {
                ids[u] = store.create("user" + u, "User " + u, "not a real hash", 0).orElseThrow().id();
            }
        }
        long[] lastAcked = new long[USERS];
        int acknowledged = messages - undelivered;
        try (MessageLog log = MessageLog.open(dir.resolve("log"), LogPosition.START, MessageLog.DEFAULT_SEGMENT_BYTES).log()) {
            ByteBuffer buffer = ByteBuffer.allocateDirect(1 << 20);
            for (int from = 1; from <= messages; from += BATCH) {
                buffer.clear();
                for (int id = from; id < from + BATCH && id <= messages; id++) {
                    int sender = id % USERS;
                    int recipient = (id / USERS + sender + 1) % USERS;
                    buffer = LogRecord.encode(new LogRecord.Message(id, ids[sender], ids[recipient], 1_700_000_000_000L + id,
                            UUID.randomUUID().toString(), "message number " + id), buffer);
                    if (id <= acknowledged) {
                        lastAcked[recipient] = id;
                    }
                }
                log.append(buffer.flip());
            }
            buffer.clear();
            for (int u = 0; u < USERS; u++) {
                if (lastAcked[u] > 0) {
                    buffer = LogRecord.encode(new LogRecord.Ack(ids[u], lastAcked[u]), buffer);
                }
            }
            log.append(buffer.flip());
        }
        System.out.printf("%s: %,d accounts, %,d messages in the message log (%,d undelivered), none indexed%n",
                dir, USERS, messages, undelivered);
    }
}
