package org.wirechat.server.storage;

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * SENDs and acknowledgements on PostgreSQL, a batch at a time: every SEND waiting when the writer gets to them is
 * decided and stored by five statements over arrays, whatever their number, in the writer's transaction
 * (so the batch commits with one WAL flush, and the writer makes five round trips to the database
 * instead of one a SEND — with the database on the same two cores, those round trips were what
 * limited the writer):
 * <ol>
 * <li>the recipients, by name, live, <b>locked</b> in the order of their ids ({@code FOR NO KEY UPDATE}),
 *     with their received and acknowledged counts and newest message ids, then the mark rows of the
 *     accounts acknowledging in this batch, in id order — so servers never deadlock on them, a second
 *     server's SEND to one of them waits until this batch commits, and an acknowledgement of it does not;
 *     then (a sixth statement, when the batch holds acknowledgements) every acknowledgement's mark moved,
 *     before any SEND is decided;
 * <li>earlier messages with the same sender and client id (retries);
 * <li>one id from the sequence for each message to store, <b>sorted</b> and given out in the order the
 *     SENDs were queued — so one recipient's messages are numbered in the order they were sent, and
 *     (their rows being locked) after every message to them committed before;
 * <li>the messages, inserted;
 * <li>the recipients' received counts raised, their newest message id (and the one before it) recorded,
 *     and one {@code NOTIFY} per recipient, carrying its messages when they fit ({@link MailNotice}).
 * </ol>
 * Each SEND's future completes only after the writer has committed the batch; before that, in queue
 * order, every stored message is told to {@link CachedInboxes#stored} with the id before it.
 */
final class PostgresSends {
    /** One SEND waiting for the writer. */
    private record Pending(long senderId, String recipientKey, String clientId, String body, long nowMillis, int capacity,
            CompletableFuture<SendOutcome> future) {
    }

    /**
     * A recipient as the batch found it: its row locked, with the messages ever counted to it and (from the
     * mark's row, not locked: a later mark only means fewer unread) the messages acknowledged.
     */
    private record Recipient(long id, String username, long received, long acked, long lastMessageId) {
    }

    /** A message the batch stored, with the id its recipient's newest message had before it. */
    private record Stored(long recipientId, long previous, StoredMessage message) {
    }

    /** What a flush decided: each SEND's outcome in queue order, and the messages stored, in id order. */
    private record Flushed(List<Map.Entry<Pending, SendOutcome>> outcomes, List<Stored> stored) {
    }

    /** An acknowledgement waiting for the writer. */
    private record PendingAck(long accountId, long throughId, CompletableFuture<Void> future) {
    }

    private record Prior(long id, long createdAt, long recipientId, String body) {
    }

    private final Writer writer;
    private final String channel;
    private final String nodeId;
    private final CachedInboxes inboxes;
    /** Per account, an acknowledgement this server has answered but may not have committed yet (0: none). */
    private final java.util.function.LongUnaryOperator acknowledgedAhead;
    /** Usernames by account id, learnt as accounts send (a name never changes, and an id is never reused). */
    private final java.util.concurrent.ConcurrentHashMap<Long, String> usernames = new java.util.concurrent.ConcurrentHashMap<>();
    private static final int USERNAMES_MAX = 100_000;
    private final ConcurrentLinkedQueue<Pending> queue = new ConcurrentLinkedQueue<>();
    private final ConcurrentLinkedQueue<PendingAck> acks = new ConcurrentLinkedQueue<>();
    /** A flush is queued in the writer and has not yet taken the queues. */
    private final AtomicBoolean flushQueued = new AtomicBoolean();

    /** {@code nodeId} goes into each notification, so that this server can tell its own from the others'. */
    PostgresSends(Writer writer, String channel, String nodeId, CachedInboxes inboxes,
            java.util.function.LongUnaryOperator acknowledgedAhead) {
        this.writer = writer;
        this.acknowledgedAhead = acknowledgedAhead;
        this.channel = channel;
        this.nodeId = nodeId;
        this.inboxes = inboxes;
    }

    CompletableFuture<SendOutcome> send(long senderId, String recipientKey, String clientId, String body, long nowMillis,
            int capacity) {
        CompletableFuture<SendOutcome> f = new CompletableFuture<>();
        queue.add(new Pending(senderId, recipientKey, clientId, body, nowMillis, capacity, f));
        if (flushQueued.compareAndSet(false, true)) {
            queueFlush();
        }
        return f;
    }

    /**
     * Queues an acknowledgement for the next batch: its account's row is locked with the recipients', in
     * id order, and the mark moved by one statement for all of the batch's acknowledgements. The future
     * completes once the batch has committed (it fails if the batch does: then the messages are
     * delivered again, never lost).
     */
    CompletableFuture<Void> acknowledge(long accountId, long throughId) {
        CompletableFuture<Void> f = new CompletableFuture<>();
        acks.add(new PendingAck(accountId, throughId, f));
        if (flushQueued.compareAndSet(false, true)) {
            queueFlush();
        }
        return f;
    }

    private void queueFlush() {
        List<Pending> mine = new ArrayList<>();
        List<PendingAck> myAcks = new ArrayList<>();
        boolean[] taken = new boolean[1];
        // the flush task takes the queues when it first runs (a batch retried after a deadlock runs it again
        // with the same work); its outcomes are handed out once the writer has committed
        writer.<Flushed>submit(db -> {
            if (!taken[0]) {
                taken[0] = true;
                flushQueued.set(false); // work queued from now on queues another flush
                for (Pending p; (p = queue.poll()) != null;) {
                    mine.add(p);
                }
                for (PendingAck a; (a = acks.poll()) != null;) {
                    myAcks.add(a);
                }
            }
            return store(db.connection(), mine, myAcks);
        }).whenComplete((flushed, failure) -> {
            if (failure != null) {
                Throwable cause = failure instanceof java.util.concurrent.CompletionException c ? c.getCause() : failure;
                if (!taken[0]) { // refused before it ran (the storage down): so is the work waiting for it
                    flushQueued.set(false);
                    for (Pending p; (p = queue.poll()) != null;) {
                        p.future().completeExceptionally(cause);
                    }
                    for (PendingAck a; (a = acks.poll()) != null;) {
                        a.future().completeExceptionally(cause);
                    }
                }
                for (Pending p : mine) {
                    p.future().completeExceptionally(cause);
                }
                for (PendingAck a : myAcks) {
                    a.future().completeExceptionally(cause);
                }
                return;
            }
            for (PendingAck a : myAcks) {
                a.future().complete(null);
            }
            // committed: told in commit order (the writer completes a batch's futures in order on its thread)
            for (Stored st : flushed.stored()) {
                inboxes.stored(st.recipientId(), st.previous(), st.message());
            }
            for (Map.Entry<Pending, SendOutcome> e : flushed.outcomes()) {
                e.getKey().future().complete(e.getValue());
            }
        });
    }

    private Flushed store(Connection c, List<Pending> batch, List<PendingAck> acknowledgements) throws SQLException {
        List<Map.Entry<Pending, SendOutcome>> outcomes = new ArrayList<>(batch.size());
        List<Stored> stored = new ArrayList<>();
        if (batch.isEmpty() && acknowledgements.isEmpty()) {
            return new Flushed(outcomes, stored);
        }
        Map<Long, Long> through = new LinkedHashMap<>();
        for (PendingAck a : acknowledgements) {
            through.merge(a.accountId(), a.throughId(), Math::max);
        }
        Map<String, Recipient> recipients = lockRecipients(c, batch, through.keySet());
        Map<Long, Long> received = new HashMap<>();
        Map<Long, Long> acked = new HashMap<>();
        for (Recipient r : recipients.values()) {
            received.put(r.id(), r.received());
            acked.put(r.id(), r.acked());
        }
        // acknowledgements first: the protocol answers a FETCH after its acknowledgement, so what it covers
        // no longer counts against the inbox for any SEND decided after
        applyAcknowledgements(c, through).forEach((id, n) -> acked.replace(id, n));
        if (batch.isEmpty()) {
            return new Flushed(outcomes, stored);
        }
        Map<String, Prior> priors = priors(c, batch);
        // decide each SEND in queue order, as if stored one after another
        List<Pending> accepted = new ArrayList<>();
        List<Long> acceptedRecipient = new ArrayList<>();
        Map<String, Pending> inBatch = new HashMap<>();
        Map<Pending, SendOutcome> decided = new LinkedHashMap<>();
        for (Pending p : batch) {
            Recipient r = recipients.get(p.recipientKey());
            if (r == null) {
                decided.put(p, new SendOutcome.NoRecipient());
                continue;
            }
            String dedupe = p.senderId() + "\u0000" + p.clientId();
            Pending earlier = inBatch.get(dedupe);
            Prior prior = priors.get(dedupe);
            if (earlier != null) {
                decided.put(p, null); // settled below, once the earlier one has its id
                continue;
            }
            if (prior != null) {
                boolean same = prior.recipientId() == r.id() && prior.body().equals(p.body());
                decided.put(p, same ? new SendOutcome.Duplicate(prior.id(), prior.createdAt()) : new SendOutcome.ClientIdReused());
                continue;
            }
            long waiting = received.get(r.id()) - acked.get(r.id());
            if (waiting >= p.capacity()) {
                acknowledgeFirst(c, r.id(), acked);
                waiting = received.get(r.id()) - acked.get(r.id());
            }
            if (waiting >= p.capacity()) {
                decided.put(p, new SendOutcome.InboxFull(r.username(), waiting));
                continue;
            }
            received.merge(r.id(), 1L, Long::sum);
            inBatch.put(dedupe, p);
            accepted.add(p);
            acceptedRecipient.add(r.id());
            decided.put(p, null);
        }
        long[] ids = ids(c, accepted.size());
        Map<Pending, Long> idOf = new HashMap<>();
        for (int i = 0; i < accepted.size(); i++) {
            idOf.put(accepted.get(i), ids[i]);
        }
        insert(c, accepted, acceptedRecipient, ids);
        // each message's predecessor in its recipient's inbox: the row's newest, then the batch's own
        Map<Long, Long> last = new HashMap<>();
        for (Recipient r : recipients.values()) {
            last.put(r.id(), r.lastMessageId());
        }
        Map<Long, String> senders = usernames(c, accepted);
        Map<Long, Recipient> byId = new HashMap<>();
        for (Recipient r : recipients.values()) {
            byId.put(r.id(), r);
        }
        Map<Long, long[]> newest = new LinkedHashMap<>(); // recipient -> {messages, previous, last, first's previous}
        Map<Long, List<StoredMessage>> mail = new HashMap<>();
        for (int i = 0; i < accepted.size(); i++) {
            Pending p = accepted.get(i);
            long r = acceptedRecipient.get(i);
            long previous = last.put(r, ids[i]);
            StoredMessage m = new StoredMessage(ids[i], senders.get(p.senderId()), byId.get(r).username(), p.nowMillis(), p.body());
            stored.add(new Stored(r, previous, m));
            mail.computeIfAbsent(r, k -> new ArrayList<>()).add(m);
            long[] n = newest.computeIfAbsent(r, k -> new long[] {0, 0, 0, previous});
            n[0]++;
            n[1] = previous;
            n[2] = ids[i];
        }
        raiseUnreadAndNotify(c, newest, mail);
        for (Map.Entry<Pending, SendOutcome> e : decided.entrySet()) {
            Pending p = e.getKey();
            SendOutcome o = e.getValue();
            if (o == null) {
                Long id = idOf.get(p);
                if (id != null) {
                    o = new SendOutcome.Stored(id, p.nowMillis(), recipients.get(p.recipientKey()).id());
                } else { // a second SEND in the batch with a client id the first one took
                    Pending first = inBatch.get(p.senderId() + "\u0000" + p.clientId());
                    boolean same = first.recipientKey().equals(p.recipientKey()) && first.body().equals(p.body());
                    o = same ? new SendOutcome.Duplicate(idOf.get(first), first.nowMillis()) : new SendOutcome.ClientIdReused();
                }
            }
            outcomes.add(Map.entry(p, o));
        }
        return new Flushed(outcomes, stored);
    }

    /**
     * A full inbox whose acknowledgement is on its way (FETCH has answered; it is queued for the next
     * batch): the acknowledgement is applied here first, in this transaction, which holds the row — the
     * protocol says an acknowledged message no longer counts. Its mark's row is locked out of id order
     * (a rare path: a deadlock with another server's batch is retried), and {@code acked} updated.
     */
    private void acknowledgeFirst(Connection c, long recipientId, Map<Long, Long> acked) throws SQLException {
        long through = acknowledgedAhead.applyAsLong(recipientId);
        if (through > 0) {
            applyAcknowledgements(c, Map.of(recipientId, through)).forEach((id, n) -> acked.replace(id, n));
        }
    }

    /** The senders' usernames, from memory, or looked up once (one statement for all not known yet). */
    private Map<Long, String> usernames(Connection c, List<Pending> accepted) throws SQLException {
        Map<Long, String> out = new HashMap<>();
        List<Long> missing = new ArrayList<>();
        for (Pending p : accepted) {
            String known = usernames.get(p.senderId());
            if (known != null) {
                out.put(p.senderId(), known);
            } else if (!missing.contains(p.senderId())) {
                missing.add(p.senderId());
            }
        }
        if (!missing.isEmpty()) {
            try (PreparedStatement ps = c.prepareStatement("SELECT id, username FROM accounts WHERE id = ANY (?)")) {
                ps.setArray(1, longs(c, missing.stream().mapToLong(Long::longValue).toArray()));
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        out.put(rs.getLong(1), rs.getString(2));
                    }
                }
            }
            if (usernames.size() + missing.size() > USERNAMES_MAX) {
                usernames.clear();
            }
            for (long id : missing) {
                usernames.put(id, out.get(id));
            }
        }
        return out;
    }

    /**
     * The batch's live recipients by lower-case name, their account rows locked in id order, then the
     * mark rows of the accounts acknowledging in this batch, in id order: every batch takes account rows
     * before mark rows, each kind in id order, so batches on several servers never deadlock on them. A
     * SEND to an account and an acknowledgement of it lock different rows: they do not wait for each other.
     */
    private static Map<String, Recipient> lockRecipients(Connection c, List<Pending> batch, java.util.Set<Long> acknowledging)
            throws SQLException {
        String[] keys = batch.stream().map(Pending::recipientKey).distinct().toArray(String[]::new);
        Map<String, Recipient> found = new HashMap<>();
        // UNION ALL runs its parts one after the other, each locking as its sorted rows come
        try (PreparedStatement ps = c.prepareStatement("""
                SELECT * FROM (SELECT a.id, a.username_key, a.username, a.received, k.acked, a.last_message_id
                  FROM accounts a JOIN inbox_marks k ON k.account_id = a.id
                  WHERE a.username_key = ANY (?) AND a.deleted_at IS NULL ORDER BY a.id FOR NO KEY UPDATE OF a) r
                UNION ALL
                SELECT * FROM (SELECT k.account_id, NULL, NULL, 0, 0, 0 FROM inbox_marks k
                  WHERE k.account_id = ANY (?) ORDER BY k.account_id FOR NO KEY UPDATE) m
                """)) {
            ps.setArray(1, c.createArrayOf("text", keys));
            ps.setArray(2, longs(c, acknowledging.stream().mapToLong(Long::longValue).toArray()));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    String key = rs.getString(2);
                    if (key != null) {
                        found.put(key, new Recipient(rs.getLong(1), rs.getString(3), rs.getLong(4), rs.getLong(5), rs.getLong(6)));
                    }
                }
            }
        }
        return found;
    }

    /**
     * Moves each account's mark to its newest message at or below the id acknowledged (never past what
     * exists, so a message stored later is not marked by an acknowledgement that reached beyond it) and
     * counts what that covers as acknowledged, in one statement (the mark rows are locked). Every message
     * below that newest one is visible here: one recipient's messages commit in id order. Returns the
     * acknowledged counts of the accounts whose mark moved.
     */
    private static Map<Long, Long> applyAcknowledgements(Connection c, Map<Long, Long> through) throws SQLException {
        Map<Long, Long> acked = new HashMap<>();
        if (through.isEmpty()) {
            return acked;
        }
        try (PreparedStatement ps = c.prepareStatement("""
                WITH mark AS (
                  SELECT k.id, (SELECT max(m.id) FROM messages m WHERE m.recipient_id = k.id AND m.id <= k.through) AS id_
                  FROM unnest(?::bigint[], ?::bigint[]) AS k(id, through))
                UPDATE inbox_marks x SET acked_through = mark.id_,
                  acked = x.acked + (SELECT count(*) FROM messages m
                                     WHERE m.recipient_id = x.account_id AND m.id > x.acked_through AND m.id <= mark.id_)
                FROM mark WHERE x.account_id = mark.id AND mark.id_ > x.acked_through
                RETURNING x.account_id, x.acked
                """)) {
            ps.setArray(1, longs(c, through.keySet().stream().mapToLong(Long::longValue).toArray()));
            ps.setArray(2, longs(c, through.values().stream().mapToLong(Long::longValue).toArray()));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    acked.put(rs.getLong(1), rs.getLong(2));
                }
            }
        }
        return acked;
    }

    /** Messages already stored with one of the batch's (sender, client id) pairs. */
    private static Map<String, Prior> priors(Connection c, List<Pending> batch) throws SQLException {
        Map<String, Prior> found = new HashMap<>();
        // one probe of the dedupe index a SEND: the LIMIT (the index is unique) keeps the planner from
        // pulling the subquery up into a join, which it planned as a scan of the whole table
        try (PreparedStatement ps = c.prepareStatement("SELECT m.sender_id, m.client_id, m.id, m.created_at, m.recipient_id, m.body"
                + " FROM unnest(?::bigint[], ?::text[]) AS k(sender_id, client_id) CROSS JOIN LATERAL"
                + " (SELECT * FROM messages m WHERE m.sender_id = k.sender_id AND m.client_id = k.client_id LIMIT 1) m")) {
            ps.setArray(1, longs(c, batch.stream().mapToLong(Pending::senderId).toArray()));
            ps.setArray(2, c.createArrayOf("text", batch.stream().map(Pending::clientId).toArray()));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    found.put(rs.getLong(1) + "\u0000" + rs.getString(2), new Prior(rs.getLong(3), rs.getLong(4), rs.getLong(5), rs.getString(6)));
                }
            }
        }
        return found;
    }

    /** {@code n} new message ids, ascending. */
    private static long[] ids(Connection c, int n) throws SQLException {
        long[] ids = new long[n];
        if (n == 0) {
            return ids;
        }
        try (PreparedStatement ps = c.prepareStatement(
                "SELECT nextval('messages_id_seq') FROM generate_series(1, ?)")) {
            ps.setInt(1, n);
            try (ResultSet rs = ps.executeQuery()) {
                for (int i = 0; i < n; i++) {
                    rs.next();
                    ids[i] = rs.getLong(1);
                }
            }
        }
        java.util.Arrays.sort(ids); // whatever order the sequence was called in, given out in queue order
        return ids;
    }

    private static void insert(Connection c, List<Pending> accepted, List<Long> recipients, long[] ids) throws SQLException {
        if (accepted.isEmpty()) {
            return;
        }
        int n = accepted.size();
        long[] sender = new long[n];
        long[] recipient = new long[n];
        long[] lo = new long[n];
        long[] hi = new long[n];
        long[] at = new long[n];
        Object[] clientIds = new Object[n];
        Object[] bodies = new Object[n];
        for (int i = 0; i < n; i++) {
            Pending p = accepted.get(i);
            sender[i] = p.senderId();
            recipient[i] = recipients.get(i);
            lo[i] = Math.min(sender[i], recipient[i]);
            hi[i] = Math.max(sender[i], recipient[i]);
            at[i] = p.nowMillis();
            clientIds[i] = p.clientId();
            bodies[i] = p.body();
        }
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO messages"
                + " (id, sender_id, recipient_id, pair_lo, pair_hi, client_id, body, created_at) OVERRIDING SYSTEM VALUE"
                + " SELECT * FROM unnest(?::bigint[], ?::bigint[], ?::bigint[], ?::bigint[], ?::bigint[], ?::text[], ?::text[], ?::bigint[])")) {
            ps.setArray(1, longs(c, ids));
            ps.setArray(2, longs(c, sender));
            ps.setArray(3, longs(c, recipient));
            ps.setArray(4, longs(c, lo));
            ps.setArray(5, longs(c, hi));
            ps.setArray(6, c.createArrayOf("text", clientIds));
            ps.setArray(7, c.createArrayOf("text", bodies));
            ps.setArray(8, longs(c, at));
            ps.executeUpdate();
        }
    }

    /**
     * Counts each recipient's messages in the batch as received, records its newest message id and
     * the one before it, and notifies each once, with its messages when they fit ({@link MailNotice}).
     * {@code newest}: recipient id to {messages, previous, last, the first message's previous}.
     */
    private void raiseUnreadAndNotify(Connection c, Map<Long, long[]> newest, Map<Long, List<StoredMessage>> mail)
            throws SQLException {
        if (newest.isEmpty()) {
            return;
        }
        int n = newest.size();
        long[] ids = new long[n];
        long[] counts = new long[n];
        long[] previous = new long[n];
        long[] last = new long[n];
        Object[] notices = new Object[n];
        int i = 0;
        for (Map.Entry<Long, long[]> e : newest.entrySet()) {
            long[] v = e.getValue();
            List<StoredMessage> messages = mail.get(e.getKey());
            ids[i] = e.getKey();
            counts[i] = v[0];
            previous[i] = v[1];
            last[i] = v[2];
            notices[i] = MailNotice.of(e.getKey(), nodeId, v[3], messages.getFirst().recipient(), messages);
            i++;
        }
        try (PreparedStatement ps = c.prepareStatement("WITH u AS (UPDATE accounts a SET received = a.received + k.n,"
                + " previous_message_id = k.previous, last_message_id = k.last"
                + " FROM unnest(?::bigint[], ?::bigint[], ?::bigint[], ?::bigint[], ?::text[]) AS k(id, n, previous, last, notice)"
                + " WHERE a.id = k.id RETURNING k.notice)"
                + " SELECT pg_notify('" + channel + "', u.notice) FROM u")) {
            ps.setArray(1, longs(c, ids));
            ps.setArray(2, longs(c, counts));
            ps.setArray(3, longs(c, previous));
            ps.setArray(4, longs(c, last));
            ps.setArray(5, c.createArrayOf("text", notices));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    // one row a recipient, its notification sent (on commit)
                }
            }
        }
    }

    private static Array longs(Connection c, long[] values) throws SQLException {
        Long[] boxed = new Long[values.length];
        for (int i = 0; i < values.length; i++) {
            boxed[i] = values[i];
        }
        return c.createArrayOf("bigint", boxed);
    }
}
