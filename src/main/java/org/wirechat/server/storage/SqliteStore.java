package org.wirechat.server.storage;

import java.io.Closeable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sqlite.SQLiteConfig;
import org.wirechat.server.core.port.Account;
import org.wirechat.server.core.port.CommitStats;
import org.wirechat.server.core.port.Deletion;
import org.wirechat.server.core.port.Departures;
import org.wirechat.server.core.port.DeviceSeen;
import org.wirechat.server.core.port.GroupInfo;
import org.wirechat.server.core.port.GroupMembership;
import org.wirechat.server.core.port.SearchQuery;
import org.wirechat.server.core.port.SearchScope;
import org.wirechat.server.core.port.GroupTx;
import org.wirechat.server.core.port.SendDecisions;
import org.wirechat.server.core.port.SendOutcome;
import org.wirechat.server.core.port.Storage;
import org.wirechat.server.core.port.StorageFault;
import org.wirechat.server.core.port.StorageUnavailableException;
import org.wirechat.server.core.port.StoreException;
import org.wirechat.server.core.port.StoredMessage;
import org.wirechat.server.core.port.TokenRow;
import org.wirechat.server.storage.log.LogDamagedException;
import org.wirechat.server.storage.log.LogLossException;
import org.wirechat.server.storage.log.LogPosition;
import org.wirechat.server.storage.log.LogRecord;
import org.wirechat.server.storage.log.LogScan;
import org.wirechat.server.storage.log.MessageLog;

/**
 * The default store. Messages go to the append-only message log ({@link LogMessages}): durable on one
 * write and one {@code fdatasync} a batch, delivered from memory. Accounts, tokens and the history
 * index are in SQLite, in WAL mode with {@code synchronous=FULL}, so a commit is on disk before it
 * returns. All SQLite writes go through one {@link Writer} thread (group commit); reads use a small
 * pool of connections that never block the writer and are never blocked by it.
 */
public final class SqliteStore implements Storage {
    private static final Logger log = LoggerFactory.getLogger(SqliteStore.class);
    /** The database's file in the data directory. */
    public static final String DATABASE_FILE = "wirechat.db";
    /** The message log's directory in the data directory ({@link MessageLog}). */
    public static final String LOG_DIRECTORY = "log";
    private static final int READERS = 4;
    private static final FileAttribute<?> PRIVATE_DIRECTORY = PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------"));

    private final Path dataDir;
    /** The data directory's lock, given at opening, held until {@link #close}. */
    private final Closeable lock;
    private final Writer writer;
    private final BlockingQueue<Statements> readers = new ArrayBlockingQueue<>(READERS);
    private final List<Statements> allReaders = new ArrayList<>();
    private volatile boolean closed;
    /** The message half: the log, the in-memory inboxes and the history indexer (null only while opening). */
    private LogMessages messages;

    /** Storage faults met by the writer, told once each; what {@link #storageFault()} reports. */
    private final FaultLog faults;

    private SqliteStore(Path dataDir, Closeable lock, Writer writer, FaultLog faults) {
        this.faults = faults;
        this.dataDir = dataDir;
        this.lock = lock;
        this.writer = writer;
    }

    /**
     * Opens the store in {@code dataDir}, which its owner has checked and holds the lock of
     * ({@code server.data.DataDirectory}: the directory's modes, that its database is wirechat's and whole or
     * new), migrating its schema; SENDs and acknowledgements are decided by the core's {@code rules}. The store holds {@code lock} from now on and closes it when it closes; if the
     * store cannot be opened, closing it stays its caller's.
     *
     * @throws StoreException the database or the message log cannot be opened, with the reason and what to do
     */
    public static SqliteStore open(SendDecisions rules, Path dataDir, Closeable lock, long segmentBytes, Consumer<Throwable> onFatal,
            StorageIo io) {
        String url = "jdbc:sqlite:" + dataDir.resolve(DATABASE_FILE).toAbsolutePath();
        try {
            try (Connection setup = config(false).createConnection(url)) {
                int found = Schema.migrate(setup);
                if (found < Schema.MIGRATIONS.size()) {
                    log.info("database schema migrated from version {} to {}", found, Schema.MIGRATIONS.size());
                }
            }
            FaultLog faults = new FaultLog(log);
            SqliteStore store = new SqliteStore(dataDir, lock,
                    new Writer(() -> io.writeThrough(config(false).createConnection(url)), onFatal, faults), faults);
            for (int i = 0; i < READERS; i++) {
                Statements r = new Statements(config(true).createConnection(url));
                store.allReaders.add(r);
                store.readers.add(r);
            }
            try {
                store.openLog(dataDir.resolve(LOG_DIRECTORY), segmentBytes, onFatal, io, rules);
            } catch (IOException | RuntimeException e) {
                store.close();
                throw e;
            }
            return store;
        } catch (IOException e) {
            throw new StoreException("cannot open the store in " + dataDir.toAbsolutePath() + ": " + FaultCause.reason(e), e);
        } catch (SQLException e) {
            throw FaultCause.openFailure(dataDir, e);
        } catch (LogLossException e) {
            throw new StoreException(e.getMessage() + ". The server will not start on it (nothing was changed): restore the data"
                    + " directory from a backup (wirechat-server admin restore), or, to go on without those messages, run"
                    + " 'wirechat-server admin accept-log-damage --data-dir " + dataDir.toAbsolutePath() + "' and start again"
                    + " (their ids are never given out again)", e);
        } catch (LogDamagedException e) {
            throw new StoreException("the message log is damaged: " + e.getMessage() + ". The server will not start on it"
                    + " (nothing was changed); restore the data directory from a backup (wirechat-server admin restore)", e);
        }
    }

    /** Reads the message log back (cutting a torn tail), rebuilds the inboxes and starts the log's threads. */
    private void openLog(Path logDir, long segmentBytes, Consumer<Throwable> onFatal, StorageIo io, SendDecisions rules)
            throws IOException {
        long start = System.nanoTime();
        IndexState state = indexState();
        var scan = LogScan.read(logDir, state.checkpoint(), state.lastId());
        if (!scan.whole()) {
            log.error("{}", LogLossException.describe(logDir, scan));
        }
        var recovered = MessageLog.open(logDir, scan, segmentBytes, io);
        if (recovered.tornBytesCut() > 0) {
            log.warn("cut {} bytes at the end of the message log: a write that never finished (so was never acknowledged),"
                    + " left by a crash", recovered.tornBytesCut());
        }
        messages = new LogMessages(new Catalog(), recovered.log(), faults, onFatal, rules);
        messages.start(recovered.entries(), scan.idFloor()); // never an id the index, the log or a lost message had
        log.info("message log read in {} ms ({} records after the history index's checkpoint)",
                (System.nanoTime() - start) / 1_000_000, recovered.entries().size());
    }

    @Override
    public String describe() {
        return "SQLite in " + dataDir.toAbsolutePath();
    }

    private static SQLiteConfig config(boolean readOnly) {
        SQLiteConfig c = new SQLiteConfig();
        c.setJournalMode(SQLiteConfig.JournalMode.WAL);
        c.setSynchronous(SQLiteConfig.SynchronousMode.FULL);
        c.enforceForeignKeys(true);
        c.setBusyTimeout(30_000);
        // 64 MiB of page cache a connection (SQLite's default is 2 MiB): the history index's B-trees stay
        // in memory instead of being read back through the OS for every insert
        c.setCacheSize(-65_536);
        if (readOnly) {
            c.setReadOnly(true);
        } else {
            c.setTransactionMode(SQLiteConfig.TransactionMode.IMMEDIATE);
        }
        return c;
    }

    private <T> T read(Sql.Work<T> work) {
        if (closed) {
            throw new IllegalStateException("store is closed");
        }
        Statements reader;
        try {
            reader = readers.take();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StoreException("interrupted while waiting for a read connection", e);
        }
        try {
            return work.run(reader.sql());
        } catch (SQLException e) {
            throw new StoreException("read failed", e);
        } finally {
            readers.add(reader);
        }
    }

    /**
     * The online backup's copy: with the log's indexed segments held, a snapshot of the database ({@code VACUUM
     * INTO}, one consistent read while writes go on), then the log's segments from the snapshot's checkpoint on,
     * as they are at that moment, into {@code dest} (made now, 0700, with its {@code log} directory). Started on the
     * copy, a server reads the log from the checkpoint and indexes it again (idempotent), so every message
     * acknowledged before the backup began is there, and some after it. The administration
     * ({@code server.data.Backups}) then reads the copy back, syncs it and writes its manifest.
     */
    @Override
    public String backup(Path dest) throws IOException {
        if (Files.exists(dest)) {
            throw new IOException(dest + " exists already: a backup goes to a new directory");
        }
        Files.createDirectories(dest, PRIVATE_DIRECTORY);
        Path logCopy = Files.createDirectory(dest.resolve(LOG_DIRECTORY), PRIVATE_DIRECTORY);
        Path db = dest.resolve(DATABASE_FILE);
        long logBytes;
        long segment;
        try (AutoCloseable hold = messages.holdDeletions()) {
            read(st -> st.once().update("VACUUM INTO ?", Sql.values(db.toString())));
            segment = Schema.checkpointSegment(db);
            logBytes = messages.copySegmentsFrom(segment, logCopy);
        } catch (IOException | RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException(e); // the hold's close throws nothing
        }
        return "the database (" + Files.size(db) + " bytes) and the message log from segment " + segment + " (" + logBytes + " bytes)";
    }

    /** Keeps the log's indexed segments from being deleted until closed (as a backup does): for tests. */
    AutoCloseable holdLogSegments() {
        return messages.holdDeletions();
    }

    /** The database's structure ({@code PRAGMA quick_check}) on a read connection, while serving. */
    @Override
    public String check() {
        long started = System.nanoTime();
        List<String> problems = read(st -> st.once().list("PRAGMA quick_check(10)", Sql.NONE, rs -> rs.getString(1)));
        if (!problems.equals(List.of("ok"))) {
            throw new StoreException(dataDir.resolve(DATABASE_FILE) + " is damaged (PRAGMA quick_check: "
                    + String.join("; ", problems) + ")", null);
        }
        return "the database is sound (PRAGMA quick_check in " + (System.nanoTime() - started) / 1_000_000
                + " ms); the message log's records are checked (CRC32C) at every start";
    }

    @Override
    public Optional<Account> create(String username, String fullName, String passwordHash, long nowMillis) {
        return writer.<Optional<Account>>write(db -> {
            if (db.sql().update("INSERT OR IGNORE INTO accounts (username, username_key, full_name, password_hash, created_at)"
                    + " VALUES (?, ?, ?, ?, ?)", Sql.values(username, AccountRows.key(username), fullName, passwordHash, nowMillis)) == 0) {
                return Optional.empty();
            }
            return Optional.of(AccountRows.created(db.sql().number("SELECT last_insert_rowid()", Sql.NONE), username, fullName, passwordHash));
        }).map(a -> {
            messages.accountCreated(a.id(), a.username());
            return a;
        });
    }

    @Override
    public Optional<Account> find(String username) {
        return read(db -> AccountRows.find(db, username));
    }

    @Override
    public Optional<Account> find(long id) {
        return read(db -> AccountRows.find(db, id));
    }

    /** One expression over the account's row (deleted or not), or {@code null} when there is no such row. */
    private <T> T accountColumn(String expression, long accountId, Sql.Row<T> column) {
        return read(db -> db.first("SELECT " + expression + " FROM accounts WHERE id = ?", Sql.values(accountId), column).orElse(null));
    }

    @Override
    public void updatePasswordHash(long accountId, String passwordHash) {
        writer.write(db -> AccountRows.updatePassword(db.sql(), accountId, passwordHash));
    }

    @Override
    public OptionalInt changePassword(long accountId, String passwordHash, byte[] keepToken) {
        return writer.write(db -> AccountRows.changePassword(db.sql(), accountId, passwordHash, keepToken));
    }

    @Override
    public boolean setFullName(long accountId, String fullName) {
        return writer.write(db -> AccountRows.setFullName(db.sql(), accountId, fullName));
    }

    @Override
    public List<Account> page(String after, int max) {
        return read(db -> AccountRows.page(db, after, max));
    }

    /** Through the message log's writer, so that no message to the account can be stored meanwhile. */
    @Override
    public Deletion deleteIfNothingWaits(long accountId, String device, long nowMillis, Departures departures) {
        return messages.deleteAccount(accountId, Objects.requireNonNull(device, "device"), nowMillis, departures);
    }

    /** The same, with no device: the log store counts what waits for any device holding the account's messages. */
    @Override
    public Deletion deleteIfNothingWaits(long accountId, long nowMillis, Departures departures) {
        return messages.deleteAccount(accountId, null, nowMillis, departures);
    }

    @Override
    public List<byte[]> insert(byte[] hash, long accountId, String device, long createdAtMillis, long expiresAtMillis,
            int maxPerAccount) {
        return writer.write(db -> {
            TokenRows.insert(db.sql(), hash, accountId, device, createdAtMillis, expiresAtMillis);
            return TokenRows.revokeOldest(db.sql(), REVOKE_OLDEST_TOKENS, hash, accountId, maxPerAccount);
        });
    }

    private static final String REVOKE_OLDEST_TOKENS = TokenRows.revokeOldest("LIMIT -1");

    @Override
    public Optional<TokenRow> find(byte[] hash) {
        return read(db -> TokenRows.find(db, hash));
    }

    @Override
    public void extendLater(byte[] hash, long expiresAtMillis) {
        writeLater(db -> TokenRows.extend(db.sql(), hash, expiresAtMillis), "could not extend a token's expiry");
    }

    /**
     * Queues a write nobody waits for; a failure is logged, with what it means (not one refused for a
     * storage fault: the writer logs that once).
     */
    private void writeLater(Writer.Work<?> work, String onFailure) {
        writer.submit(work).exceptionally(e -> {
            if (!(e instanceof StorageUnavailableException)) {
                log.warn(onFailure, e);
            }
            return null;
        });
    }

    @Override
    public Optional<StorageFault> storageFault() {
        return faults.current();
    }

    @Override
    public void delete(byte[] hash) {
        writer.write(db -> db.sql().update(TokenRows.DELETE, Sql.values(hash)));
    }

    @Override
    public boolean setDisabled(long accountId, long nowMillis) {
        return writer.write(db -> AccountRows.setDisabled(db.sql(), accountId, nowMillis));
    }

    @Override
    public int deleteOf(long accountId) {
        return deleteTokensWhere(TokenRows.DELETE_OF, accountId);
    }

    @Override
    public int deleteExpired(long nowMillis) {
        return deleteTokensWhere(TokenRows.DELETE_EXPIRED, nowMillis);
    }

    private int deleteTokensWhere(String sql, long value) {
        return writer.write(db -> db.sql().update(sql, Sql.values(value)));
    }

    @Override
    public SendOutcome send(long senderId, String recipient, String clientMessageId, String body, long nowMillis,
            int inboxCapacity) {
        return Writer.await(sendLater(senderId, recipient, clientMessageId, body, nowMillis, inboxCapacity));
    }

    @Override
    public CompletableFuture<SendOutcome> sendLater(long senderId, String device, String recipient,
            String clientMessageId, String body, long nowMillis, int inboxCapacity) {
        return messages.sendLater(senderId, device, AccountRows.key(recipient), clientMessageId, body, nowMillis, inboxCapacity);
    }

    @Override
    public void acknowledgeLater(long accountId, String device, long throughId, long nowMillis) {
        messages.acknowledgeLater(accountId, device, throughId, nowMillis);
    }

    @Override
    public List<StoredMessage> undelivered(long accountId, String device, long afterId, int max) {
        return messages.undelivered(accountId, device, afterId, max);
    }

    @Override
    public long unread(long accountId, String device) {
        return messages.unread(accountId, device);
    }

    @Override
    public long undeliveredCount(long accountId) {
        return messages.undeliveredCount(accountId);
    }

    @Override
    public void seen(long accountId, String device, long nowMillis) {
        messages.seen(accountId, device, nowMillis);
    }

    @Override
    public void register(long accountId, String device, long nowMillis) {
        messages.register(accountId, device, nowMillis);
    }

    @Override
    public long missed(long accountId, String device) {
        return messages.missed(accountId, device);
    }

    @Override
    public List<DeviceSeen> devices(long accountId) {
        return messages.devices(accountId);
    }

    @Override
    public void deviceHorizon(Duration horizon) {
        messages.horizon(horizon);
    }

    /** From the recipient's inbox in memory: its messages are few (at most the inbox cap). */
    @Override
    public long oldestWaiting(long recipientId, long senderId) {
        return find(senderId).map(s -> messages.oldestWaitingFrom(recipientId, senderId, s.username())).orElse(0L);
    }

    @Override
    public boolean setReceipts(long accountId, boolean on) {
        return writer.write(db -> AccountRows.setReceipts(db.sql(), accountId, on));
    }

    @Override
    public Optional<CommitStats> commitStats() {
        return Optional.of(messages.commitStats());
    }

    @Override
    public OptionalLong undeliveredTotal() {
        return OptionalLong.of(messages.undeliveredTotal());
    }

    /** The history index, with what the indexer has not copied into it yet (taken first: see {@link LogMessages#unindexedBetween}). */
    @Override
    public List<StoredMessage> history(long accountId, long peerId, long beforeId, int max) {
        List<StoredMessage> unindexed = messages.unindexedBetween(accountId, peerId, beforeId);
        List<StoredMessage> indexed = read(db -> MessageRows.history(db, MessageRows.HISTORY, accountId, peerId, beforeId, max));
        return newestFirst(indexed, unindexed, max);
    }

    /**
     * The search index, with what the indexer has not copied into it yet matched here (taken first, as for
     * {@link #history}): a message is found the moment its SEND is answered, without waiting for the indexer.
     */
    @Override
    public List<StoredMessage> search(SearchQuery query, SearchScope scope, long beforeId, int max) {
        List<StoredMessage> unindexed = messages.unindexedMatching(query, scope, beforeId,
                id -> Boolean.TRUE.equals(accountColumn("deleted_at IS NULL", id, rs -> rs.getInt(1) != 0)));
        List<StoredMessage> indexed = read(db -> SearchRows.search(db, SearchRows.SQLITE, SearchRows.fts5(query), scope,
                beforeId, max));
        return newestFirst(indexed, unindexed, max);
    }

    /** Both lists merged by id, newest first, each id once, at most {@code max}. */
    private static List<StoredMessage> newestFirst(List<StoredMessage> indexed, List<StoredMessage> unindexed, int max) {
        if (unindexed.isEmpty()) {
            return indexed;
        }
        TreeMap<Long, StoredMessage> newestFirst = new TreeMap<>(Comparator.reverseOrder());
        for (StoredMessage m : indexed) {
            newestFirst.put(m.id(), m);
        }
        for (StoredMessage m : unindexed) {
            newestFirst.put(m.id(), m);
        }
        return newestFirst.values().stream().limit(max).toList();
    }

    /** Runs {@code meanwhile} while the message log's writer is held: what it queues is decided as one batch (tests). */
    void whileWriterHeld(Runnable meanwhile) {
        messages.whileWriterHeld(meanwhile);
    }

    /**
     * Holds SQLite's one writer until {@code release} completes, so the history indexer writes nothing meanwhile
     * (tests of what is found before it does); the future completes once the writer is held.
     */
    CompletableFuture<Void> holdWriter(CompletableFuture<Void> release) {
        CompletableFuture<Void> held = new CompletableFuture<>();
        writer.submit(db -> {
            held.complete(null);
            return release.join();
        });
        return held;
    }

    /** Waits until every message and acknowledgement queued so far is in the history index. */
    void awaitIndexed() throws InterruptedException {
        messages.awaitIndexed();
    }

    /**
     * Deletes delivered messages stored before the cutoff from the history index. A message delivered
     * but not yet indexed (the indexer runs within a second) is purged by a later run. One copied to its
     * sender's other devices waits until they have it too (the live sender's floor is past it).
     */
    @Override
    public int purgeDeliveredBefore(long cutoffMillis) {
        String direct = "DELETE FROM messages WHERE delivered = 1 AND created_at < ?" + COPIES_RECEIVED;
        return writer.write(db -> {
            db.sql().update(unindexing(direct), Sql.values(cutoffMillis));
            int purged = db.sql().update(direct, Sql.values(cutoffMillis));
            db.sql().update(unindexing(PURGE_GROUP_MESSAGES), Sql.values(cutoffMillis));
            return purged + db.sql().update(PURGE_GROUP_MESSAGES, Sql.values(cutoffMillis));
        });
    }

    /** The statement that takes out of the search index the words of the rows a {@code DELETE FROM messages …} deletes. */
    private static String unindexing(String delete) {
        return delete.replace("DELETE FROM messages WHERE",
                "INSERT INTO messages_fts (messages_fts, rowid, body) SELECT 'delete', id, body FROM messages WHERE");
    }

    /** A purge's condition that a message copied to its sender's other devices has reached them (or the sender is gone). */
    private static final String COPIES_RECEIVED = MessageRows.copiesReceived("messages");

    /**
     * A group's messages stored before the cutoff that every live account they reached has received (its
     * floor is past them). Parameter: the cutoff.
     */
    private static final String PURGE_GROUP_MESSAGES = """
            DELETE FROM messages WHERE delivered = 2 AND created_at < ? AND NOT EXISTS (
              SELECT 1 FROM group_members gm JOIN accounts a ON a.id = gm.account_id AND a.deleted_at IS NULL
              LEFT JOIN inbox_floors f ON f.account_id = gm.account_id
              WHERE gm.group_id = -messages.recipient_id AND gm.account_id <> messages.sender_id
                AND messages.id > gm.joined_after AND (gm.left_after IS NULL OR messages.id <= gm.left_after)
                AND COALESCE(f.through, 0) < messages.id)""" + COPIES_RECEIVED;


    @Override
    public <T> T change(Function<GroupTx, T> work) {
        return messages.changeGroup(work);
    }

    @Override
    public List<GroupInfo> groupsOf(long accountId) {
        return read(db -> GroupRows.groupsOf(db.once(), accountId));
    }

    @Override
    public Optional<GroupInfo> findGroup(String name) {
        return read(db -> GroupRows.find(db.once(), name));
    }

    @Override
    public List<GroupMembership> memberships(long accountId) {
        return read(db -> GroupRows.memberships(db.once(), accountId));
    }

    /** From memory (marks and floors), with the members' receipts settings from SQLite. */
    @Override
    public Optional<long[]> groupReceipts(long groupId, long senderId, long messageId) {
        List<Long> reached = messages.reachedBy(groupId, senderId, messageId, id -> read(db -> db.exists(
                "SELECT 1 FROM messages WHERE id = ? AND sender_id = ? AND recipient_id = ?",
                Sql.values(id, senderId, GroupRows.conversation(groupId)))));
        if (reached == null) {
            return Optional.empty();
        }
        long members = 0;
        long delivered = 0;
        for (long account : reached) {
            if (Boolean.TRUE.equals(accountColumn("receipts AND deleted_at IS NULL", account, rs -> rs.getInt(1) != 0))) {
                members++;
                delivered += messages.received(account, messageId) ? 1 : 0;
            }
        }
        return Optional.of(new long[] {members, delivered});
    }

    /** The history index, with what the indexer has not copied into it yet (taken first, as for {@link #history}). */
    @Override
    public List<StoredMessage> groupHistory(long groupId, long beforeId, int max) {
        List<StoredMessage> unindexed = messages.unindexedOfGroup(groupId, beforeId);
        long conversation = GroupRows.conversation(groupId);
        List<StoredMessage> indexed = read(db -> MessageRows.history(db, GroupRows.HISTORY, conversation, conversation, beforeId, max));
        return newestFirst(indexed, unindexed, max);
    }

    /** What the message log asks of SQLite: accounts by name and id, retries, deletion, the history index. */
    private final class Catalog implements LogMessages.Catalog {
        @Override
        public LogMessages.Named liveAccount(String key) {
            return read(db -> db.first("SELECT id, username FROM accounts WHERE username_key = ? AND deleted_at IS NULL",
                    Sql.values(key), rs -> new LogMessages.Named(rs.getLong(1), rs.getString(2))).orElse(null));
        }

        @Override
        public String username(long id) {
            return accountColumn("username", id, rs -> rs.getString(1));
        }

        @Override
        public long senderOf(long messageId) {
            return read(db -> db.number("SELECT sender_id FROM messages WHERE id = ?", Sql.values(messageId)));
        }

        /** Looks the pairs up in one statement per {@link #LOOKUP_MAX}. */
        @Override
        public Map<LogMessages.SentKey, LogMessages.Sent> findSent(Collection<LogMessages.SentKey> keys) {
            Map<LogMessages.SentKey, LogMessages.Sent> found = new HashMap<>();
            List<LogMessages.SentKey> all = new ArrayList<>(keys);
            for (int from = 0; from < all.size(); from += LOOKUP_MAX) {
                List<LogMessages.SentKey> part = all.subList(from, Math.min(all.size(), from + LOOKUP_MAX));
                read(db -> {
                    db.each(LOOKUP_SQL[part.size()], ps -> {
                        int i = 1;
                        for (LogMessages.SentKey k : part) {
                            ps.setLong(i++, k.senderId());
                            ps.setString(i++, k.clientId());
                        }
                    }, rs -> found.put(new LogMessages.SentKey(rs.getLong(1), rs.getString(2)),
                            new LogMessages.Sent(rs.getLong(3), rs.getLong(4), rs.getLong(5), rs.getString(6))));
                    return null;
                });
            }
            return found;
        }

        @Override
        public <T> T changeGroup(Function<GroupTx, T> work, long boundary, Set<Long> changed) {
            return writer.write(db -> {
                GroupRows rows = new GroupRows(Sql.on(db.connection()), "", () -> boundary);
                T done = rows.run(work);
                changed.clear(); // a task run again (after another task's failure) says only what it changed last
                changed.addAll(rows.changed());
                return done;
            });
        }

        @Override
        public void memberships(Long groupId, Consumer<LogMessages.Membership> each) {
            read(db -> {
                db.once().each("SELECT g.id, g.name, g.ended_at IS NULL, gm.account_id, gm.joined_after, gm.left_after"
                        + " FROM groups g JOIN group_members gm ON gm.group_id = g.id" + (groupId == null ? "" : " WHERE g.id = ?")
                        + " ORDER BY g.id, gm.id", groupId == null ? Sql.NONE : Sql.values(groupId), rs -> {
                            long left = rs.getLong(6);
                            boolean member = rs.wasNull(); // still
                            each.accept(new LogMessages.Membership(rs.getLong(1), rs.getString(2), rs.getBoolean(3), rs.getLong(4),
                                    rs.getLong(5), member ? Long.MAX_VALUE : left));
                        });
                return null;
            });
        }

        @Override
        public void groupUndelivered(Consumer<LogMessages.IndexedMessage> each) {
            indexed("SELECT gm.account_id, m.id, s.username, g.name,"
                    + " m.created_at, m.body FROM group_members gm JOIN groups g ON g.id = gm.group_id"
                    + " LEFT JOIN inbox_floors f ON f.account_id = gm.account_id"
                    + " JOIN messages m ON m.recipient_id = -gm.group_id AND m.id > max(gm.joined_after, COALESCE(f.through, 0))"
                    + " AND (gm.left_after IS NULL OR m.id <= gm.left_after) AND m.sender_id <> gm.account_id"
                    + " JOIN accounts s ON s.id = m.sender_id ORDER BY gm.account_id, m.id", false, each);
        }

        @Override
        public void copiesUndelivered(Consumer<LogMessages.IndexedMessage> each) {
            // above the sender's floor: what some device of the sender may still lack (each device's mark decides)
            indexed("SELECT f.account_id, m.id, s.username, COALESCE(r.username, g.name), m.created_at, m.body, m.from_device"
                    + " FROM (SELECT account_id, max(through) AS through FROM (SELECT account_id, through FROM inbox_floors"
                    + " UNION ALL SELECT account_id, 0 FROM devices) GROUP BY account_id) f"
                    + " JOIN messages m ON m.sender_id = f.account_id AND m.from_device IS NOT NULL AND m.id > f.through"
                    + " JOIN accounts s ON s.id = m.sender_id LEFT JOIN accounts r ON r.id = m.recipient_id"
                    + " LEFT JOIN groups g ON g.id = -m.recipient_id ORDER BY f.account_id, m.id", true, each);
        }

        /**
         * Each row of {@code sql} (the account it waits for, then a message as {@link MessageRows} reads one,
         * then, with {@code copies}, a seventh column: the device a copy of the account's own message was sent from).
         */
        private void indexed(String sql, boolean copies, Consumer<LogMessages.IndexedMessage> each) {
            read(db -> {
                db.once().each(sql, Sql.NONE, rs -> each.accept(new LogMessages.IndexedMessage(rs.getLong(1),
                        new StoredMessage(rs.getLong(2), rs.getString(3), rs.getString(4), rs.getLong(5), rs.getString(6)),
                        copies ? rs.getString(7) : null)));
                return null;
            });
        }

        @Override
        public Deletion deleteAccountRows(long id, long nowMillis, long boundary, Departures departures) {
            return writer.write(db -> {
                if (!AccountRows.markDeleted(db.sql(), id, nowMillis)) {
                    return new Deletion.Gone();
                }
                db.sql().update(TokenRows.DELETE_OF, Sql.values(id));
                Sql once = Sql.on(db.connection());
                GroupRows.leaveAll(once, id, new GroupRows(once, "", () -> boundary), nowMillis, departures);
                return new Deletion.Deleted();
            });
        }

        /**
         * One transaction: the messages (delivered already if an acknowledgement in the same chunk covers
         * them), the acknowledgements of messages indexed before, and the checkpoint. Idempotent: a chunk
         * indexed again after a crash inserts nothing twice (the id is the key).
         */
        @Override
        public void index(List<LogMessages.Committed> records, LogPosition end) {
            Map<Long, Long> acked = new HashMap<>();
            Map<String, LogRecord.DeviceAck> marks = new LinkedHashMap<>();
            for (LogMessages.Committed c : records) {
                if (c.record() instanceof LogRecord.Ack a) {
                    acked.merge(a.accountId(), a.throughId(), Math::max);
                } else if (c.record() instanceof LogRecord.DeviceAck d) {
                    marks.put(d.accountId() + "\u0000" + d.device(), d); // the later one of a device wins
                }
            }
            writer.write(db -> {
                PreparedStatement ps = db.prepare("INSERT INTO messages"
                        + " (id, sender_id, recipient_id, pair_lo, pair_hi, client_id, body, created_at, delivered, from_device)"
                        + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING");
                List<Long> ids = new ArrayList<>();
                List<String> bodies = new ArrayList<>();
                for (LogMessages.Committed c : records) {
                    if (c.record() instanceof LogRecord.Message m) {
                        ps.setLong(1, m.id());
                        ps.setLong(2, m.senderId());
                        boolean group = GroupRows.isGroup(m.recipientId()); // its conversation is the group's
                        ps.setLong(3, m.recipientId());
                        ps.setLong(4, group ? m.recipientId() : Math.min(m.senderId(), m.recipientId()));
                        ps.setLong(5, group ? m.recipientId() : Math.max(m.senderId(), m.recipientId()));
                        ps.setString(6, m.clientId());
                        ps.setString(7, m.body());
                        ps.setLong(8, m.timeMillis());
                        ps.setInt(9, group ? 2 : m.id() <= acked.getOrDefault(m.recipientId(), 0L) ? 1 : 0);
                        ps.setString(10, m.fromDevice());
                        ps.addBatch();
                        ids.add(m.id());
                        bodies.add(m.body());
                    }
                }
                int[] inserted = ps.executeBatch(); // one call into SQLite for the chunk: a third of the per-row cost was JDBC's
                PreparedStatement words = db.prepare("INSERT INTO messages_fts (rowid, body) VALUES (?, ?)");
                for (int i = 0; i < inserted.length; i++) {
                    if (inserted[i] == 0) {
                        leftOut(db, ids.get(i));
                    } else { // its words in the search index, in the same transaction (a row indexed again is not)
                        words.setLong(1, ids.get(i));
                        words.setString(2, bodies.get(i));
                        words.addBatch();
                    }
                }
                words.executeBatch();
                for (var e : acked.entrySet()) {
                    db.sql().update("UPDATE messages SET delivered = 1 WHERE recipient_id = ? AND delivered = 0 AND id <= ?",
                            Sql.values(e.getKey(), e.getValue()));
                }
                for (var e : acked.entrySet()) {
                    db.sql().update("INSERT INTO inbox_floors (account_id, through) VALUES (?, ?)"
                            + " ON CONFLICT (account_id) DO UPDATE SET through = max(through, excluded.through)",
                            Sql.values(e.getKey(), e.getValue()));
                }
                for (var d : marks.values()) {
                    db.sql().update("INSERT INTO devices (account_id, device, through, active_at) VALUES (?, ?, ?, ?)"
                            + " ON CONFLICT (account_id, device) DO UPDATE SET through = max(through, excluded.through),"
                            + " active_at = max(active_at, excluded.active_at)",
                            Sql.values(d.accountId(), d.device(), d.throughId(), d.activeMillis()));
                }
                return db.sql().update("INSERT INTO log_checkpoint (id, segment, offset) VALUES (1, ?, ?)"
                        + " ON CONFLICT (id) DO UPDATE SET segment = excluded.segment, offset = excluded.offset",
                        Sql.values(end.segment(), end.offset()));
            });
        }

        /**
         * A message the index did not take: already there (the chunk indexed again after a crash: fine), or
         * — which the log writer's checks are there to prevent — a second message with the same sender and
         * client id, which history cannot hold twice. Told, not stalled on: the log keeps it.
         */
        private void leftOut(Statements db, long id) throws SQLException {
            if (!db.sql().exists("SELECT 1 FROM messages WHERE id = ?", Sql.values(id))) {
                log.error("message {} in the message log has the sender and client id of an earlier one; it was"
                        + " delivered, but history keeps only the earlier one", id);
            }
        }

        @Override
        public void undelivered(Consumer<LogMessages.IndexedMessage> each) {
            indexed("SELECT m.recipient_id, m.id, s.username, r.username,"
                    + " m.created_at, m.body FROM messages m JOIN accounts s ON s.id = m.sender_id"
                    + " JOIN accounts r ON r.id = m.recipient_id WHERE m.delivered = 0 ORDER BY m.recipient_id, m.id", false, each);
        }

        @Override
        public void devices(Consumer<LogMessages.DeviceRow> each) {
            read(db -> {
                db.once().each("SELECT account_id, device, through, active_at FROM devices", Sql.NONE,
                        rs -> each.accept(new LogMessages.DeviceRow(rs.getLong(1), rs.getString(2), rs.getLong(3), rs.getLong(4))));
                db.once().each("SELECT account_id, through FROM inbox_floors", Sql.NONE,
                        rs -> each.accept(new LogMessages.DeviceRow(rs.getLong(1), null, rs.getLong(2), 0)));
                return null;
            });
        }

        @Override
        public Set<Long> messageIdsTo(long accountId, long afterId, long throughId) {
            return read(db -> new HashSet<>(db.once().list("SELECT id FROM messages WHERE recipient_id = ? AND id > ? AND id <= ?"
                    + " UNION SELECT m.id FROM group_members gm JOIN messages m ON m.recipient_id = -gm.group_id"
                    + " AND m.id > max(gm.joined_after, ?) AND m.id <= ? AND (gm.left_after IS NULL OR m.id <= gm.left_after)"
                    + " AND m.sender_id <> gm.account_id WHERE gm.account_id = ?",
                    Sql.values(accountId, afterId, throughId, afterId, throughId, accountId), rs -> rs.getLong(1))));
        }

        @Override
        public long messageCount() {
            return read(db -> db.number("SELECT max(id) - min(id) + 1 FROM messages", Sql.NONE));
        }

        @Override
        public void sentKeys(Consumer<LogMessages.SentKey> each) {
            read(db -> {
                db.once().each("SELECT sender_id, client_id FROM messages", Sql.NONE,
                        rs -> each.accept(new LogMessages.SentKey(rs.getLong(1), rs.getString(2))));
                return null;
            });
        }
    }

    private static final int LOOKUP_MAX = 64;
    /** By the number of pairs: the statement finding stored messages among them. */
    private static final String[] LOOKUP_SQL = new String[LOOKUP_MAX + 1];

    static {
        for (int n = 1; n <= LOOKUP_MAX; n++) {
            LOOKUP_SQL[n] = "SELECT sender_id, client_id, id, created_at, recipient_id, body FROM messages"
                    + " WHERE (sender_id, client_id) IN (VALUES " + String.join(", ", Collections.nCopies(n, "(?, ?)")) + ")";
        }
    }

    /** Where the history index stopped reading the log, and the highest message id it ever gave out. */
    private record IndexState(LogPosition checkpoint, long lastId) {
    }

    private IndexState indexState() {
        return read(db -> new IndexState(db.first("SELECT segment, offset FROM log_checkpoint WHERE id = 1", Sql.NONE,
                rs -> new LogPosition(rs.getLong(1), rs.getLong(2))).orElse(LogPosition.START),
                db.number("SELECT seq FROM sqlite_sequence WHERE name = 'messages'", Sql.NONE)));
    }

    /** Finishes queued writes, then closes every connection and releases the data directory. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        if (messages != null) {
            messages.close(); // commits what is queued, and indexes what it can
        }
        closed = true;
        writer.close();
        try {
            for (int i = 0; i < allReaders.size(); i++) {
                readers.take(); // waits for reads in progress to hand their connection back
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        for (Statements r : allReaders) {
            try {
                r.close();
            } catch (SQLException e) {
                log.warn("closing a read connection failed", e);
            }
        }
        try {
            lock.close(); // releases the lock
        } catch (IOException e) {
            log.warn("releasing the data directory lock failed", e);
        }
    }
}
