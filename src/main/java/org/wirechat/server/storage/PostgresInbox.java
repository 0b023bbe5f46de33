package org.wirechat.server.storage;

/**
 * SQL for an account's inbox on PostgreSQL, where it is its direct messages ({@code recipient_id} the
 * account) and, for each of its membership intervals (joined, left], the group's messages in it that it did
 * not send itself — no per-member rows ({@link GroupRows}). Each fragment takes SQL expressions for the
 * account and the id bounds.
 */
final class PostgresInbox {
    private PostgresInbox() {
    }

    /** The number of the account's inbox messages with ids in ({@code after}, {@code through}]: a parenthesised expression. */
    static String count(String account, String after, String through) {
        return "((SELECT count(*) FROM messages m WHERE m.recipient_id = " + account + " AND m.id > " + after
                + " AND m.id <= " + through + ")"
                + " + (SELECT count(*) FROM group_members gm JOIN messages m ON m.recipient_id = -gm.group_id"
                + " AND m.id > greatest(" + after + ", gm.joined_after) AND m.id <= " + through
                + " AND (gm.left_after IS NULL OR m.id <= gm.left_after) AND m.sender_id <> gm.account_id"
                + " WHERE gm.account_id = " + account + "))";
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
