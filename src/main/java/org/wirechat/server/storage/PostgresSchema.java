package org.wirechat.server.storage;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.List;

/**
 * The PostgreSQL schema, as numbered migrations (the same tables as {@link Schema}'s). Several servers
 * may start at once on one database: the migration runs under a transaction-level advisory lock, so one
 * of them migrates and the others, waiting on the lock, then find the schema current. Each migration
 * and its version row commit together. A database newer than this build is refused.
 */
final class PostgresSchema {
    /** The advisory lock key: "wirechat" in ASCII, so it does not collide with other applications' keys by chance. */
    private static final long LOCK_KEY = 0x7769726563686174L;

    static final List<String> MIGRATIONS = List.of(
            """
            CREATE TABLE accounts (
              id            BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
              username      TEXT    NOT NULL,
              username_key  TEXT    COLLATE "C" NOT NULL,
              full_name     TEXT    NOT NULL,
              password_hash TEXT    NOT NULL,
              unread        BIGINT  NOT NULL DEFAULT 0,
              created_at    BIGINT  NOT NULL,
              deleted_at    BIGINT
            );
            CREATE UNIQUE INDEX accounts_live_key ON accounts(username_key) WHERE deleted_at IS NULL;
            CREATE TABLE tokens (
              hash       BYTEA  PRIMARY KEY,
              account_id BIGINT NOT NULL REFERENCES accounts(id),
              created_at BIGINT NOT NULL,
              expires_at BIGINT NOT NULL
            );
            CREATE INDEX tokens_account ON tokens(account_id);
            CREATE INDEX tokens_expiry ON tokens(expires_at);
            CREATE TABLE messages (
              id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
              sender_id    BIGINT  NOT NULL REFERENCES accounts(id),
              recipient_id BIGINT  NOT NULL REFERENCES accounts(id),
              pair_lo      BIGINT  NOT NULL,
              pair_hi      BIGINT  NOT NULL,
              client_id    TEXT    NOT NULL,
              body         TEXT    NOT NULL,
              created_at   BIGINT  NOT NULL,
              delivered    BOOLEAN NOT NULL DEFAULT FALSE
            );
            CREATE UNIQUE INDEX messages_dedup ON messages(sender_id, client_id);
            CREATE INDEX messages_inbox ON messages(recipient_id, id) WHERE NOT delivered;
            CREATE INDEX messages_pair ON messages(pair_lo, pair_hi, id);
            CREATE INDEX messages_age ON messages(created_at) WHERE delivered
            """,
            """
            CREATE TABLE nodes (
              node_id TEXT   PRIMARY KEY,
              seen_at BIGINT NOT NULL
            );
            CREATE TABLE presence (
              node_id    TEXT   NOT NULL REFERENCES nodes(node_id) ON DELETE CASCADE,
              account_id BIGINT NOT NULL,
              PRIMARY KEY (node_id, account_id)
            );
            CREATE INDEX presence_account ON presence(account_id);
            CREATE TABLE login_failures (
              username_key  TEXT    COLLATE "C" PRIMARY KEY,
              failures      INTEGER NOT NULL,
              last_failure  BIGINT  NOT NULL,
              blocked_until BIGINT  NOT NULL
            )
            """,
            // an administrator may disable an account: it cannot log in until enabled again
            "ALTER TABLE accounts ADD COLUMN disabled_at BIGINT",
            // An acknowledgement moves one mark on the account's row instead of rewriting every message it
            // covers (each rewrite was a new row version and four new index entries). One recipient's messages
            // commit in id order (PostgresStore), so "delivered" is exactly "id <= acked_through". Delivered
            // messages above an older undelivered one (possible only from versions before group commit) are
            // delivered again, never lost. The foreign keys go too: accounts are never removed (deletion keeps
            // the row), so they protected nothing, and each insert paid two locking lookups for them.
            // last_message_id and previous_message_id: the newest message id to the account and the one
            // before it, set by the SEND that takes the id (see CachedInboxes).
            """
            ALTER TABLE accounts ADD COLUMN acked_through BIGINT NOT NULL DEFAULT 0;
            ALTER TABLE accounts ADD COLUMN last_message_id BIGINT NOT NULL DEFAULT 0;
            ALTER TABLE accounts ADD COLUMN previous_message_id BIGINT NOT NULL DEFAULT 0;
            UPDATE accounts a SET last_message_id = COALESCE((SELECT max(m.id) FROM messages m WHERE m.recipient_id = a.id), 0);
            UPDATE accounts a SET acked_through = COALESCE(
              (SELECT min(m.id) - 1 FROM messages m WHERE m.recipient_id = a.id AND NOT m.delivered),
              (SELECT max(m.id) FROM messages m WHERE m.recipient_id = a.id), 0);
            UPDATE accounts a SET unread = (SELECT count(*) FROM messages m WHERE m.recipient_id = a.id AND m.id > a.acked_through);
            ALTER TABLE messages DROP CONSTRAINT IF EXISTS messages_sender_id_fkey;
            ALTER TABLE messages DROP CONSTRAINT IF EXISTS messages_recipient_id_fkey;
            DROP INDEX messages_inbox;
            DROP INDEX messages_age;
            ALTER TABLE messages DROP COLUMN delivered;
            CREATE INDEX messages_inbox ON messages(recipient_id, id);
            CREATE INDEX messages_age ON messages USING brin (created_at)
            """,
            // The acknowledgement mark moves to a row of its own, so that acknowledging an inbox and storing a
            // message to it lock different rows: on several servers, one server's batch of SENDs to an account
            // and another's acknowledgement of it no longer wait for each other's commit (the writers took turns).
            // Unread = received - acked: the SEND counts up the account row, the acknowledgement the mark row.
            """
            CREATE TABLE inbox_marks (
              account_id    BIGINT PRIMARY KEY,
              acked_through BIGINT NOT NULL DEFAULT 0,
              acked         BIGINT NOT NULL DEFAULT 0
            );
            INSERT INTO inbox_marks (account_id, acked_through) SELECT id, acked_through FROM accounts;
            ALTER TABLE accounts RENAME COLUMN unread TO received;
            ALTER TABLE accounts DROP COLUMN acked_through
            """,
            // whether the account shares delivery receipts (SET_RECEIPTS): on unless turned off
            "ALTER TABLE accounts ADD COLUMN receipts BOOLEAN NOT NULL DEFAULT TRUE",
            // Every device of an account gets every message (docs/conversations_design.md): a token belongs to
            // one device ('' for LOGIN's), each device has its own mark (a row of inbox_marks, made at its
            // first acknowledgement), and the account's floor — what no device still waits for, with the count
            // of messages at or below it — is a row of its own, so moving it does not lock against SENDs either.
            // The marks so far were the default device's; unread stays received - floor.acked.
            """
            ALTER TABLE tokens ADD COLUMN device TEXT NOT NULL DEFAULT '';
            CREATE TABLE inbox_floors (
              account_id BIGINT PRIMARY KEY,
              through    BIGINT NOT NULL DEFAULT 0,
              acked      BIGINT NOT NULL DEFAULT 0
            );
            INSERT INTO inbox_floors (account_id, through, acked) SELECT account_id, acked_through, acked FROM inbox_marks;
            ALTER TABLE inbox_marks ADD COLUMN device TEXT NOT NULL DEFAULT '';
            ALTER TABLE inbox_marks ADD COLUMN active_at BIGINT NOT NULL DEFAULT 0;
            UPDATE inbox_marks SET active_at = (extract(epoch FROM now()) * 1000)::bigint;
            DELETE FROM inbox_marks WHERE acked_through = 0;
            ALTER TABLE inbox_marks DROP CONSTRAINT inbox_marks_pkey;
            ALTER TABLE inbox_marks ADD PRIMARY KEY (account_id, device)
            """,
            // Groups (docs/conversations_design.md §2): membership as intervals (joined_after, left_after] of
            // message ids; a group's messages are rows of messages with the group's id negated as recipient and
            // conversation, read into each member's inbox through its intervals (no row per member).
            """
            CREATE TABLE groups (
              id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
              name       TEXT   NOT NULL,
              name_key   TEXT   NOT NULL,
              owner_id   BIGINT NOT NULL,
              created_at BIGINT NOT NULL,
              ended_at   BIGINT
            );
            CREATE UNIQUE INDEX groups_live_key ON groups(name_key) WHERE ended_at IS NULL;
            CREATE TABLE group_members (
              id           BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
              group_id     BIGINT NOT NULL,
              account_id   BIGINT NOT NULL,
              joined_after BIGINT NOT NULL,
              left_after   BIGINT,
              joined_at    BIGINT NOT NULL
            );
            CREATE INDEX group_members_group ON group_members(group_id, account_id);
            CREATE INDEX group_members_account ON group_members(account_id, group_id)
            """,
            // a device's own messages reach its account's other devices (docs/conversations_design.md §1): the
            // device a message was sent from, when the sender's other devices get a copy (null otherwise)
            """
            ALTER TABLE messages ADD COLUMN from_device TEXT;
            CREATE INDEX messages_copies ON messages(sender_id, id) WHERE from_device IS NOT NULL
            """,
            // The addresses each account logged in from lately (docs/security.md, password guessing): an address
            // the account logged in from within 30 days is never made to wait by the account-wide bound on
            // failed logins, so guessing from elsewhere cannot lock the owner out. Failed logins are now also
            // kept per username and address, in login_failures under the key "username_key address".
            """
            CREATE TABLE login_sources (
              account_id   BIGINT NOT NULL,
              address      TEXT   NOT NULL,
              last_success BIGINT NOT NULL,
              PRIMARY KEY (account_id, address)
            );
            CREATE INDEX login_sources_age ON login_sources(last_success)
            """,
            // SEARCH_MESSAGES (docs/wire_design.md §5): the words of each body — accents removed (unaccent, a trusted
            // extension: the database's owner may create it, docs/deployment.md), lower case, split at every character
            // that is not a letter or digit, as SQLite's unicode61 tokenizer splits them — in a GIN index. The function
            // body is SQL-standard, so unaccent is bound when it is created, whatever the search_path later; words of
            // 2047 bytes and more (a tsvector's limit) are left out rather than failing the message's insert.
            """
            CREATE EXTENSION IF NOT EXISTS unaccent;
            CREATE FUNCTION wirechat_search_vector(body TEXT) RETURNS tsvector LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
              RETURN array_to_tsvector(ARRAY(SELECT DISTINCT w FROM regexp_split_to_table(
                lower(unaccent('unaccent'::regdictionary, body)), '[^[:alnum:]]+') AS w WHERE w <> '' AND octet_length(w) < 2047));
            CREATE INDEX messages_search ON messages USING gin (wirechat_search_vector(body))
            """);

    private PostgresSchema() {
    }

    /** Brings the database up to date; returns the version it found. */
    static int migrate(Connection c) throws SQLException {
        c.setAutoCommit(false);
        try (Statement st = c.createStatement()) {
            st.execute("SELECT pg_advisory_xact_lock(" + LOCK_KEY + ")"); // held until this transaction ends
            st.execute("CREATE TABLE IF NOT EXISTS wirechat_schema (version INTEGER NOT NULL, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())");
            int found;
            try (ResultSet rs = st.executeQuery("SELECT COALESCE(MAX(version), 0) FROM wirechat_schema")) {
                rs.next();
                found = rs.getInt(1);
            }
            Migrations.refuseNewer(found, MIGRATIONS);
            for (int v = found; v < MIGRATIONS.size(); v++) {
                Migrations.apply(st, MIGRATIONS.get(v));
                st.execute("INSERT INTO wirechat_schema (version) VALUES (" + (v + 1) + ")");
            }
            c.commit();
            return found;
        } catch (SQLException e) {
            c.rollback();
            throw e;
        }
    }
}
