package org.wirechat.server.storage;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.List;
import org.wirechat.server.core.port.StoredMessage;

/** Reading messages as the protocol shows them (with sender and recipient names), the same for both stores. */
final class MessageRows {
    /** Selects what {@link #message} reads; a WHERE clause on {@code m} follows. */
    static final String SELECT = """
            SELECT m.id, s.username, r.username, m.created_at, m.body
            FROM messages m JOIN accounts s ON s.id = m.sender_id JOIN accounts r ON r.id = m.recipient_id
            """;
    /** A conversation, newest first: parameters pair_lo, pair_hi, before id, limit (see {@link #history}). */
    static final String HISTORY = SELECT + " WHERE m.pair_lo = ? AND m.pair_hi = ? AND m.id < ? ORDER BY m.id DESC LIMIT ?";

    private MessageRows() {
    }

    /**
     * A retention purge's condition (both stores) that the message {@code m}, if it was copied to its sender's
     * other devices, has reached them (the sender's floor is past it), or the sender is gone.
     */
    static String copiesReceived(String m) {
        return " AND (" + m + ".from_device IS NULL"
                + " OR " + m + ".id <= COALESCE((SELECT f.through FROM inbox_floors f WHERE f.account_id = " + m + ".sender_id), 0)"
                + " OR (SELECT a.deleted_at FROM accounts a WHERE a.id = " + m + ".sender_id) IS NOT NULL)";
    }

    /**
     * A conversation's messages before {@code beforeId} (0: the newest), newest first, at most {@code max}; {@code sql}
     * is {@link #HISTORY} or a statement of its parameters and columns ({@code GroupRows.HISTORY}).
     */
    static List<StoredMessage> history(Sql db, String sql, long accountId, long peerId, long beforeId, int max) throws SQLException {
        return db.list(sql, Sql.values(Math.min(accountId, peerId), Math.max(accountId, peerId),
                beforeId == 0 ? Long.MAX_VALUE : beforeId, max), MessageRows::message);
    }

    /** A message as {@link #SELECT} reads it. */
    static StoredMessage message(ResultSet rs) throws SQLException {
        return new StoredMessage(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getLong(4), rs.getString(5));
    }
}
