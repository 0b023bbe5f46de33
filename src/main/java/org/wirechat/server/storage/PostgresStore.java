package org.wirechat.server.storage;

import java.io.IOException;
import java.nio.file.Path;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.wirechat.server.core.port.Account;
import org.wirechat.server.core.port.Cluster;
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

/**
 * The store for several servers sharing one PostgreSQL database. Every change is one transaction,
 * committed (and so flushed to PostgreSQL's WAL, with the server's default {@code synchronous_commit})
 * before the method returns. Transactions run at READ COMMITTED; the ordering guarantees come from row
 * locks: a SEND locks its recipient's account row before it takes a message id, so one recipient's
 * messages commit in id order, and a delete locks the account row before it checks the inbox.
 *
 * <p>Other servers learn of new mail, revoked tokens and deleted accounts through {@code NOTIFY} on
 * {@link #CHANNEL}, sent in the same transaction as the change (so only once it commits) and heard by the store's
 * {@link #cluster()} ({@link PostgresPeers}), which also keeps presence and the shared login failures over the same
 * database. A notification is only a hint: the tables stay the truth.
 */
public final class PostgresStore implements Storage {
    private static final Logger log = LoggerFactory.getLogger(PostgresStore.class);
    /** The channel of the servers' notifications ({@link MailNotice} and the others: {@link PostgresPeers}). */
    static final String CHANNEL = "wirechat";

    /** The pool and how work runs on it, shared with {@link #peers}. */
    private final PostgresDatabase db;
    private final ExecutorService background = Executors.newVirtualThreadPerTaskExecutor();
    /** This server's name in the {@code nodes} table, new at every start. */
    private final String nodeId = UUID.randomUUID().toString();
    private final AtomicBoolean closing = new AtomicBoolean();
    /** The servers sharing the database: the cluster that goes with this store, fed this store's caches. */
    private final PostgresPeers peers;

    /**
     * Group commit for SENDs: one writer thread, on a pooled connection of its own, runs every waiting
     * SEND in one transaction and commits once (one WAL flush for the batch), as the SQLite store does.
     */
    private final Writer writer;

    private PostgresStore(PostgresDatabase db, Consumer<Throwable> onFatal, SendDecisions rules) throws SQLException {
        this.db = db;
        this.writer = new Writer(db::connection, onFatal, db.faults());
        this.peers = new PostgresPeers(db, nodeId, inboxes, singleDevices);
        this.sends = new PostgresSends(writer, CHANNEL, nodeId, inboxes, singleDevices,
                id -> Map.copyOf(pendingAcks(id)),
                (account, device, through) -> knownMarks.merge(markKey(account, device), through, Math::max), rules);
    }

    /** SENDs, stored by the writer a batch at a time. */
    private final PostgresSends sends;

    /**
     * Connects (a pool of {@link PostgresTarget#poolSize()} connections) and migrates the schema; SENDs and
     * acknowledgements are decided by the core's {@code rules}.
     *
     * @throws StoreException the database cannot be reached or used
     */
    public static PostgresStore open(SendDecisions rules, PostgresTarget settings, Consumer<Throwable> onFatal) {
        return open(rules, settings, onFatal, StorageIo.REAL);
    }

    /** The same, writing through {@code io} (tests inject faults there). */
    public static PostgresStore open(SendDecisions rules, PostgresTarget settings, Consumer<Throwable> onFatal, StorageIo io) {
        PostgresDatabase db = PostgresDatabase.open(settings, io, new FaultLog(log));
        PostgresStore store;
        try {
            store = new PostgresStore(db, onFatal, rules);
        } catch (SQLException e) {
            db.close();
            throw new StoreException("cannot prepare the PostgreSQL database at " + settings.where() + ": " + e.getMessage(), e);
        }
        try {
            store.peers.start();
        } catch (RuntimeException e) { // the first heartbeat failed: nothing is left running
            store.close();
            throw e;
        }
        return store;
    }

    /**
     * The servers sharing this database, as the boot code hands them to the server ({@code Stores}): this
     * server's heartbeat and presence, the shared login failures, and the others' notifications.
     */
    public Cluster cluster() {
        return peers;
    }

    @Override
    public String describe() {
        return "PostgreSQL at " + db.settings().where();
    }

    /** Several servers may serve the same accounts from this database (its {@link #cluster()} says the same). */
    @Override
    public boolean shared() {
        return true;
    }

    @Override
    public Optional<StorageFault> storageFault() {
        return db.faults().current();
    }

    /**
     * The database is shared by every server and lives outside them: it is backed up, consistently while
     * they serve, by PostgreSQL's own tools, which do it better than a copy through one server could.
     */
    @Override
    public String backup(Path dest) throws IOException {
        throw new IOException("the data are in PostgreSQL (" + describe() + "): back them up with pg_dump or"
                + " pg_basebackup, which copy them consistently while the servers run (docs/operations.md); nothing was copied");
    }

    /** The database answers; its own integrity is PostgreSQL's (amcheck, page checksums), and its backups pg_dump's. */
    @Override
    public String check() {
        String why = notReady();
        if (why != null) {
            throw new StoreException(why, null);
        }
        return "the database answers (" + describe() + "); back it up and check it with PostgreSQL's own tools"
                + " (pg_dump, pg_basebackup, amcheck): see docs/deployment.md";
    }

    @Override
    public String notReady() {
        String fault = Storage.super.notReady();
        if (fault != null) {
            return fault;
        }
        String deaf = peers.notListening();
        return deaf != null ? deaf : db.unreachable();
    }

    private static void notify(Sql c, String payload) throws SQLException {
        c.exists("SELECT pg_notify('" + CHANNEL + "', ?)", Sql.values(payload));
    }

    // --- accounts ---

    @Override
    public Optional<Account> create(String username, String fullName, String passwordHash, long nowMillis) {
        return db.one(c -> c.first("WITH a AS (INSERT INTO accounts"
                + " (username, username_key, full_name, password_hash, created_at) VALUES (?, ?, ?, ?, ?)"
                + " ON CONFLICT (username_key) WHERE deleted_at IS NULL DO NOTHING RETURNING id),"
                + " f AS (INSERT INTO inbox_floors (account_id) SELECT id FROM a) SELECT id FROM a",
                Sql.values(username, AccountRows.key(username), fullName, passwordHash, nowMillis),
                rs -> AccountRows.created(rs.getLong(1), username, fullName, passwordHash)));
    }

    @Override
    public Optional<Account> find(String username) {
        return db.read(c -> AccountRows.find(c, username));
    }

    @Override
    public Optional<Account> find(long id) {
        return db.read(c -> AccountRows.find(c, id));
    }

    @Override
    public void updatePasswordHash(long accountId, String passwordHash) {
        db.one(c -> AccountRows.updatePassword(c, accountId, passwordHash));
    }

    @Override
    public OptionalInt changePassword(long accountId, String passwordHash, byte[] keepToken) {
        return db.tx(c -> {
            OptionalInt deleted = AccountRows.changePassword(c, accountId, passwordHash, keepToken);
            if (deleted.orElse(0) > 0) {
                notify(c, "a:" + accountId); // the other servers forget the account's tokens once this commits
            }
            return deleted;
        });
    }

    @Override
    public boolean setFullName(long accountId, String fullName) {
        return db.one(c -> AccountRows.setFullName(c, accountId, fullName));
    }

    @Override
    public List<Account> page(String after, int max) {
        return db.read(c -> AccountRows.page(c, after, max));
    }

    @Override
    public Deletion deleteIfNothingWaits(long accountId, String device, long nowMillis, Departures departures) {
        return delete(accountId, Objects.requireNonNull(device, "device"), nowMillis, departures);
    }

    @Override
    public Deletion deleteIfNothingWaits(long accountId, long nowMillis, Departures departures) {
        return delete(accountId, null, nowMillis, departures);
    }

    /** The deletion, refused while messages wait for {@code device}, or with it null for the floor (every device holding them). */
    private Deletion delete(long accountId, String device, long nowMillis, Departures departures) {
        CompletableFuture<Void> acking = acknowledging.get(accountId);
        if (acking != null) {
            acking.join(); // what was fetched and acknowledged is no longer waiting (never fails: see acknowledgeLater)
        }
        // A transaction of its own, locking only the account's row: it cannot deadlock with a batch of
        // SENDs (which lock their recipients' rows in id order), and a batch storing a message to this
        // account holds the row until it commits, so the count read here includes it.
        return db.tx(c -> {
            // its groups' rows first, as every transaction takes them: it leaves them below
            lock(c, "SELECT g.id FROM groups g JOIN group_members gm ON gm.group_id = g.id"
                    + " WHERE gm.account_id = ? AND gm.left_after IS NULL AND g.ended_at IS NULL ORDER BY g.id FOR UPDATE OF g", accountId);
            Optional<Long> unread = c.first("SELECT a.received - greatest(f.acked, COALESCE(k.acked, 0))"
                    + " FROM accounts a JOIN inbox_floors f ON f.account_id = a.id"
                    + " LEFT JOIN inbox_marks k ON k.account_id = a.id AND k.device = ?"
                    + " WHERE a.id = ? AND a.deleted_at IS NULL FOR UPDATE OF a, f",
                    // no device (no id holds a space): the floor alone
                    Sql.values(device == null ? " " : device, accountId), rs -> rs.getLong(1));
            if (unread.isEmpty()) {
                return new Deletion.Gone();
            }
            if (unread.get() > 0) {
                return new Deletion.Waiting(unread.get());
            }
            AccountRows.markDeleted(c, accountId, nowMillis); // its row is locked above
            c.update(TokenRows.DELETE_OF, Sql.values(accountId));
            GroupRows.leaveAll(c, accountId, new GroupRows(c, " FOR UPDATE", () -> nextId(c)), nowMillis, departures);
            notify(c, "a:" + accountId);
            return new Deletion.Deleted();
        });
    }

    // --- tokens ---

    @Override
    public List<byte[]> insert(byte[] hash, long accountId, String device, long createdAtMillis, long expiresAtMillis,
            int maxPerAccount) {
        return db.tx(c -> {
            // the account's row is locked first, so logins racing on several servers count each other's tokens
            lock(c, "SELECT id FROM accounts WHERE id = ? FOR UPDATE", accountId);
            TokenRows.insert(c, hash, accountId, device, createdAtMillis, expiresAtMillis);
            List<byte[]> revoked = TokenRows.revokeOldest(c, REVOKE_OLDEST_TOKENS, hash, accountId, maxPerAccount);
            for (byte[] r : revoked) { // the other servers forget them when this commits
                notify(c, "t:" + HexFormat.of().formatHex(r));
            }
            return revoked;
        });
    }

    private static final String REVOKE_OLDEST_TOKENS = TokenRows.revokeOldest("LIMIT ALL");

    /** Runs a query that locks rows ({@code FOR UPDATE}) and reads none of them. */
    private static void lock(Sql c, String query, long id) throws SQLException {
        c.each(query, Sql.values(id), rs -> { });
    }

    @Override
    public Optional<TokenRow> find(byte[] hash) {
        return db.read(c -> TokenRows.find(c, hash)); // a read: a lost connection is a storage fault, never in doubt
    }

    @Override
    public void extendLater(byte[] hash, long expiresAtMillis) {
        background.execute(() -> {
            try {
                db.one(c -> TokenRows.extend(c, hash, expiresAtMillis));
            } catch (StorageUnavailableException e) {
                // logged once by the fault log; the token keeps its stored expiry
            } catch (RuntimeException e) {
                log.warn("could not extend a token's expiry", e);
            }
        });
    }

    @Override
    public void delete(byte[] hash) {
        // one statement, so the notification goes out exactly when the delete commits
        deleteNotifying(TokenRows.DELETE, hash, "t:" + HexFormat.of().formatHex(hash));
    }

    @Override
    public boolean setDisabled(long accountId, long nowMillis) {
        return db.one(c -> AccountRows.setDisabled(c, accountId, nowMillis));
    }

    @Override
    public int deleteOf(long accountId) {
        // one statement: the other servers forget the account's tokens when the delete commits
        return deleteNotifying(TokenRows.DELETE_OF, accountId, "a:" + accountId);
    }

    /** Runs a delete and the notification of it as one statement; returns how many rows it deleted. */
    private int deleteNotifying(String delete, Object key, String notice) {
        return db.one(c -> (int) c.number("WITH d AS (" + delete + " RETURNING 1)"
                + " SELECT (SELECT count(*) FROM d), pg_notify('" + CHANNEL + "', ?)", Sql.values(key, notice)));
    }

    @Override
    public int deleteExpired(long nowMillis) {
        return db.one(c -> c.update(TokenRows.DELETE_EXPIRED, Sql.values(nowMillis)));
    }

    // --- messages ---

    @Override
    public SendOutcome send(long senderId, String recipient, String clientMessageId, String body, long nowMillis,
            int inboxCapacity) {
        return Writer.await(sendLater(senderId, recipient, clientMessageId, body, nowMillis, inboxCapacity));
    }

    /** Runs {@code meanwhile} while the writer is held: the SENDs it queues are stored as one batch (tests). */
    void whileWriterHeld(Runnable meanwhile) {
        CompletableFuture<Void> paused = new CompletableFuture<>();
        CompletableFuture<Void> resume = new CompletableFuture<>();
        writer.submit(db -> {
            paused.complete(null);
            return resume.join();
        });
        paused.join();
        try {
            meanwhile.run();
        } finally {
            resume.complete(null);
        }
    }

    /**
     * Queued for the writer, which stores every SEND waiting when it gets to them in a few statements over
     * arrays ({@link PostgresSends}); completes once the batch has committed.
     */
    @Override
    public CompletableFuture<SendOutcome> sendLater(long senderId, String device, String recipient, String clientMessageId,
            String body, long nowMillis, int inboxCapacity) {
        return sends.send(senderId, device, AccountRows.key(recipient), clientMessageId, body, nowMillis, inboxCapacity);
    }

    /**
     * Queued for the writer's next batch, which locks the device's mark row and the account's floor row in
     * order with its recipients' rows, moves the marks of all its acknowledgements in one statement and the
     * floors in another ({@link PostgresSends#acknowledge}); a failure means redelivery, never loss. What it
     * covers is hidden from the device at once ({@link #acknowledgedAhead}); an account deletion waits for
     * it ({@link #acknowledging}).
     */
    @Override
    public void acknowledgeLater(long accountId, String device, long throughId, long nowMillis) {
        acknowledgedAhead.compute(accountId, (k, m) -> {
            Map<String, Long> devices = m == null ? new ConcurrentHashMap<>() : m;
            devices.merge(device, throughId, Math::max);
            return devices;
        });
        CompletableFuture<Void> done = sends.acknowledge(accountId, device, throughId, nowMillis).exceptionally(e -> {
            Throwable cause = e instanceof CompletionException ? e.getCause() : e;
            if (!(cause instanceof StorageUnavailableException) && !db.refusing()) {
                log.warn("could not record acknowledgements; those messages will be delivered again", cause);
            }
            return null;
        });
        acknowledging.put(accountId, done);
        done.whenComplete((x, e) -> {
            acknowledgedAhead.computeIfPresent(accountId, (k, m) -> { // unless a later one came
                m.remove(device, throughId);
                return m.isEmpty() ? null : m;
            });
            acknowledging.remove(accountId, done);
        });
    }

    /** Per account, the newest acknowledgement still being recorded. */
    private final ConcurrentHashMap<Long, CompletableFuture<Void>> acknowledging =
            new ConcurrentHashMap<>();

    /**
     * Per account, then device, the highest id acknowledged on this server but perhaps not committed yet:
     * what it covers is no longer shown to that device or counted for it here, as the protocol says of an
     * acknowledgement (FETCH marks first, then answers), although the writer has yet to commit it.
     */
    private final ConcurrentHashMap<Long, Map<String, Long>> acknowledgedAhead =
            new ConcurrentHashMap<>();

    /**
     * The account's devices' acknowledgements on their way, by device (read as they change; an account's map
     * is made and dropped only inside {@code compute}, so none is dropped while one is being added).
     */
    private Map<String, Long> pendingAcks(long accountId) {
        Map<String, Long> m = acknowledgedAhead.get(accountId);
        return m == null ? Map.of() : m;
    }

    /**
     * Per account and device, its mark as this server last saw it (committed by this server's batches, or
     * read): a cached inbox holds what some device of the account still lacks, so each device's reads
     * start above its own mark. A mark moved through another server is not seen here: a FETCH here may
     * show a message again that the device acknowledged there (clients drop duplicates by id), never miss one.
     */
    private final ConcurrentHashMap<String, Long> knownMarks = new ConcurrentHashMap<>();

    private static String markKey(long accountId, String device) {
        return accountId + "\u0000" + device;
    }

    private long ahead(long accountId, String device) {
        return pendingAcks(accountId).getOrDefault(device, 0L);
    }

    /** Waits until the account's acknowledgements answered by this server are committed (or refused). */
    private void awaitAcknowledgements(long accountId) {
        CompletableFuture<Void> f = acknowledging.get(accountId); // the newest: batches commit in order
        if (f != null) {
            f.join(); // never fails: see acknowledgeLater
        }
    }

    /**
     * Before a read for a device that starts at the account's floor — one with no mark known here and no
     * acknowledgement of its own on its way (the default device before its first) — while another device's
     * acknowledgement is on its way: waits for it, so that the floor read is past it.
     */
    private void settleOthers(long accountId, String device) {
        Map<String, Long> pending = pendingAcks(accountId);
        if (!pending.isEmpty() && !pending.containsKey(device) && !knownMarks.containsKey(markKey(accountId, device))) {
            awaitAcknowledgements(accountId);
        }
    }

    /** The inboxes this server's FETCHes read, in memory (see {@link CachedInboxes}). */
    private final CachedInboxes inboxes = new CachedInboxes();
    /** Accounts known to have one device only (see {@link SingleDevices}). */
    private final SingleDevices singleDevices = new SingleDevices();

    /**
     * One device's undelivered messages above a floor (the greater of the id asked, the account's floor
     * and the device's mark), with the account's newest message id and that floor from the same snapshot
     * (one row with no message when there is none): its direct messages, and its groups' within each of its
     * membership intervals but for its own (docs/storage_design.md), each interval one index range (see
     * {@link PostgresInbox}), and the copies of the account's own messages sent from any of its devices
     * (the caller leaves out the device's own: the read is cached for every device), with the device each
     * came from. Parameters: after id, device, after id, limit, after id, limit, limit, after id, limit, account.
     */
    private static final String INBOX = """
            SELECT a.last_message_id, greatest(?, f.through, COALESCE(k.acked_through, 0)), x.id, x.username, x.recipient,
              x.created_at, x.body, COALESCE(k.acked_through, 0), x.from_device
            FROM accounts a JOIN inbox_floors f ON f.account_id = a.id
            LEFT JOIN inbox_marks k ON k.account_id = a.id AND k.device = ?
            LEFT JOIN LATERAL (
              (SELECT m.id, s.username, a.username AS recipient, m.created_at, m.body, NULL AS from_device
               FROM messages m JOIN accounts s ON s.id = m.sender_id
               WHERE m.recipient_id = a.id AND m.id > greatest(?, f.through, COALESCE(k.acked_through, 0)) ORDER BY m.id LIMIT ?)
              UNION ALL
              (SELECT y.id, y.username, g.name, y.created_at, y.body, NULL FROM group_members gm JOIN groups g ON g.id = gm.group_id
               CROSS JOIN LATERAL (SELECT m.id, s.username, m.created_at, m.body FROM messages m JOIN accounts s ON s.id = m.sender_id
                 WHERE m.recipient_id = -gm.group_id AND m.id > greatest(?, f.through, COALESCE(k.acked_through, 0), gm.joined_after)
                 AND (gm.left_after IS NULL OR m.id <= gm.left_after) AND m.sender_id <> a.id ORDER BY m.id LIMIT ?) y
               WHERE gm.account_id = a.id ORDER BY y.id LIMIT ?)
              UNION ALL
              (SELECT m.id, a.username, COALESCE(r.username, g.name), m.created_at, m.body, m.from_device FROM messages m
               LEFT JOIN accounts r ON r.id = m.recipient_id LEFT JOIN groups g ON g.id = -m.recipient_id
               WHERE m.sender_id = a.id AND m.from_device IS NOT NULL AND m.id > greatest(?, f.through, COALESCE(k.acked_through, 0))
               ORDER BY m.id LIMIT ?)) x ON TRUE
            WHERE a.id = ? ORDER BY x.id
            """;

    /**
     * Served from memory when this server holds the whole inbox above where the device starts and knows the
     * device's mark; otherwise read, and the read kept when it found the whole inbox (it was not cut short by
     * its limit). A device with no mark known here (the default device before its first acknowledgement, a
     * device new to this server) always reads: where it starts is fixed by what it is handed then, and the
     * memory may lack, for the milliseconds its notification takes, a message another server stored — one
     * that must not then be passed by the floor.
     */
    @Override
    public List<StoredMessage> undelivered(long accountId, String device, long afterId, int max) {
        settleOthers(accountId, device);
        Long mark = knownMarks.get(markKey(accountId, device));
        long after = Math.max(Math.max(afterId, ahead(accountId, device)), mark == null ? 0L : mark);
        List<StoredMessage> held = mark == null ? null : inboxes.read(accountId, device, after, max);
        if (held != null) {
            return held;
        }
        CachedInboxes.Ticket ticket = inboxes.ticket(accountId);
        int limit = Math.max(max, READ_AHEAD);
        return db.read(c -> {
            List<StoredMessage> found = new ArrayList<>();
            Map<Long, String> copies = new HashMap<>(0);
            List<StoredMessage> mine = new ArrayList<>();
            long[] throughAndFloor = {-1, after};
            c.each(INBOX, Sql.values(after, device, after, limit, after, limit, limit, after, limit, accountId), rs -> {
                throughAndFloor[0] = rs.getLong(1);
                throughAndFloor[1] = rs.getLong(2);
                if (rs.getLong(8) > 0) {
                    knownMarks.merge(markKey(accountId, device), rs.getLong(8), Math::max);
                }
                long id = rs.getLong(3);
                if (!rs.wasNull()) {
                    StoredMessage m = new StoredMessage(id, rs.getString(4), rs.getString(5), rs.getLong(6), rs.getString(7));
                    found.add(m);
                    String from = rs.getString(9);
                    if (from != null) {
                        copies.put(id, from);
                    }
                    if (!device.equals(from)) { // never its own message back
                        mine.add(m);
                    }
                }
            });
            if (throughAndFloor[0] >= 0 && found.size() < limit) {
                inboxes.install(accountId, ticket, throughAndFloor[1], throughAndFloor[0], found, copies);
            }
            return mine.size() > max ? List.copyOf(mine.subList(0, max)) : mine;
        });
    }

    /** A read of an inbox asks at least this many messages, so that a small FETCH can still find it whole. */
    private static final int READ_AHEAD = 64;

    /** Messages the device has not received: above its mark and the account's floor (and what it acknowledged ahead). */
    @Override
    public long unread(long accountId, String device) {
        settleOthers(accountId, device);
        long ahead = ahead(accountId, device);
        if (ahead > 0) { // an acknowledgement on its way: count what it leaves
            return db.read(c -> c.number("SELECT " + PostgresInbox.count("b.account", "b.after", "b.through")
                    + " FROM (SELECT ?::bigint AS account, greatest(?, (SELECT through FROM inbox_floors WHERE account_id = ?),"
                    + " (SELECT COALESCE(max(acked_through), 0) FROM inbox_marks WHERE account_id = ? AND device = ?)) AS after,"
                    + " " + Long.MAX_VALUE + " AS through) b", Sql.values(accountId, ahead, accountId, accountId, device)));
        }
        return db.read(c -> c.number("SELECT a.received - greatest(f.acked, COALESCE(k.acked, 0))"
                + " FROM accounts a JOIN inbox_floors f ON f.account_id = a.id"
                + " LEFT JOIN inbox_marks k ON k.account_id = a.id AND k.device = ? WHERE a.id = ?", Sql.values(device, accountId)));
    }

    /** Messages above the account's floor: some device holding them has not received them. */
    @Override
    public long undeliveredCount(long accountId) {
        return db.read(c -> c.number("SELECT a.received - f.acked FROM accounts a JOIN inbox_floors f ON f.account_id = a.id WHERE a.id = ?",
                Sql.values(accountId)));
    }

    /**
     * When this server last saw each device (account and device): what LIST_DEVICES says, with the database's
     * time, which is written only every half horizon (another server's recent sight may be that old).
     */
    private final ConcurrentHashMap<String, Long> lastSeen = new ConcurrentHashMap<>();

    /** When this server last wrote each device's activity (account and device), so that a FETCH writes it rarely. */
    private final ConcurrentHashMap<String, Long> seenWritten = new ConcurrentHashMap<>();
    private volatile long horizonMillis = Duration.ofDays(30).toMillis();

    /**
     * Writes the device's activity when this server has not for half a horizon (its own transaction: it
     * locks only the device's mark row), and moves a device back after the horizon up to the floor.
     */
    @Override
    public void seen(long accountId, String device, long nowMillis) {
        String key = markKey(accountId, device);
        lastSeen.merge(key, nowMillis, Math::max);
        Long last = seenWritten.get(key);
        if (last != null && nowMillis - last < horizonMillis / 2) {
            return;
        }
        seenWritten.put(key, nowMillis);
        db.one(c -> c.update("UPDATE inbox_marks k SET active_at = greatest(k.active_at, ?),"
                + " acked_through = greatest(k.acked_through, f.through), acked = greatest(k.acked, f.acked)"
                + " FROM inbox_floors f WHERE f.account_id = k.account_id AND k.account_id = ? AND k.device = ?",
                Sql.values(nowMillis, accountId, device)));
    }

    /**
     * A mark row for the device, at the account's floor, unless it has one (its own transaction) — made once
     * the account's acknowledgements this server has answered are committed, so that a new device never
     * starts below what every other device acknowledged before it logged in.
     */
    @Override
    public void register(long accountId, String device, long nowMillis) {
        awaitAcknowledgements(accountId);
        // a new device: every server learns that the account's SENDs may now be copied (SingleDevices)
        boolean made = db.one(c -> c.exists("WITH m AS (INSERT INTO inbox_marks (account_id, device, acked_through,"
                + " acked, active_at) SELECT f.account_id, ?, f.through, f.acked, ? FROM inbox_floors f WHERE f.account_id = ?"
                + " ON CONFLICT (account_id, device) DO NOTHING RETURNING account_id)"
                + " SELECT pg_notify('" + CHANNEL + "', 'd:' || account_id) FROM m", Sql.values(device, nowMillis, accountId)));
        if (made) {
            singleDevices.changed(accountId);
        }
    }

    /** The account's messages delivered while the device was away past the horizon: the floor's count less its mark's. */
    @Override
    public long missed(long accountId, String device) {
        return db.read(c -> Math.max(0, c.number("SELECT f.acked - k.acked FROM inbox_floors f JOIN inbox_marks k"
                + " ON k.account_id = f.account_id AND k.device = ? WHERE f.account_id = ? AND k.acked_through < f.through",
                Sql.values(device, accountId))));
    }

    /**
     * The account's devices with a mark; the account's acknowledgements this server answered are committed
     * first, so a device whose first acknowledgement (the default device's) was answered is listed.
     */
    @Override
    public List<DeviceSeen> devices(long accountId) {
        awaitAcknowledgements(accountId);
        return db.read(c -> c.list("SELECT device, active_at FROM inbox_marks WHERE account_id = ?", Sql.values(accountId), rs -> {
            String device = rs.getString(1);
            return new DeviceSeen(device, Math.max(rs.getLong(2), lastSeen.getOrDefault(markKey(accountId, device), 0L)));
        }));
    }

    @Override
    public void deviceHorizon(Duration horizon) {
        horizonMillis = horizon.toMillis();
        sends.horizon(horizon);
    }

    /**
     * One probe of the inbox index above the recipient's mark (and above an acknowledgement of it this
     * server has answered but not yet committed).
     */
    @Override
    public long oldestWaiting(long recipientId, long senderId) {
        long ahead = pendingAcks(recipientId).values().stream().mapToLong(Long::longValue).max().orElse(0);
        // acknowledged by at least one device: above the highest mark
        return db.read(c -> c.number("SELECT COALESCE(min(m.id), 0) FROM messages m JOIN inbox_floors f ON f.account_id = m.recipient_id"
                + " WHERE m.recipient_id = ? AND m.id > greatest(f.through, ?,"
                + " (SELECT COALESCE(max(k.acked_through), 0) FROM inbox_marks k WHERE k.account_id = m.recipient_id))"
                + " AND m.sender_id = ?", Sql.values(recipientId, ahead, senderId)));
    }

    @Override
    public boolean setReceipts(long accountId, boolean on) {
        return db.one(c -> AccountRows.setReceipts(c, accountId, on));
    }

    @Override
    public List<StoredMessage> history(long accountId, long peerId, long beforeId, int max) {
        return db.read(c -> MessageRows.history(c, MessageRows.HISTORY, accountId, peerId, beforeId, max));
    }

    /**
     * Direct messages below their recipient's floor, and group messages every live account they reached has
     * received (its floor is past them), stored before the cutoff; one copied to its sender's other devices
     * once they have it too.
     */
    @Override
    public int purgeDeliveredBefore(long cutoffMillis) {
        return db.one(c -> c.update("DELETE FROM messages m USING inbox_floors f"
                + " WHERE m.created_at < ? AND f.account_id = m.recipient_id AND m.id <= f.through" + COPIES_RECEIVED,
                Sql.values(cutoffMillis))
                + c.update("""
                        DELETE FROM messages m WHERE m.recipient_id < 0 AND m.created_at < ? AND NOT EXISTS (
                          SELECT 1 FROM group_members gm JOIN accounts a ON a.id = gm.account_id AND a.deleted_at IS NULL
                          JOIN inbox_floors f ON f.account_id = gm.account_id
                          WHERE gm.group_id = -m.recipient_id AND gm.account_id <> m.sender_id AND m.id > gm.joined_after
                            AND (gm.left_after IS NULL OR m.id <= gm.left_after) AND f.through < m.id)""" + COPIES_RECEIVED,
                        Sql.values(cutoffMillis)));
    }

    /**
     * A purge's condition that a message copied to its sender's other devices has reached them (the live
     * sender's floor is past it), or the sender is gone.
     */
    private static final String COPIES_RECEIVED = MessageRows.copiesReceived("m");

    // --- groups ---

    /**
     * One transaction: the group's row locked for update (a batch of SENDs to it share-locks it, so the change
     * waits for batches under way and later ones wait for it), and the bound of a membership change a fresh
     * id from the messages' sequence — above every id a batch committed before took, below every one a
     * batch after will take. A rename tells every server to forget its members' cached inboxes (they show
     * the group's name).
     */
    @Override
    public <T> T change(Function<GroupTx, T> work) {
        List<Long> renamedFor = new ArrayList<>();
        T done = db.tx(c -> {
            renamedFor.clear(); // a transaction retried starts again
            GroupRows rows = new GroupRows(c, " FOR UPDATE", () -> nextId(c));
            T outcome = rows.run(work);
            for (long group : rows.renamed()) {
                for (long account : c.list("SELECT DISTINCT account_id FROM group_members WHERE group_id = ?", Sql.values(group),
                        rs -> rs.getLong(1))) { // every account that was ever a member: the group's messages may wait for any
                    renamedFor.add(account);
                    notify(c, MailNotice.hint(account, nodeId));
                }
            }
            return outcome;
        });
        renamedFor.forEach(inboxes::changedElsewhere); // after the commit: a read now sees the new name
        return done;
    }

    /** A fresh id from the messages' sequence: the bound of a membership change (see {@link #change}). */
    private static long nextId(Sql c) {
        try {
            return c.number("SELECT nextval('messages_id_seq')", Sql.NONE);
        } catch (SQLException e) {
            throw new SqlFailure(e); // out of GroupTx.boundary(), back to SQLException in GroupRows.run
        }
    }

    /** One statement: the members then (their intervals hold the id), live, sharing receipts, and whose marks or floor reach it. */
    @Override
    public Optional<long[]> groupReceipts(long groupId, long senderId, long messageId) {
        return db.read(c -> c.first("""
                    SELECT EXISTS (SELECT 1 FROM messages WHERE id = ? AND sender_id = ? AND recipient_id = ?),
                      count(DISTINCT gm.account_id),
                      count(DISTINCT gm.account_id) FILTER (WHERE greatest(f.through,
                        (SELECT COALESCE(max(k.acked_through), 0) FROM inbox_marks k WHERE k.account_id = gm.account_id)) >= ?)
                    FROM group_members gm JOIN accounts a ON a.id = gm.account_id AND a.deleted_at IS NULL AND a.receipts
                    JOIN inbox_floors f ON f.account_id = gm.account_id
                    WHERE gm.group_id = ? AND gm.account_id <> ? AND ? > gm.joined_after AND (gm.left_after IS NULL OR ? <= gm.left_after)
                    """, Sql.values(messageId, senderId, GroupRows.conversation(groupId), messageId, groupId, senderId, messageId, messageId),
                rs -> rs.getBoolean(1) ? new long[] {rs.getLong(2), rs.getLong(3)} : null));
    }

    @Override
    public List<GroupInfo> groupsOf(long accountId) {
        return db.read(c -> GroupRows.groupsOf(c, accountId));
    }

    @Override
    public Optional<GroupInfo> findGroup(String name) {
        return db.read(c -> GroupRows.find(c, name));
    }

    @Override
    public List<GroupMembership> memberships(long accountId) {
        return db.read(c -> GroupRows.memberships(c, accountId));
    }

    /** The GIN index of the bodies' words (every message is in the table once its SEND is answered). */
    @Override
    public List<StoredMessage> search(SearchQuery query, SearchScope scope, long beforeId, int max) {
        return db.read(c -> SearchRows.search(c, SearchRows.POSTGRES, SearchRows.tsquery(query), scope, beforeId, max));
    }

    @Override
    public List<StoredMessage> groupHistory(long groupId, long beforeId, int max) {
        long conversation = GroupRows.conversation(groupId);
        return db.read(c -> MessageRows.history(c, GroupRows.HISTORY, conversation, conversation, beforeId, max));
    }

    // --- notifications from the other servers ---

    /** The messages waiting, from the accounts' received and acknowledged counts: one scan of each table a metrics scrape. */
    @Override
    public OptionalLong undeliveredTotal() {
        return OptionalLong.of(db.read(c -> c.number("SELECT COALESCE(sum(a.received - f.acked), 0)"
                + " FROM accounts a JOIN inbox_floors f ON f.account_id = a.id", Sql.NONE)));
    }

    /** The writer's group commits: transactions, the SENDs, acknowledgements and deletions in them, their time. */
    @Override
    public Optional<CommitStats> commitStats() {
        return Optional.of(writer.totals());
    }

    @Override
    public void close() {
        if (!closing.compareAndSet(false, true)) {
            return;
        }
        peers.stopBeating();
        writer.close(); // commits the SENDs already queued
        // this server's presence goes with its row (a killed server's goes when it falls silent); the store refuses
        // work from then on, before the listener stops
        peers.close(db::refuse);
        background.shutdown();
        try {
            background.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        db.close();
    }
}
