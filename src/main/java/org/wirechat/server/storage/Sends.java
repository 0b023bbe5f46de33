package org.wirechat.server.storage;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What storing a SEND means, whichever database does it: the recipient's name resolved through a
 * directory kept in memory (so the common path reads nothing), and the reasons a message was not
 * stored. Everything here runs inside the caller's transaction.
 */
final class Sends {
    private static final int DIRECTORY_MAX = 100_000;

    /**
     * Live accounts' ids by lower-case name, learnt by sends. An entry can go stale (the account deleted,
     * by this server or another one sharing the database); the store attempt notices, because it only
     * touches a live account, and the name is looked up again. Cleared when it grows past
     * {@link #DIRECTORY_MAX}.
     */
    private final ConcurrentHashMap<String, Long> recipientIds = new ConcurrentHashMap<>();

    /** Stores the message for the account with this id, or says why not; {@code NoRecipient} if it is not live. */
    @FunctionalInterface
    interface Attempt {
        SendOutcome into(long recipientId) throws SQLException;
    }

    /** The account id the directory knows for the lower-case name {@code key}, or {@code fallback}. */
    long knownId(String key, long fallback) {
        Long known = recipientIds.get(key);
        return known == null ? fallback : known;
    }

    /** Resolves the lower-case name {@code key} and stores through {@code attempt}, looking the name up at most once. */
    SendOutcome send(Connection c, String key, Attempt attempt) throws SQLException {
        Long known = recipientIds.get(key);
        if (known != null) {
            SendOutcome outcome = attempt.into(known);
            if (!(outcome instanceof SendOutcome.NoRecipient)) {
                return outcome;
            }
            recipientIds.remove(key, known); // deleted since: perhaps the name belongs to a new account now
        }
        long id;
        try (PreparedStatement ps = c.prepareStatement("SELECT id FROM accounts WHERE username_key = ? AND deleted_at IS NULL")) {
            ps.setString(1, key);
            try (ResultSet rs = ps.executeQuery()) {
                if (!rs.next()) {
                    return new SendOutcome.NoRecipient();
                }
                id = rs.getLong(1);
            }
        }
        if (recipientIds.size() >= DIRECTORY_MAX) {
            recipientIds.clear();
        }
        recipientIds.put(key, id);
        return attempt.into(id);
    }

    /**
     * Why a message was not stored, once the common path did not store it: {@code reserved} says whether
     * a place was reserved in the inbox (then the insert met an earlier message with the same client id,
     * and the place is given back).
     */
    static SendOutcome notStored(Connection c, long senderId, long recipientId, String clientMessageId, String body,
            boolean reserved) throws SQLException {
        if (reserved) {
            try (PreparedStatement ps = c.prepareStatement("UPDATE accounts SET unread = unread - 1 WHERE id = ?")) {
                ps.setLong(1, recipientId);
                ps.executeUpdate();
            }
        }
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT id, created_at, recipient_id, body FROM messages WHERE sender_id = ? AND client_id = ?")) {
            ps.setLong(1, senderId);
            ps.setString(2, clientMessageId);
            try (ResultSet rs = ps.executeQuery()) {
                if (rs.next()) {
                    boolean same = rs.getLong(3) == recipientId && rs.getString(4).equals(body);
                    return same ? new SendOutcome.Duplicate(rs.getLong(1), rs.getLong(2)) : new SendOutcome.ClientIdReused();
                }
            }
        }
        try (PreparedStatement ps = c.prepareStatement("SELECT username, unread FROM accounts WHERE id = ? AND deleted_at IS NULL")) {
            ps.setLong(1, recipientId);
            try (ResultSet rs = ps.executeQuery()) {
                return rs.next() ? new SendOutcome.InboxFull(rs.getString(1), rs.getLong(2)) : new SendOutcome.NoRecipient();
            }
        }
    }
}
