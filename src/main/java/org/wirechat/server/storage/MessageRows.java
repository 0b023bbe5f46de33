package org.wirechat.server.storage;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import org.wirechat.server.core.port.StoredMessage;

/** Reading messages as the protocol shows them (with sender and recipient names), the same for both stores. */
final class MessageRows {
    /** Selects what {@link #read} maps; a WHERE clause on {@code m} follows. */
    static final String SELECT = """
            SELECT m.id, s.username, r.username, m.created_at, m.body
            FROM messages m JOIN accounts s ON s.id = m.sender_id JOIN accounts r ON r.id = m.recipient_id
            """;
    /** A conversation, newest first: parameters pair_lo, pair_hi, before id, limit (see {@link #bindHistory}). */
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

    static void bindHistory(PreparedStatement ps, long accountId, long peerId, long beforeId, int max) throws SQLException {
        ps.setLong(1, Math.min(accountId, peerId));
        ps.setLong(2, Math.max(accountId, peerId));
        ps.setLong(3, beforeId == 0 ? Long.MAX_VALUE : beforeId);
        ps.setInt(4, max);
    }

    static List<StoredMessage> read(PreparedStatement ps) throws SQLException {
        List<StoredMessage> out = new ArrayList<>();
        try (ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
                out.add(new StoredMessage(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getLong(4), rs.getString(5)));
            }
        }
        return out;
    }
}
