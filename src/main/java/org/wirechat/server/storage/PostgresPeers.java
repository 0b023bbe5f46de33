package org.wirechat.server.storage;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;
import org.postgresql.PGConnection;
import org.postgresql.PGNotification;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.wirechat.server.core.port.Cluster;
import org.wirechat.server.core.port.LiveNotice;
import org.wirechat.server.core.port.LoginFailures;
import org.wirechat.server.core.port.StoredMessage;

/**
 * The servers sharing one PostgreSQL database, as this one sees them (the {@link Cluster} that goes with a
 * {@link PostgresStore}): this server's row in {@code nodes}, renewed by a heartbeat; who is online here
 * ({@code presence}); the failed logins and the addresses accounts logged in from, shared by all; and one
 * listening connection of its own (outside the pool) that hears the others' {@code NOTIFY}s on
 * {@link PostgresStore#CHANNEL}. The store gives it the database, this server's node id and the caches a
 * notification updates ({@link CachedInboxes}, {@link SingleDevices}); it makes no chat decision. A notification
 * is only a hint: the tables stay the truth.
 */
final class PostgresPeers implements Cluster {
    private static final Logger log = LoggerFactory.getLogger(PostgresPeers.class);
    /** How often a server says it is alive, and how long after its last word the others stop believing it. */
    static final long HEARTBEAT_MILLIS = 5_000;
    static final long NODE_TIMEOUT_MILLIS = 20_000;
    /** The database's clock in ms, so that the servers' clocks need not agree for presence. */
    private static final String DB_NOW = "(EXTRACT(EPOCH FROM clock_timestamp()) * 1000)::BIGINT";
    /** How long {@link #listen} waits for the first {@code LISTEN} before the server goes on without it. */
    private static final Duration FIRST_LISTEN_WAIT = Duration.ofSeconds(10);

    private final PostgresDatabase db;
    /** This server's name in the {@code nodes} table, new at every start. */
    private final String nodeId;
    /** The store's inboxes in memory, which the others' new mail updates (or makes forget). */
    private final CachedInboxes inboxes;
    /** The store's accounts known to have one device, which the others' new devices change. */
    private final SingleDevices singleDevices;
    private final ScheduledExecutorService heartbeat =
            Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().name("postgresql-heartbeat").daemon(true).factory());
    private volatile boolean closed;
    private volatile Thread listener;
    private volatile Connection listening;

    PostgresPeers(PostgresDatabase db, String nodeId, CachedInboxes inboxes, SingleDevices singleDevices) {
        this.db = db;
        this.nodeId = nodeId;
        this.inboxes = inboxes;
        this.singleDevices = singleDevices;
    }

    /** Says this server is alive now, and then every {@link #HEARTBEAT_MILLIS} until closed. */
    void start() {
        beat();
        heartbeat.scheduleWithFixedDelay(() -> {
            try {
                beat();
            } catch (RuntimeException e) {
                log.warn("could not tell the other servers this one is alive: {}", e.getMessage());
            }
        }, HEARTBEAT_MILLIS, HEARTBEAT_MILLIS, TimeUnit.MILLISECONDS);
    }

    /** Says this server is alive, and forgets servers silent for long (their presence goes with them). */
    private void beat() {
        inboxes.dropIdle(System.nanoTime());
        db.tx(c -> {
            c.update("INSERT INTO nodes (node_id, seen_at) VALUES (?, " + DB_NOW + ")"
                    + " ON CONFLICT (node_id) DO UPDATE SET seen_at = EXCLUDED.seen_at", Sql.values(nodeId));
            return c.update("DELETE FROM nodes WHERE seen_at < " + DB_NOW + " - ?", Sql.values(3 * NODE_TIMEOUT_MILLIS));
        });
    }

    /** Accounts named in one live notification at most: 300 ids of up to 19 digits stay within NOTIFY's 8,000 bytes. */
    private static final int LIVE_IDS_PER_NOTICE = 300;

    /**
     * One {@code NOTIFY} per 300 accounts, {@code y:NODE FROM CONVERSATION TYPING EXPIRES ID,ID,…} (spaces never
     * occur in a node id, a username or a group's name).
     */
    @Override
    public void tellLive(Collection<Long> accountIds, LiveNotice notice) {
        List<Long> ids = List.copyOf(accountIds);
        for (int from = 0; from < ids.size(); from += LIVE_IDS_PER_NOTICE) {
            List<Long> part = ids.subList(from, Math.min(ids.size(), from + LIVE_IDS_PER_NOTICE));
            String payload = "y:" + nodeId + " " + notice.from() + " " + notice.conversation() + " " + (notice.typing() ? 1 : 0)
                    + " " + notice.expiresInMillis() + " " + part.stream().map(String::valueOf).collect(Collectors.joining(","));
            db.tx(c -> c.exists("SELECT pg_notify('" + PostgresStore.CHANNEL + "', ?)", Sql.values(payload))); // NOTIFY: not read-only
        }
    }

    /** A live notification's accounts and event, or null for this server's own. */
    private void live(String value, Changes changes) {
        String[] f = value.split(" ", -1);
        if (f.length != 6) {
            throw new IllegalArgumentException("a live notification has 6 fields");
        }
        if (f[0].equals(nodeId)) {
            return;
        }
        List<Long> ids = Arrays.stream(f[5].split(",")).map(Long::parseLong).toList();
        changes.live(ids, new LiveNotice(f[1], f[2], f[3].equals("1"), Long.parseLong(f[4])));
    }

    @Override
    public void publishPresence(Map<Long, Boolean> onlineHere) {
        db.tx(c -> {
            for (Map.Entry<Long, Boolean> e : onlineHere.entrySet()) {
                String sql = e.getValue()
                        ? "INSERT INTO presence (node_id, account_id) VALUES (?, ?) ON CONFLICT DO NOTHING"
                        : "DELETE FROM presence WHERE node_id = ? AND account_id = ?";
                c.update(sql, Sql.values(nodeId, e.getKey()));
            }
            return null;
        });
    }

    @Override
    public Optional<LoginFailures> loginFailures(String usernameKey) {
        return db.read(c -> c.first("SELECT failures, last_failure, blocked_until FROM login_failures WHERE username_key = ?",
                Sql.values(usernameKey), rs -> new LoginFailures(rs.getInt(1), rs.getLong(2), rs.getLong(3))));
    }

    @Override
    public LoginFailures recordLoginFailure(String usernameKey, UnaryOperator<LoginFailures> next) {
        return db.tx(c -> {
            // make the row or lock the one there and read it, in one statement: concurrent failures on several
            // servers are counted one by one, and another login's success deleting the row cannot come between
            // (an INSERT, then a SELECT ... FOR UPDATE, found it gone: issue 32's concurrent model)
            LoginFailures now = c.first("INSERT INTO login_failures (username_key, failures, last_failure, blocked_until)"
                    + " VALUES (?, 0, 0, 0) ON CONFLICT (username_key) DO UPDATE SET failures = login_failures.failures"
                    + " RETURNING failures, last_failure, blocked_until", Sql.values(usernameKey),
                    rs -> rs.getInt(1) == 0 ? null : new LoginFailures(rs.getInt(1), rs.getLong(2), rs.getLong(3))).orElse(null);
            LoginFailures after = next.apply(now);
            c.update("UPDATE login_failures SET failures = ?, last_failure = ?, blocked_until = ? WHERE username_key = ?",
                    Sql.values(after.failures(), after.lastFailureMillis(), after.blockedUntilMillis(), usernameKey));
            return after;
        });
    }

    @Override
    public void clearLoginFailures(String usernameKey, long beforeMillis) {
        db.one(c -> usernameKey == null
                ? c.update("DELETE FROM login_failures WHERE last_failure < ?", Sql.values(beforeMillis))
                : c.update("DELETE FROM login_failures WHERE username_key = ?", Sql.values(usernameKey)));
    }

    @Override
    public void recordLoginSource(long accountId, String address, long atMillis) {
        db.one(c -> c.update("INSERT INTO login_sources (account_id, address, last_success) VALUES (?, ?, ?)"
                + " ON CONFLICT (account_id, address) DO UPDATE SET last_success = greatest(login_sources.last_success,"
                + " EXCLUDED.last_success)", Sql.values(accountId, address, atMillis)));
    }

    @Override
    public boolean knownLoginSource(long accountId, String address, long sinceMillis) {
        return db.read(c -> c.exists("SELECT 1 FROM login_sources WHERE account_id = ? AND address = ? AND last_success >= ?",
                Sql.values(accountId, address, sinceMillis)));
    }

    @Override
    public void forgetLoginSources(long beforeMillis) {
        db.one(c -> c.update("DELETE FROM login_sources WHERE last_success < ?", Sql.values(beforeMillis)));
    }

    @Override
    public Set<Long> onlineElsewhere(Collection<Long> accountIds) {
        return db.read(c -> new HashSet<>(c.list("SELECT DISTINCT p.account_id FROM presence p JOIN nodes n ON n.node_id = p.node_id"
                + " WHERE p.account_id = ANY (?) AND n.node_id <> ? AND n.seen_at > " + DB_NOW + " - ?", ps -> {
                    ps.setArray(1, c.connection().createArrayOf("bigint", accountIds.toArray()));
                    ps.setString(2, nodeId);
                    ps.setLong(3, NODE_TIMEOUT_MILLIS);
                }, rs -> rs.getLong(1))));
    }

    @Override
    public boolean shared() {
        return true;
    }

    /**
     * Listens on one connection of its own (outside the pool) for the other servers' notifications and hands them
     * to {@code changes} (and to the store's caches). When that connection breaks it is re-made with backoff, and
     * then {@link Cluster.Changes#missedSome()} is called, since notifications sent meanwhile are lost.
     *
     * <p>Starts the listener and waits (up to {@link #FIRST_LISTEN_WAIT}) until it listens, so that a server
     * normally starts already hearing the others. Whatever was cached before the first {@code LISTEN}, and
     * whatever was notified before it, is re-checked once it listens, exactly as after a broken link: a
     * token revoked elsewhere in that window is forgotten here too.
     */
    @Override
    public void listen(Changes changes) {
        CountDownLatch first = new CountDownLatch(1);
        Thread t = Thread.ofPlatform().daemon().name("postgresql-listener").unstarted(() -> listenLoop(changes, first));
        listener = t;
        t.start();
        try {
            if (!first.await(FIRST_LISTEN_WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
                log.warn("not yet listening to the other servers after {}; going on, and re-checking once it listens",
                        FIRST_LISTEN_WAIT);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void listenLoop(Changes changes, CountDownLatch firstListen) {
        long backoff = 100;
        boolean first = true;
        while (!closed) {
            try (Connection c = connectForListening()) {
                listening = c;
                try (Statement st = c.createStatement()) {
                    st.execute("LISTEN " + PostgresStore.CHANNEL);
                }
                if (!first) {
                    log.info("listening to the other servers again; re-checking waiting fetches and cached tokens");
                }
                // before the first LISTEN too: notifications sent between start and now were never heard
                inboxes.forgetAll();
                singleDevices.changedAll();
                changes.missedSome();
                firstListen.countDown();
                first = false;
                backoff = 100;
                PGConnection pg = c.unwrap(PGConnection.class);
                while (!closed) {
                    PGNotification[] got = pg.getNotifications(1_000);
                    if (got != null) {
                        for (PGNotification n : got) {
                            dispatch(n.getParameter(), changes);
                        }
                    }
                }
            } catch (SQLException | RuntimeException e) {
                if (closed) {
                    return;
                }
                listening = null;
                log.warn("lost the connection that listens to the other servers ({}); retrying in {} ms", e.getMessage(), backoff);
                try {
                    Thread.sleep(backoff);
                } catch (InterruptedException x) {
                    return;
                }
                backoff = Math.min(backoff * 2, 5_000);
            }
        }
    }

    private Connection connectForListening() throws SQLException {
        Properties p = new Properties();
        if (db.settings().password().length > 0) {
            p.setProperty("password", new String(db.settings().password()));
        }
        p.setProperty("ApplicationName", "wirechat-listener");
        p.setProperty("tcpKeepAlive", "true");
        Connection c = DriverManager.getConnection(db.settings().jdbcUrl(), p);
        c.setAutoCommit(true);
        return c;
    }

    private void dispatch(String payload, Changes changes) {
        if (payload == null || payload.length() < 3 || payload.charAt(1) != ':') {
            log.warn("ignoring a malformed notification on channel {}", PostgresStore.CHANNEL);
            return;
        }
        String value = payload.substring(2);
        try {
            switch (payload.charAt(0)) {
                case 'i' -> { // new mail (MailNotice); this server's own it handled when it committed
                    MailNotice notice = MailNotice.parse(value);
                    if (!notice.nodeId().equals(nodeId)) {
                        // before the wake: the woken FETCH finds the messages held, or reads the database
                        if (notice.messages().isEmpty()) {
                            inboxes.changedElsewhere(notice.accountId());
                        } else {
                            long previous = notice.previous();
                            for (StoredMessage m : notice.messages()) {
                                inboxes.stored(notice.accountId(), previous, m, null); // copies are never carried
                                previous = m.id();
                            }
                        }
                        changes.inbox(notice.accountId());
                    }
                }
                case 't' -> changes.tokenRevoked(HexFormat.of().parseHex(value));
                case 'a' -> changes.accountDeleted(Long.parseLong(value));
                case 'd' -> singleDevices.changed(Long.parseLong(value)); // a new device of the account (this server's too)
                case 'y' -> live(value, changes); // someone typing (never stored)
                default -> log.warn("ignoring a notification of an unknown kind on channel {}", PostgresStore.CHANNEL);
            }
        } catch (IllegalArgumentException e) {
            log.warn("a malformed notification on channel {}", PostgresStore.CHANNEL);
            if (payload.charAt(0) == 'i' || payload.charAt(0) == 'd') { // not known what changed: as if notifications were lost
                inboxes.forgetAll();
                singleDevices.changedAll();
                changes.missedSome();
            }
        }
    }

    /** Null while the listening connection is up, else why this server does not hear the others. */
    String notListening() {
        Connection listen = listening;
        try {
            if (listen == null || listen.isClosed()) {
                return "not listening to the other servers (the notification connection is down)";
            }
        } catch (SQLException e) {
            return "not listening to the other servers: " + e.getMessage();
        }
        return null;
    }

    /**
     * Stops the heartbeat and waits for a beat under way, so that none brings this server's row back after
     * {@link #close} removed it. First of the store's closing, before its writer's last batch.
     */
    void stopBeating() {
        heartbeat.shutdownNow();
        try {
            heartbeat.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /**
     * Leaves the others with this server's row and so its presence (a killed server's goes when it falls
     * silent), then stops listening; {@code refuse} runs between the two (the store refuses work from then on,
     * as the listener stops). After {@link #stopBeating} and the writer's last batch, before the database closes.
     */
    void close(Runnable refuse) {
        stopBeating();
        try {
            db.one(c -> c.update("DELETE FROM nodes WHERE node_id = ?", Sql.values(nodeId)));
        } catch (RuntimeException e) {
            log.warn("could not remove this server from the nodes table: {}", e.getMessage());
        }
        refuse.run();
        closed = true;
        Connection listen = listening;
        if (listen != null) {
            try {
                listen.close();
            } catch (SQLException ignored) {
                // closing anyway
            }
        }
        Thread t = listener;
        if (t != null) {
            t.interrupt();
            try {
                t.join(5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
