package org.wirechat.server.storage;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

/**
 * The schema, as numbered migrations. The database's {@code user_version} is the number of
 * migrations applied; each runs in its own transaction, so a crash mid-migration leaves the previous
 * version intact. A database newer than this build is refused.
 */
public final class Schema {
    /** {@code PRAGMA application_id} of a wirechat database: "WCHT". Databases from before it have 0. */
    public static final int APPLICATION_ID = 0x57434854;

    static final List<String> MIGRATIONS = List.of(
            """
            CREATE TABLE accounts (
              id            INTEGER PRIMARY KEY AUTOINCREMENT,
              username      TEXT    NOT NULL,
              username_key  TEXT    NOT NULL,
              full_name     TEXT    NOT NULL,
              password_hash TEXT    NOT NULL,
              unread        INTEGER NOT NULL DEFAULT 0,
              created_at    INTEGER NOT NULL,
              deleted_at    INTEGER
            );
            CREATE UNIQUE INDEX accounts_live_key ON accounts(username_key) WHERE deleted_at IS NULL;
            CREATE TABLE tokens (
              hash       BLOB    PRIMARY KEY,
              account_id INTEGER NOT NULL REFERENCES accounts(id),
              created_at INTEGER NOT NULL,
              expires_at INTEGER NOT NULL
            ) WITHOUT ROWID;
            CREATE INDEX tokens_account ON tokens(account_id);
            CREATE INDEX tokens_expiry ON tokens(expires_at);
            CREATE TABLE messages (
              id           INTEGER PRIMARY KEY AUTOINCREMENT,
              sender_id    INTEGER NOT NULL REFERENCES accounts(id),
              recipient_id INTEGER NOT NULL REFERENCES accounts(id),
              pair_lo      INTEGER NOT NULL,
              pair_hi      INTEGER NOT NULL,
              client_id    TEXT    NOT NULL,
              body         TEXT    NOT NULL,
              created_at   INTEGER NOT NULL,
              delivered    INTEGER NOT NULL DEFAULT 0
            );
            CREATE UNIQUE INDEX messages_dedup ON messages(sender_id, client_id);
            CREATE INDEX messages_inbox ON messages(recipient_id, id) WHERE delivered = 0;
            CREATE INDEX messages_pair ON messages(pair_lo, pair_hi, id);
            CREATE INDEX messages_age ON messages(created_at) WHERE delivered = 1;
            """,
            // the file says whose it is, so that another application's database is never taken for ours
            "PRAGMA application_id = " + APPLICATION_ID,
            // messages are stored in the message log first; this table becomes its history index, and
            // undelivered counts live in memory (rebuilt from the index and the log at startup)
            """
            CREATE TABLE log_checkpoint (
              id      INTEGER PRIMARY KEY CHECK (id = 1),
              segment INTEGER NOT NULL,
              offset  INTEGER NOT NULL
            );
            ALTER TABLE accounts DROP COLUMN unread
            """,
            // an administrator may disable an account: it cannot log in until enabled again
            "ALTER TABLE accounts ADD COLUMN disabled_at INTEGER",
            // whether the account shares delivery receipts (SET_RECEIPTS): on unless turned off
            "ALTER TABLE accounts ADD COLUMN receipts INTEGER NOT NULL DEFAULT 1",
            // every device of an account gets every message: a token belongs to one device ('' for LOGIN's),
            // each device has its own mark, and the account's floor is what no device still waits for
            // (docs/conversations_design.md); filled by the history indexer from the log's records
            """
            ALTER TABLE tokens ADD COLUMN device TEXT NOT NULL DEFAULT '';
            CREATE TABLE devices (
              account_id INTEGER NOT NULL,
              device     TEXT    NOT NULL,
              through    INTEGER NOT NULL,
              active_at  INTEGER NOT NULL,
              PRIMARY KEY (account_id, device)
            );
            CREATE TABLE inbox_floors (
              account_id INTEGER PRIMARY KEY,
              through    INTEGER NOT NULL
            )
            """,
            // groups (docs/conversations_design.md §2): membership as intervals of message ids; a group's
            // messages are rows of messages with the group's id negated as recipient and conversation, and
            // delivered = 2 (who has one is what its members' floors say)
            """
            CREATE TABLE groups (
              id         INTEGER PRIMARY KEY AUTOINCREMENT,
              name       TEXT    NOT NULL,
              name_key   TEXT    NOT NULL,
              owner_id   INTEGER NOT NULL,
              created_at INTEGER NOT NULL,
              ended_at   INTEGER
            );
            CREATE UNIQUE INDEX groups_live_key ON groups(name_key) WHERE ended_at IS NULL;
            CREATE TABLE group_members (
              id           INTEGER PRIMARY KEY AUTOINCREMENT,
              group_id     INTEGER NOT NULL,
              account_id   INTEGER NOT NULL,
              joined_after INTEGER NOT NULL,
              left_after   INTEGER,
              joined_at    INTEGER NOT NULL
            );
            CREATE INDEX group_members_group ON group_members(group_id, account_id);
            CREATE INDEX group_members_account ON group_members(account_id, group_id)
            """,
            // a group's messages carry the group's id negated as recipient: the history index's recipient
            // column loses its foreign key (SQLite drops one only by rebuilding the table), keeping every row,
            // index and the highest id ever given out (sqlite_sequence)
            """
            CREATE TABLE messages_v8 (
              id           INTEGER PRIMARY KEY AUTOINCREMENT,
              sender_id    INTEGER NOT NULL REFERENCES accounts(id),
              recipient_id INTEGER NOT NULL,
              pair_lo      INTEGER NOT NULL,
              pair_hi      INTEGER NOT NULL,
              client_id    TEXT    NOT NULL,
              body         TEXT    NOT NULL,
              created_at   INTEGER NOT NULL,
              delivered    INTEGER NOT NULL DEFAULT 0
            );
            INSERT INTO messages_v8 (id, sender_id, recipient_id, pair_lo, pair_hi, client_id, body, created_at, delivered)
              SELECT id, sender_id, recipient_id, pair_lo, pair_hi, client_id, body, created_at, delivered FROM messages;
            CREATE TABLE sequence_kept AS SELECT seq FROM sqlite_sequence WHERE name = 'messages';
            DROP TABLE messages;
            ALTER TABLE messages_v8 RENAME TO messages;
            DELETE FROM sqlite_sequence WHERE name IN ('messages', 'messages_v8');
            INSERT INTO sqlite_sequence (name, seq) SELECT 'messages', max(COALESCE((SELECT max(seq) FROM sequence_kept), 0),
              COALESCE((SELECT max(id) FROM messages), 0));
            DROP TABLE sequence_kept;
            CREATE UNIQUE INDEX messages_dedup ON messages(sender_id, client_id);
            CREATE INDEX messages_inbox ON messages(recipient_id, id) WHERE delivered = 0;
            CREATE INDEX messages_pair ON messages(pair_lo, pair_hi, id);
            CREATE INDEX messages_age ON messages(created_at) WHERE delivered = 1
            """,
            // a device's own messages reach its account's other devices (docs/conversations_design.md §1): the
            // device a message was sent from, when the sender's other devices get a copy (null otherwise)
            """
            ALTER TABLE messages ADD COLUMN from_device TEXT;
            CREATE INDEX messages_copies ON messages(sender_id, id) WHERE from_device IS NOT NULL
            """,
            // SEARCH_MESSAGES (docs/wire_design.md §5): a full-text index of the history index's bodies, kept by the
            // indexer as it writes messages and by the purges as they delete them (external content: the text stays
            // only in messages; the index holds the words); built here from the messages already indexed
            """
            CREATE VIRTUAL TABLE messages_fts USING fts5(body, content = 'messages', content_rowid = 'id',
              tokenize = 'unicode61 remove_diacritics 2');
            INSERT INTO messages_fts (messages_fts) VALUES ('rebuild')
            """);

    private Schema() {
    }

    /** Brings the database up to date; returns the version it found. */
    static int migrate(Connection c) throws SQLException {
        int found;
        try (Statement st = c.createStatement(); ResultSet rs = st.executeQuery("PRAGMA user_version")) {
            found = rs.next() ? rs.getInt(1) : 0;
        }
        Migrations.refuseNewer(found, MIGRATIONS);
        boolean autoCommit = c.getAutoCommit();
        c.setAutoCommit(false);
        try {
            for (int v = found; v < MIGRATIONS.size(); v++) {
                try (Statement st = c.createStatement()) {
                    Migrations.apply(st, MIGRATIONS.get(v));
                    st.execute("PRAGMA user_version = " + (v + 1));
                }
                c.commit();
            }
        } catch (SQLException e) {
            c.rollback();
            throw e;
        } finally {
            c.setAutoCommit(autoCommit);
        }
        return found;
    }

    /** This build's schema version: the number of its migrations. */
    public static int version() {
        return MIGRATIONS.size();
    }

    /**
     * The log segment a copy of the database ({@code VACUUM INTO}) has its checkpoint in: a backup copies the
     * log from it on. Makes the copy 0600 first.
     */
    public static long checkpointSegment(Path db) throws IOException {
        try {
            Files.setPosixFilePermissions(db, PosixFilePermissions.fromString("rw-------"));
            try (Connection c = DriverManager.getConnection("jdbc:sqlite:file:" + db.toAbsolutePath() + "?immutable=1");
                    Statement q = c.createStatement();
                    ResultSet rs = q.executeQuery("SELECT segment FROM log_checkpoint WHERE id = 1")) {
                return rs.next() ? rs.getLong(1) : 0;
            }
        } catch (SQLException e) {
            throw new IOException("the copied database cannot be read: " + e.getMessage(), e);
        }
    }
}
