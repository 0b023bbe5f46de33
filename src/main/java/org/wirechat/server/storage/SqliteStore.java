package org.wirechat.server.storage;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.sqlite.SQLiteConfig;
import org.wirechat.protocol.Response;

/**
 * The default store: SQLite in WAL mode with {@code synchronous=FULL}, so a commit is on disk before
 * it returns. All writes go through one {@link Writer} thread (group commit); reads use a small pool
 * of connections that never block the writer and are never blocked by it.
 */
public final class SqliteStore implements Store {
    private static final Logger log = LoggerFactory.getLogger(SqliteStore.class);
    public static final String DATABASE_FILE = "wirechat.db";
    private static final int READERS = 4;

    private final Path dataDir;
    private final FileChannel lockChannel;
    private final FileLock lock;
    private final Writer writer;
    private final BlockingQueue<Statements> readers = new ArrayBlockingQueue<>(READERS);
    private final List<Statements> allReaders = new ArrayList<>();
    private volatile boolean closed;

    /** Storage faults met by the writer, told once each; what {@link #storageFault()} reports. */
    private final FaultLog faults;

    private SqliteStore(Path dataDir, FileChannel lockChannel, FileLock lock, Writer writer, FaultLog faults) {
        this.faults = faults;
        this.dataDir = dataDir;
        this.lockChannel = lockChannel;
        this.lock = lock;
        this.writer = writer;
    }

    /**
     * Opens (creating if needed) the store in {@code dataDir}, checking what is there
     * ({@link DataDirectory}) and migrating its schema.
     *
     * @throws StoreException the directory cannot be used, its database is missing, foreign or damaged,
     *     or another server holds it
     */
    public static SqliteStore open(Path dataDir, java.util.function.Consumer<Throwable> onFatal) {
        FileChannel channel = null;
        DataDirectory dir = DataDirectory.prepare(dataDir);
        try {
            Path lockFile = dir.lockFile();
            channel = FileChannel.open(lockFile, StandardOpenOption.WRITE);
            FileLock lock;
            try {
                lock = channel.tryLock();
            } catch (java.nio.channels.OverlappingFileLockException e) {
                lock = null; // held by a server in this same JVM
            }
            if (lock == null) {
                throw new StoreException("data directory " + dataDir.toAbsolutePath()
                        + " is in use by another wirechat server", null);
            }
            dir.validate();
            String url = "jdbc:sqlite:" + dir.database().toAbsolutePath();
            try (Connection setup = config(false).createConnection(url)) {
                dir.check(setup);
                int found = Schema.migrate(setup);
                if (found < Schema.MIGRATIONS.size()) {
                    log.info("database schema migrated from version {} to {}", found, Schema.MIGRATIONS.size());
                }
            }
            FaultLog faults = new FaultLog(log);
            SqliteStore store = new SqliteStore(dataDir, channel, lock,
                    new Writer(() -> config(false).createConnection(url), onFatal, faults), faults);
            for (int i = 0; i < READERS; i++) {
                Statements r = new Statements(config(true).createConnection(url));
                store.allReaders.add(r);
                store.readers.add(r);
            }
            return store;
        } catch (IOException e) {
            closeQuietly(channel);
            dir.undoCreation();
            throw new StoreException("cannot open the store in " + dataDir.toAbsolutePath() + ": " + DataDirectory.reason(e), e);
        } catch (SQLException e) {
            closeQuietly(channel);
            dir.undoCreation();
            throw dir.failure(e);
        } catch (StoreException e) {
            closeQuietly(channel);
            dir.undoCreation();
            throw e;
        }
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
        if (readOnly) {
            c.setReadOnly(true);
        } else {
            c.setTransactionMode(SQLiteConfig.TransactionMode.IMMEDIATE);
        }
        return c;
    }

    private static void closeQuietly(FileChannel channel) {
        if (channel != null) {
            try {
                channel.close();
            } catch (IOException ignored) {
                // already failing; the first error is the one worth reporting
            }
        }
    }

    @FunctionalInterface
    private interface ReadWork<T> {
        T run(Statements db) throws SQLException;
    }

    private <T> T read(ReadWork<T> work) {
        if (closed) {
            throw new IllegalStateException("store is closed");
        }
        Statements db;
        try {
            db = readers.take();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StoreException("interrupted while waiting for a read connection", e);
        }
        try {
            return work.run(db);
        } catch (SQLException e) {
            throw new StoreException("read failed", e);
        } finally {
            readers.add(db);
        }
    }

    private static String key(String username) {
        return username.toLowerCase(Locale.ROOT);
    }

    @Override
    public Optional<Account> createAccount(String username, String fullName, String passwordHash, long nowMillis) {
        return writer.write(db -> {
            PreparedStatement ps = db.prepare("INSERT OR IGNORE INTO accounts"
                    + " (username, username_key, full_name, password_hash, created_at) VALUES (?, ?, ?, ?, ?)");
            ps.setString(1, username);
            ps.setString(2, key(username));
            ps.setString(3, fullName);
            ps.setString(4, passwordHash);
            ps.setLong(5, nowMillis);
            if (ps.executeUpdate() == 0) {
                return Optional.empty();
            }
            return Optional.of(new Account(lastInsertId(db), username, fullName, passwordHash));
        });
    }

    private static long lastInsertId(Statements db) throws SQLException {
        try (ResultSet rs = db.prepare("SELECT last_insert_rowid()").executeQuery()) {
            rs.next();
            return rs.getLong(1);
        }
    }

    @Override
    public Optional<Account> findAccount(String username) {
        return read(db -> {
            PreparedStatement ps = db.prepare("SELECT id, username, full_name, password_hash FROM accounts"
                    + " WHERE username_key = ? AND deleted_at IS NULL");
            ps.setString(1, key(username));
            return oneAccount(ps);
        });
    }

    @Override
    public Optional<Account> findAccount(long id) {
        return read(db -> {
            PreparedStatement ps = db.prepare("SELECT id, username, full_name, password_hash FROM accounts"
                    + " WHERE id = ? AND deleted_at IS NULL");
            ps.setLong(1, id);
            return oneAccount(ps);
        });
    }

    private static Optional<Account> oneAccount(PreparedStatement ps) throws SQLException {
        try (ResultSet rs = ps.executeQuery()) {
            if (!rs.next()) {
                return Optional.empty();
            }
            return Optional.of(new Account(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getString(4)));
        }
    }

    @Override
    public void updatePasswordHash(long accountId, String passwordHash) {
        writer.write(db -> {
            PreparedStatement ps = db.prepare("UPDATE accounts SET password_hash = ? WHERE id = ? AND deleted_at IS NULL");
            ps.setString(1, passwordHash);
            ps.setLong(2, accountId);
            return ps.executeUpdate();
        });
    }

    @Override
    public List<Account> listAccounts(String afterKey, int max, Predicate<Account> filter) {
        return Listing.matching(afterKey, max, filter, this::accountsAfter);
    }

    private List<Account> accountsAfter(String afterKey) {
        return read(db -> Listing.page(db.prepare(Listing.PAGE_SQL), afterKey));
    }

    @Override
    public DeleteOutcome deleteAccount(long accountId, long nowMillis) {
        return writer.write(db -> {
            PreparedStatement ps = db.prepare("SELECT unread FROM accounts WHERE id = ? AND deleted_at IS NULL");
            ps.setLong(1, accountId);
            long unread;
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return new DeleteOutcome.Gone();
                }
                unread = rs.getLong(1);
            }
            if (unread > 0) {
                return new DeleteOutcome.InboxNotEmpty(unread);
            }
            // The row stays (with no name or password) so messages it sent keep their sender.
            ps = db.prepare("UPDATE accounts SET deleted_at = ?, password_hash = '', full_name = '' WHERE id = ?");
            ps.setLong(1, nowMillis);
            ps.setLong(2, accountId);
            ps.executeUpdate();
            ps = db.prepare("DELETE FROM tokens WHERE account_id = ?");
            ps.setLong(1, accountId);
            ps.executeUpdate();
            return new DeleteOutcome.Deleted();
        });
    }

    @Override
    public List<byte[]> insertToken(byte[] tokenHash, long accountId, long createdAtMillis, long expiresAtMillis,
            int maxPerAccount) {
        return writer.write(db -> {
            PreparedStatement ps = db.prepare("INSERT INTO tokens (hash, account_id, created_at, expires_at) VALUES (?, ?, ?, ?)");
            ps.setBytes(1, tokenHash);
            ps.setLong(2, accountId);
            ps.setLong(3, createdAtMillis);
            ps.setLong(4, expiresAtMillis);
            ps.executeUpdate();
            ps = db.prepare(REVOKE_OLDEST_TOKENS);
            Statements.bindRevokeOldest(ps, tokenHash, accountId, maxPerAccount);
            return Statements.hashes(ps);
        });
    }

    private static final String REVOKE_OLDEST_TOKENS = Statements.revokeOldestTokens("LIMIT -1");

    @Override
    public Optional<TokenRow> findToken(byte[] tokenHash) {
        return read(db -> {
            PreparedStatement ps = db.prepare("SELECT t.account_id, t.created_at, t.expires_at FROM tokens t"
                    + " JOIN accounts a ON a.id = t.account_id WHERE t.hash = ? AND a.deleted_at IS NULL");
            ps.setBytes(1, tokenHash);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? Optional.of(new TokenRow(rs.getLong(1), rs.getLong(2), rs.getLong(3))) : Optional.empty();
            }
        });
    }

    @Override
    public void extendTokenLater(byte[] tokenHash, long expiresAtMillis) {
        writeLater(db -> {
            PreparedStatement ps = db.prepare("UPDATE tokens SET expires_at = ? WHERE hash = ? AND expires_at < ?");
            ps.setLong(1, expiresAtMillis);
            ps.setBytes(2, tokenHash);
            ps.setLong(3, expiresAtMillis);
            return ps.executeUpdate();
        }, "could not extend a token's expiry");
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
    public void deleteToken(byte[] tokenHash) {
        writer.write(db -> {
            PreparedStatement ps = db.prepare("DELETE FROM tokens WHERE hash = ?");
            ps.setBytes(1, tokenHash);
            return ps.executeUpdate();
        });
    }

    @Override
    public int deleteExpiredTokens(long nowMillis) {
        return writer.write(db -> {
            PreparedStatement ps = db.prepare("DELETE FROM tokens WHERE expires_at <= ?");
            ps.setLong(1, nowMillis);
            return ps.executeUpdate();
        });
    }

    @Override
    public SendOutcome send(long senderId, String recipient, String clientMessageId, String body, long nowMillis,
            int inboxCapacity) {
        return Writer.await(sendLater(senderId, recipient, clientMessageId, body, nowMillis, inboxCapacity));
    }

    private final Sends sends = new Sends();

    @Override
    public java.util.concurrent.CompletableFuture<SendOutcome> sendLater(long senderId, String recipient,
            String clientMessageId, String body, long nowMillis, int inboxCapacity) {
        String key = key(recipient);
        return writer.submit(db -> sends.send(db.connection(), key,
                id -> store(db, senderId, id, clientMessageId, body, nowMillis, inboxCapacity)));
    }

    private static SendOutcome store(Statements db, long senderId, long recipientId, String clientMessageId, String body,
            long nowMillis, int inboxCapacity) throws SQLException {
        // Reserve a place in the recipient's inbox (and check it is live), then store: two statements on
        // the common path. The rare paths (full, gone, a retried client id) look closer.
        PreparedStatement ps = db.prepare("UPDATE accounts SET unread = unread + 1"
                + " WHERE id = ? AND deleted_at IS NULL AND unread < ? RETURNING unread");
        ps.setLong(1, recipientId);
        ps.setLong(2, inboxCapacity);
        boolean reserved;
        try (ResultSet rs = ps.executeQuery()) {
            reserved = rs.next();
        }
        if (reserved) {
            ps = db.prepare("INSERT INTO messages (sender_id, recipient_id, pair_lo, pair_hi, client_id, body, created_at)"
                    + " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (sender_id, client_id) DO NOTHING RETURNING id");
            ps.setLong(1, senderId);
            ps.setLong(2, recipientId);
            ps.setLong(3, Math.min(senderId, recipientId));
            ps.setLong(4, Math.max(senderId, recipientId));
            ps.setString(5, clientMessageId);
            ps.setString(6, body);
            ps.setLong(7, nowMillis);
            try (ResultSet rs = ps.executeQuery()) {
                if (rs.next()) {
                    return new SendOutcome.Stored(rs.getLong(1), nowMillis, recipientId);
                }
            }
        }
        return Sends.notStored(db.connection(), senderId, recipientId, clientMessageId, body, reserved);
    }

    private final PendingAcks pendingAcks = new PendingAcks();

    @Override
    public void acknowledgeLater(long accountId, long throughId) {
        if (pendingAcks.add(accountId, throughId)) {
            writeLater(db -> pendingAcks.flush((account, through) -> acknowledge(db, account, through)),
                    "could not record acknowledgements; those messages will be delivered again");
        }
    }

    private static int acknowledge(Statements db, long account, long through) throws SQLException {
        PreparedStatement ps = db.prepare("UPDATE messages SET delivered = 1"
                + " WHERE recipient_id = ? AND delivered = 0 AND id <= ?");
        ps.setLong(1, account);
        ps.setLong(2, through);
        int n = ps.executeUpdate();
        if (n > 0) {
            ps = db.prepare("UPDATE accounts SET unread = unread - ? WHERE id = ?");
            ps.setLong(1, n);
            ps.setLong(2, account);
            ps.executeUpdate();
        }
        return n;
    }

    @Override
    public List<Response.Message> undelivered(long accountId, long afterId, int max) {
        return read(db -> {
            PreparedStatement ps = db.prepare(MessageRows.SELECT
                    + " WHERE m.recipient_id = ? AND m.delivered = 0 AND m.id > ? ORDER BY m.id LIMIT ?");
            ps.setLong(1, accountId);
            ps.setLong(2, afterId);
            ps.setInt(3, max);
            return MessageRows.read(ps);
        });
    }

    @Override
    public long undeliveredCount(long accountId) {
        return read(db -> {
            PreparedStatement ps = db.prepare("SELECT unread FROM accounts WHERE id = ?");
            ps.setLong(1, accountId);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? rs.getLong(1) : 0L;
            }
        });
    }

    @Override
    public List<Response.Message> history(long accountId, long peerId, long beforeId, int max) {
        return read(db -> {
            PreparedStatement ps = db.prepare(MessageRows.HISTORY);
            MessageRows.bindHistory(ps, accountId, peerId, beforeId, max);
            return MessageRows.read(ps);
        });
    }

    @Override
    public int purgeDeliveredBefore(long cutoffMillis) {
        return writer.write(db -> {
            PreparedStatement ps = db.prepare("DELETE FROM messages WHERE delivered = 1 AND created_at < ?");
            ps.setLong(1, cutoffMillis);
            return ps.executeUpdate();
        });
    }

    /** Finishes queued writes, then closes every connection and releases the data directory. */
    @Override
    public void close() {
        if (closed) {
            return;
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
            lock.release();
            lockChannel.close();
        } catch (IOException e) {
            log.warn("releasing the data directory lock failed", e);
        }
    }
}
