package org.wirechat.server.storage;

import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import org.wirechat.server.core.port.SearchQuery;
import org.wirechat.server.core.port.SearchScope;
import org.wirechat.server.core.port.StoredMessage;

/**
 * SEARCH_MESSAGES' statement, the same for both stores but for how a body is matched (each store's full-text index:
 * SQLite's FTS5 table {@code messages_fts}, PostgreSQL's GIN index on {@code wirechat_search_vector(body)}); the
 * scope is the core's ({@link SearchScope}), applied here as it says, and the query's words are the core's folding
 * ({@link SearchQuery}), each quoted, so no text of the user's is ever read as the index's query syntax.
 */
final class SearchRows {
    /** Where the matches come from, how a body is matched (its parameter: the query's text), and the id to order by. */
    record Dialect(String from, String match, String id) {
    }

    /**
     * SQLite: the FTS5 index's matches, joined to their rows and read newest first by the index's own rowid order, so
     * a page stops after its last match in scope instead of gathering every match of every account first (measured:
     * a third of the time at 200,000 messages). Parameter: {@link #fts5}'s text.
     */
    static final Dialect SQLITE = new Dialect("messages_fts f JOIN messages m ON m.id = f.rowid", "messages_fts MATCH ?",
            "f.rowid");
    /** PostgreSQL: the body's words (the expression the GIN index holds) match. Parameter: {@link #tsquery}'s text. */
    static final Dialect POSTGRES = new Dialect("messages m", "wirechat_search_vector(m.body) @@ CAST(? AS tsquery)", "m.id");

    private SearchRows() {
    }

    /** The query in FTS5's syntax: each word a quoted string, {@code *} after a prefix; every one must match. */
    static String fts5(SearchQuery query) {
        return query.terms().stream().map(t -> "\"" + t.text() + "\"" + (t.prefix() ? " *" : ""))
                .collect(Collectors.joining(" AND "));
    }

    /** The query as a {@code tsquery}: each word a quoted lexeme, {@code :*} after a prefix, joined by {@code &}. */
    static String tsquery(SearchQuery query) {
        return query.terms().stream().map(t -> "'" + t.text() + "'" + (t.prefix() ? ":*" : ""))
                .collect(Collectors.joining(" & "));
    }

    /**
     * The matching messages of the scope with id below {@code beforeId} (0: all), newest first, at most {@code max};
     * {@code dialect} is {@link #SQLITE} or {@link #POSTGRES}, {@code matchText} its match's parameter.
     */
    static List<StoredMessage> search(Sql db, Dialect dialect, String matchText, SearchScope scope, long beforeId, int max)
            throws SQLException {
        List<Object> values = new ArrayList<>(List.of(matchText, beforeId == 0 ? Long.MAX_VALUE : beforeId,
                scope.accountId(), scope.accountId()));
        StringBuilder groups = new StringBuilder();
        for (SearchScope.Window w : scope.groups()) {
            groups.append(" OR (m.recipient_id = ? AND m.id > ? AND m.id <= ?)");
            values.add(GroupRows.conversation(w.groupId()));
            values.add(w.afterId());
            values.add(w.throughId());
        }
        values.add(max);
        String sql = "SELECT m.id, s.username, COALESCE(g.name, r.username), m.created_at, m.body FROM " + dialect.from()
                + " JOIN accounts s ON s.id = m.sender_id"
                + " LEFT JOIN accounts r ON r.id = m.recipient_id LEFT JOIN groups g ON g.id = -m.recipient_id"
                + " WHERE " + dialect.match() + " AND " + dialect.id() + " < ?"
                + " AND ((m.recipient_id > 0 AND (m.sender_id = ? AND r.deleted_at IS NULL OR m.recipient_id = ? AND s.deleted_at IS NULL))"
                + groups + ") ORDER BY " + dialect.id() + " DESC LIMIT ?";
        return db.once().list(sql, Sql.values(values.toArray()), MessageRows::message);
    }
}
