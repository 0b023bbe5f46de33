package org.wirechat.server.storage;

/**
 * SQL for an account's inbox on PostgreSQL, where it is its direct messages ({@code recipient_id} the
 * account) and, for each of its membership intervals (joined, left], the group's messages in it that it did
 * not send itself — no per-member rows ({@link GroupRows}). Each fragment takes SQL expressions for the
 * account and the id bounds. Each group part is driven by the account's membership rows, one index range
 * of {@code messages} per interval ({@code CROSS JOIN LATERAL}): written as a plain join, the planner —
 * with {@code group_members} empty or not yet analysed — chose to scan {@code messages} for a hash join, and
 * the acknowledgement's statement took 7.8 ms instead of 0.1 (measured with {@code scripts/bench-postgresql}).
 */
final class PostgresInbox {
    private PostgresInbox() {
    }

    /** The number of the account's inbox messages with ids in ({@code after}, {@code through}]: a parenthesised expression. */
    static String count(String account, String after, String through) {
        return "(" + directCount(account, after, through) + " + " + groupCount(account, after, through) + ")";
    }

    /** The direct messages among them. */
    static String directCount(String account, String after, String through) {
        return "(SELECT count(*) FROM messages m WHERE m.recipient_id = " + account + " AND m.id > " + after + " AND m.id <= " + through + ")";
    }

    /** The group messages among them (0 for an account never in a group). */
    static String groupCount(String account, String after, String through) {
        return "(SELECT COALESCE(sum(x.n), 0) FROM group_members gm CROSS JOIN LATERAL (SELECT count(*) AS n FROM messages m"
                + " WHERE m.recipient_id = -gm.group_id AND m.id > greatest(" + after + ", gm.joined_after) AND m.id <= " + through
                + " AND (gm.left_after IS NULL OR m.id <= gm.left_after) AND m.sender_id <> gm.account_id) x"
                + " WHERE gm.account_id = " + account + ")";
    }

    /**
     * The newest copy of the account's own messages (for its other devices) with id at most {@code through}
     * (null if none): one backward probe of the copies' index.
     */
    static String newestCopy(String account, String through) {
        return "(SELECT max(m.id) FROM messages m WHERE m.sender_id = " + account + " AND m.from_device IS NOT NULL AND m.id <= "
                + through + ")";
    }

    /**
     * The newest of the device's own messages copied into the account's inbox above {@code through} with
     * nothing else of the inbox between (null if none): the device never receives those, so its
     * acknowledgement of {@code through} passes them too. Asked only when there is one (rare: a device
     * sending while no message comes to it).
     */
    static String ownCopiesAfter(String account, String device, String through) {
        String own = "FROM messages m WHERE m.sender_id = " + account + " AND m.from_device = " + device + " AND m.id > " + through;
        String next = "least((SELECT min(m.id) FROM messages m WHERE m.recipient_id = " + account + " AND m.id > " + through + "),"
                + " (SELECT min(x.id) FROM group_members gm CROSS JOIN LATERAL (SELECT m.id FROM messages m"
                + " WHERE m.recipient_id = -gm.group_id AND m.id > greatest(" + through + ", gm.joined_after)"
                + " AND (gm.left_after IS NULL OR m.id <= gm.left_after) AND m.sender_id <> gm.account_id ORDER BY m.id LIMIT 1) x"
                + " WHERE gm.account_id = " + account + "),"
                + " (SELECT min(m.id) FROM messages m WHERE m.sender_id = " + account + " AND m.from_device IS NOT NULL"
                + " AND m.from_device <> " + device + " AND m.id > " + through + "))";
        return "(CASE WHEN EXISTS (SELECT 1 " + own + ") THEN (SELECT max(m.id) " + own + " AND m.id < COALESCE(" + next + ", "
                + Long.MAX_VALUE + ")) END)";
    }

    /**
     * The newest group message in the account's inbox with id at most {@code through} (null if none): one
     * backward probe of the conversation index per membership.
     */
    static String newestGroupMessage(String account, String through) {
        return "(SELECT max(x.id) FROM group_members gm CROSS JOIN LATERAL (SELECT m.id FROM messages m"
                + " WHERE m.recipient_id = -gm.group_id AND m.id > gm.joined_after"
                + " AND m.id <= least(" + through + ", COALESCE(gm.left_after, " + through + ")) AND m.sender_id <> gm.account_id"
                + " ORDER BY m.id DESC LIMIT 1) x WHERE gm.account_id = " + account + ")";
    }
}
