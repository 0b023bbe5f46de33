package org.wirechat.client.local;

import java.io.IOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.wirechat.protocol.Limits;
import org.wirechat.protocol.Response;

/**
 * What one device keeps of one account on one server: its conversations (with a person or a {@code #group},
 * the last message, the unread count) and their recent messages, in a SQLite file of its own
 * ({@link StoreFiles}). A message is kept once, by the server's message id, whichever way it came: handed
 * over by the inbox poller (FETCH: {@link #fetched}), read back with HISTORY ({@link #filled}), or written
 * here ({@link #sent}). So the conversation list survives logins, unread counts survive restarts, and what
 * was received can be read with the server away. Thread-safe (one connection, used by one thread at a time).
 *
 * <p>Only the latest {@link #KEPT_PER_CONVERSATION} messages of a conversation are kept; older ones stay on
 * the server (HISTORY). The schema's version is SQLite's {@code user_version}; a file made by a newer
 * client is refused rather than misread.
 */
public final class LocalStore implements AutoCloseable {
    /** The layout this code reads and writes (2: the groups last seen, {@link #groupsNow}). */
    public static final int SCHEMA_VERSION = 2;
    /** Messages kept per conversation (the latest ones). */
    public static final int KEPT_PER_CONVERSATION = 1000;

    /** A conversation: its name as spelled, its last message (id 0 and empty if none kept) and how many are unread. */
    public record Conversation(String peer, long lastId, long lastMillis, String last, int unread) {
    }

    /**
     * A kept message. {@code mine}: sent by this account (from any of its devices); {@code delivered}: one of
     * yours the peer is known to have; {@code unread}: one of theirs this device has not shown opened.
     */
    public record Message(long id, String conversation, String sender, String recipient, long timestampMillis, String body,
            boolean mine, boolean delivered, boolean unread) {
    }

    private final Connection db;
    private final String me;

    private LocalStore(Connection db, String me) throws SQLException {
        this.db = db;
        this.me = me;
        migrate();
    }

    /** The store in {@code file} for the account {@code me} (made if absent: mode 0600 where the file system has modes). */
    public static LocalStore open(Path file, String me) throws IOException {
        StoreFiles.createPrivate(file);
        try {
            return new LocalStore(DriverManager.getConnection("jdbc:sqlite:" + file), me);
        } catch (SQLException e) {
            throw new IOException("cannot open the local store " + file + ": " + e.getMessage(), e);
        }
    }

    /** A store that keeps nothing once closed (for a device that keeps no files, and tests). */
    public static LocalStore inMemory(String me) {
        try {
            return new LocalStore(DriverManager.getConnection("jdbc:sqlite::memory:"), me);
        } catch (SQLException e) {
            throw new IllegalStateException("SQLite in memory failed", e);
        }
    }

    private void migrate() throws SQLException {
        try (Statement s = db.createStatement()) {
            s.execute("PRAGMA busy_timeout = 5000");
            int version;
            try (ResultSet rs = s.executeQuery("PRAGMA user_version")) {
                version = rs.getInt(1);
            }
            if (version > SCHEMA_VERSION) {
                throw new SQLException("made by a newer client (schema version " + version + ", this one reads "
                        + SCHEMA_VERSION + ")");
            }
            if (version == 0) {
                s.execute("PRAGMA journal_mode = WAL");
                s.execute("CREATE TABLE conversation (key TEXT PRIMARY KEY, peer TEXT NOT NULL)");
                s.execute("CREATE TABLE message (id INTEGER PRIMARY KEY, conversation TEXT NOT NULL, sender TEXT NOT NULL,"
                        + " recipient TEXT NOT NULL, at_millis INTEGER NOT NULL, body TEXT NOT NULL, mine INTEGER NOT NULL,"
                        + " delivered INTEGER NOT NULL DEFAULT 0, fetched INTEGER NOT NULL, unread INTEGER NOT NULL)");
                s.execute("CREATE INDEX message_by_conversation ON message (conversation, id)");
            }
            if (version < 2) {
                s.execute("CREATE TABLE seen_group (key TEXT PRIMARY KEY)");
                s.execute("CREATE TABLE seen_groups_recorded (one INTEGER PRIMARY KEY CHECK (one = 1))"); // a row once recorded
            }
            if (version < SCHEMA_VERSION) {
                s.execute("PRAGMA user_version = " + SCHEMA_VERSION);
            }
        }
    }

    /** The account this store is of. */
    public String me() {
        return me;
    }

    /** The conversation a message belongs to: a group's, else the other person's (yours to bob are in bob's). */
    public String conversationOf(Response.Message m) {
        boolean mine = m.sender().equalsIgnoreCase(me);
        return mine || Limits.isGroupName(m.recipient()) ? m.recipient() : m.sender();
    }

    /**
     * Messages the inbox poller handed over, each counted unread (once, however often it is handed over)
     * unless it is yours or in the conversation being read ({@code reading}, or {@code null}).
     */
    public synchronized void fetched(List<Response.Message> messages, String reading) {
        write(messages, true, reading);
    }

    /** A page of HISTORY: what was missing is kept; nothing becomes unread. */
    public synchronized void filled(List<Response.Message> messages) {
        write(messages, false, null);
    }

    /** One of yours the server stored (its id and time as the server answered). */
    public synchronized void sent(String to, long id, long timestampMillis, String body) {
        write(List.of(new Response.Message(id, me, to, timestampMillis, body)), false, null);
    }

    private void write(List<Response.Message> messages, boolean fetched, String reading) {
        if (messages.isEmpty()) {
            return;
        }
        String upsert = "INSERT INTO message (id, conversation, sender, recipient, at_millis, body, mine, fetched, unread)"
                + " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET"
                + " unread = CASE WHEN message.fetched = 0 AND excluded.fetched = 1 THEN excluded.unread ELSE message.unread END,"
                + " fetched = max(message.fetched, excluded.fetched)";
        inTransaction(() -> {
            try (PreparedStatement p = db.prepareStatement(upsert)) {
                for (Response.Message m : messages) {
                    String peer = conversationOf(m);
                    boolean mine = m.sender().equalsIgnoreCase(me);
                    touch(peer);
                    p.setLong(1, m.id());
                    p.setString(2, key(peer));
                    p.setString(3, m.sender());
                    p.setString(4, m.recipient());
                    p.setLong(5, m.timestampMillis());
                    p.setString(6, m.body());
                    p.setBoolean(7, mine);
                    p.setBoolean(8, fetched);
                    p.setBoolean(9, fetched && !mine && !peer.equalsIgnoreCase(reading == null ? "" : reading));
                    p.executeUpdate();
                }
            }
            prune(messages.stream().map(m -> key(conversationOf(m))).distinct().toList());
        });
    }

    /** Drops what is older than the latest {@link #KEPT_PER_CONVERSATION} of each conversation. */
    private void prune(List<String> conversations) throws SQLException {
        try (PreparedStatement p = db.prepareStatement("DELETE FROM message WHERE conversation = ? AND id < (SELECT id"
                + " FROM message WHERE conversation = ? ORDER BY id DESC LIMIT 1 OFFSET " + (KEPT_PER_CONVERSATION - 1) + ")")) {
            for (String c : conversations) {
                p.setString(1, c);
                p.setString(2, c);
                p.executeUpdate();
            }
        }
    }

    /** Keeps a conversation in the list though it has no message yet (a group, someone whose conversation was opened). */
    public synchronized void remember(String peer) {
        inTransaction(() -> touch(peer));
    }

    private void touch(String peer) throws SQLException {
        try (PreparedStatement p = db.prepareStatement("INSERT INTO conversation (key, peer) VALUES (?, ?)"
                + " ON CONFLICT (key) DO NOTHING")) {
            p.setString(1, key(peer));
            p.setString(2, peer);
            p.executeUpdate();
        }
    }

    /**
     * Records the groups this account is in now ({@code names}, as GROUP_LIST answered) and returns those it was
     * not in when the groups were last recorded on this device, in {@code names}' order: the groups it was added
     * to meanwhile, also while logged out. None the first time (a device new to the account has nothing to
     * compare with).
     */
    public synchronized List<String> groupsNow(List<String> names) {
        List<String> fresh = new ArrayList<>();
        inTransaction(() -> {
            boolean recorded;
            try (Statement s = db.createStatement(); ResultSet rs = s.executeQuery("SELECT count(*) FROM seen_groups_recorded")) {
                recorded = rs.getInt(1) > 0;
            }
            Set<String> before = new HashSet<>();
            try (Statement s = db.createStatement(); ResultSet rs = s.executeQuery("SELECT key FROM seen_group")) {
                while (rs.next()) {
                    before.add(rs.getString(1));
                }
            }
            if (recorded) {
                names.stream().filter(n -> !before.contains(key(n))).forEach(fresh::add);
            }
            try (Statement s = db.createStatement()) {
                s.execute("DELETE FROM seen_group");
            }
            try (PreparedStatement p = db.prepareStatement("INSERT INTO seen_group (key) VALUES (?) ON CONFLICT (key) DO NOTHING")) {
                for (String n : names) {
                    p.setString(1, key(n));
                    p.executeUpdate();
                }
            }
            try (Statement s = db.createStatement()) {
                s.execute("INSERT INTO seen_groups_recorded (one) VALUES (1) ON CONFLICT (one) DO NOTHING");
            }
        });
        return fresh;
    }

    /** Forgets a conversation and its messages (a group one has left). */
    public synchronized void forget(String peer) {
        inTransaction(() -> {
            for (String sql : List.of("DELETE FROM message WHERE conversation = ?", "DELETE FROM conversation WHERE key = ?")) {
                try (PreparedStatement p = db.prepareStatement(sql)) {
                    p.setString(1, key(peer));
                    p.executeUpdate();
                }
            }
        });
    }

    /** The conversation was read: none of its messages is unread any more. */
    public synchronized void read(String peer) {
        update("UPDATE message SET unread = 0 WHERE conversation = ? AND unread = 1", peer, 0);
    }

    /** Your messages in the conversation up to {@code upToId} are known to have reached the peer. */
    public synchronized void delivered(String peer, long upToId) {
        update("UPDATE message SET delivered = 1 WHERE conversation = ? AND mine = 1 AND delivered = 0 AND id <= ?", peer, upToId);
    }

    private void update(String sql, String peer, long id) {
        inTransaction(() -> {
            try (PreparedStatement p = db.prepareStatement(sql)) {
                p.setString(1, key(peer));
                if (sql.indexOf('?') != sql.lastIndexOf('?')) {
                    p.setLong(2, id);
                }
                p.executeUpdate();
            }
        });
    }

    /** Every conversation, the one with the newest message first (by the server's ids, not by any clock); those with none last. */
    public synchronized List<Conversation> conversations() {
        String sql = "SELECT c.peer, m.id, m.at_millis, m.body,"
                + " (SELECT count(*) FROM message u WHERE u.conversation = c.key AND u.unread = 1)"
                + " FROM conversation c LEFT JOIN message m ON m.id = (SELECT max(id) FROM message WHERE conversation = c.key)"
                + " ORDER BY m.id IS NULL, m.id DESC, c.key";
        List<Conversation> out = new ArrayList<>();
        query(sql, p -> {
        }, rs -> out.add(new Conversation(rs.getString(1), rs.getLong(2), rs.getLong(3),
                rs.getString(4) == null ? "" : rs.getString(4), rs.getInt(5))));
        return out;
    }

    /** The latest {@code limit} messages of a conversation older than {@code beforeId} (0: the latest), oldest first. */
    public synchronized List<Message> history(String peer, long beforeId, int limit) {
        List<Message> out = new ArrayList<>();
        query("SELECT id, conversation, sender, recipient, at_millis, body, mine, delivered, unread FROM message"
                + " WHERE conversation = ? AND id < ? ORDER BY id DESC LIMIT ?", p -> {
                    p.setString(1, key(peer));
                    p.setLong(2, beforeId <= 0 ? Long.MAX_VALUE : beforeId);
                    p.setInt(3, limit);
                }, rs -> out.add(new Message(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getString(4), rs.getLong(5),
                        rs.getString(6), rs.getBoolean(7), rs.getBoolean(8), rs.getBoolean(9))));
        Collections.reverse(out);
        return out;
    }

    private interface Binder {
        void bind(PreparedStatement p) throws SQLException;
    }

    private interface RowReader {
        void read(ResultSet rs) throws SQLException;
    }

    private interface Work {
        void run() throws SQLException;
    }

    private void query(String sql, Binder binder, RowReader reader) {
        try (PreparedStatement p = db.prepareStatement(sql)) {
            binder.bind(p);
            try (ResultSet rs = p.executeQuery()) {
                while (rs.next()) {
                    reader.read(rs);
                }
            }
        } catch (SQLException e) {
            throw new LocalStoreException("reading the local store failed: " + e.getMessage(), e);
        }
    }

    private void inTransaction(Work work) {
        try {
            db.setAutoCommit(false);
            try {
                work.run();
                db.commit();
            } catch (SQLException | RuntimeException e) {
                db.rollback();
                throw e;
            } finally {
                db.setAutoCommit(true);
            }
        } catch (SQLException e) {
            throw new LocalStoreException("writing the local store failed: " + e.getMessage(), e);
        }
    }

    private static String key(String peer) {
        return peer.toLowerCase(Locale.ROOT);
    }

    @Override
    public synchronized void close() {
        try {
            db.close();
        } catch (SQLException e) {
            // nothing is pending: every write committed when it was made
        }
    }
}
