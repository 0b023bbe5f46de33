package org.wirechat.server.storage;

import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongFunction;
import java.util.stream.Collectors;
import org.wirechat.server.core.port.BatchView.GroupAt;
import org.wirechat.server.core.port.BatchView.Prior;
import org.wirechat.server.core.port.DeviceMark;
import org.wirechat.server.core.port.GroupInfo;
import org.wirechat.server.core.port.MarkMove;
import org.wirechat.server.core.port.PendingSend;
import org.wirechat.server.core.port.SendDecisions;
import org.wirechat.server.core.port.SendOutcome;
import org.wirechat.server.core.port.StoredMessage;
import org.wirechat.server.core.port.Verdict;

/**
 * SENDs and acknowledgements on PostgreSQL, a batch at a time: every SEND waiting when the writer gets to them is
 * decided (by the core's SEND rule ({@link SendDecisions#batch}), against a {@link PostgresBatchView} of what these statements read) and
 * stored by a few statements over arrays, whatever their number, in the writer's transaction — a steady batch of
 * SENDs and acknowledgements is seven and the commit (docs/architecture.md §3.5) — so the batch commits with one WAL
 * flush, and the writer makes a few round trips to the database instead of one a SEND (with the database on the same
 * two cores, those round trips were what limited the writer):
 * <ol>
 * <li>the lock statement (R): the recipients, by name, live, <b>locked</b> in the order of their ids
 *     ({@code FOR NO KEY UPDATE}), with their received and acknowledged counts and newest message ids; then the mark
 *     rows of <b>every device</b> of the accounts acknowledging in this batch and their floor rows, locked in id order,
 *     and what each acknowledgement covers ({@link #TARGETS}) — so servers never deadlock on them, and a second
 *     server's SEND to one of them waits until this batch commits; then, when the batch holds acknowledgements, the
 *     marks the core's {@link SendDecisions#acknowledge} decided, upserted (W1), and the floors {@link SendDecisions#floor} decided,
 *     updated (W2, only where the account has no mark row the decision did not see: {@link #moveFloors}), before any SEND is decided;
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
    /** One SEND waiting for the writer; {@code device}: the sender's device it came from (null: none, so no copies). */
    private record Pending(long senderId, String device, String recipientKey, String clientId, String body, long nowMillis,
            int capacity, CompletableFuture<SendOutcome> future) {
        PendingSend send() {
            return new PendingSend(senderId, device, recipientKey, clientId, body, nowMillis, capacity);
        }
    }

    /**
     * A recipient as the batch found it: its row locked, with the messages ever counted to it and (from the
     * mark's row, not locked: a later mark only means fewer unread) the messages acknowledged.
     */
    private record Recipient(long id, String username, long received, long acked, long lastMessageId) {
    }

    /** A group the batch sends to, its row share-locked (a membership change waits for the batch), with its members. */
    private record Group(long id, String name, List<Long> members) {
    }

    /**
     * A message the batch stored, with the id its recipient's newest message had before it; {@code fromDevice}:
     * for a copy in its sender's inbox, the device it came from (else null).
     */
    private record Stored(long recipientId, long previous, StoredMessage message, String fromDevice) {
    }

    /** What a flush decided: each SEND's outcome in queue order, and the messages stored, in id order. */
    private record Flushed(List<Map.Entry<Pending, SendOutcome>> outcomes, List<Stored> stored, Map<Long, Long> floors,
            List<DeviceAck> marks) {
    }

    /** An acknowledgement waiting for the writer. */
    private record PendingAck(long accountId, String device, long throughId, long nowMillis, CompletableFuture<Void> future) {
    }

    private final Writer writer;
    /** The core's send and mark rules: this store asks them and writes what they decide. */
    private final SendDecisions rules;
    private final String channel;
    private final String nodeId;
    private final CachedInboxes inboxes;
    /** Told each device mark a batch moved, once it has committed. */
    interface Marked {
        void marked(long accountId, String device, long through);
    }

    private final Marked marked;

    /** Per account, its devices' acknowledgements this server has answered but may not have committed yet. */
    private final LongFunction<Map<String, Long>> acknowledgedAhead;
    /** A device idle longer than this no longer holds its account's messages. */
    private volatile long horizonMillis = Duration.ofDays(30).toMillis();
    /** Usernames by account id, learnt as accounts send (a name never changes, and an id is never reused). */
    private final ConcurrentHashMap<Long, String> usernames = new ConcurrentHashMap<>();
    private static final int USERNAMES_MAX = 100_000;
    private final ConcurrentLinkedQueue<Pending> queue = new ConcurrentLinkedQueue<>();
    private final ConcurrentLinkedQueue<PendingAck> acks = new ConcurrentLinkedQueue<>();
    /** A flush is queued in the writer and has not yet taken the queues. */
    private final AtomicBoolean flushQueued = new AtomicBoolean();

    /** {@code nodeId} goes into each notification, so that this server can tell its own from the others'. */
    private final SingleDevices singleDevices;

    PostgresSends(Writer writer, String channel, String nodeId, CachedInboxes inboxes, SingleDevices singleDevices,
            LongFunction<Map<String, Long>> acknowledgedAhead, Marked marked, SendDecisions rules) {
        this.rules = rules;
        this.singleDevices = singleDevices;
        this.marked = marked;
        this.writer = writer;
        this.acknowledgedAhead = acknowledgedAhead;
        this.channel = channel;
        this.nodeId = nodeId;
        this.inboxes = inboxes;
    }

    CompletableFuture<SendOutcome> send(long senderId, String device, String recipientKey, String clientId, String body,
            long nowMillis, int capacity) {
        CompletableFuture<SendOutcome> f = new CompletableFuture<>();
        queue.add(new Pending(senderId, device, recipientKey, clientId, body, nowMillis, capacity, f));
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
    CompletableFuture<Void> acknowledge(long accountId, String device, long throughId, long nowMillis) {
        CompletableFuture<Void> f = new CompletableFuture<>();
        acks.add(new PendingAck(accountId, device, throughId, nowMillis, f));
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
                Throwable cause = failure instanceof CompletionException c ? c.getCause() : failure;
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
            // committed: told in commit order (the writer completes a batch's futures in order on its thread)
            flushed.floors().forEach(inboxes::acknowledged); // no device of the account waits for these any more
            flushed.marks().forEach(m -> marked.marked(m.accountId(), m.device(), m.throughId()));
            for (PendingAck a : myAcks) { // after the floors: whoever waits for an acknowledgement reads past it
                a.future().complete(null);
            }
            for (Stored st : flushed.stored()) {
                inboxes.stored(st.recipientId(), st.previous(), st.message(), st.fromDevice());
            }
            for (Map.Entry<Pending, SendOutcome> e : flushed.outcomes()) {
                e.getKey().future().complete(e.getValue());
            }
        });
    }

    void horizon(Duration horizon) {
        horizonMillis = horizon.toMillis();
    }

    /** One device's acknowledgement, the latest of the batch's for that device. */
    private record DeviceAck(long accountId, String device, long throughId) {
    }

    private Flushed store(Connection c, List<Pending> batch, List<PendingAck> acknowledgements) throws SQLException {
        List<Map.Entry<Pending, SendOutcome>> outcomes = new ArrayList<>(batch.size());
        List<Stored> stored = new ArrayList<>();
        Map<Long, Long> floors = new HashMap<>();
        List<DeviceAck> marks = new ArrayList<>();
        if (batch.isEmpty() && acknowledgements.isEmpty()) {
            return new Flushed(outcomes, stored, floors, marks);
        }
        Map<String, DeviceAck> byDevice = new LinkedHashMap<>();
        long now = 0;
        for (PendingAck a : acknowledgements) {
            byDevice.merge(a.accountId() + "\u0000" + a.device(), new DeviceAck(a.accountId(), a.device(), a.throughId()),
                    (x, y) -> x.throughId() >= y.throughId() ? x : y);
            now = Math.max(now, a.nowMillis());
        }
        List<DeviceAck> deviceAcks = new ArrayList<>(byDevice.values());
        // groups before accounts: every transaction takes group rows first (a membership change, a deletion)
        Map<String, Group> groups = lockGroups(c, batch);
        List<Long> members = groups.values().stream().flatMap(g -> g.members().stream()).distinct().toList();
        long sendNow = batch.stream().mapToLong(Pending::nowMillis).max().orElse(now);
        Set<String> copying = new HashSet<>();
        Map<Long, Holding> holding = new HashMap<>();
        Map<String, Recipient> recipients = lockRecipients(c, batch, members, deviceAcks, sendNow, copying,
                singleDevices, holding);
        Map<Long, Long> acked = new HashMap<>();
        for (Recipient r : recipients.values()) {
            acked.put(r.id(), r.acked());
        }
        // acknowledgements first: the protocol answers a FETCH after its acknowledgement, so what it covers
        // no longer counts against the inbox for any SEND decided after
        marks.addAll(applyAcknowledgements(c, deviceAcks, now, channel, holding));
        moveFloors(c, holding, now, acked, floors);
        if (batch.isEmpty()) {
            return new Flushed(outcomes, stored, floors, marks);
        }
        Map<String, Prior> priors = priors(c, batch);
        // decided by the core's rule, SEND by SEND in queue order, as if stored one after another
        Map<String, PostgresBatchView.Row> byName = new HashMap<>();
        Map<Long, PostgresBatchView.Row> byId = new HashMap<>();
        recipients.forEach((key, r) -> {
            PostgresBatchView.Row row = new PostgresBatchView.Row(r.id(), r.username(), r.received());
            byName.put(key, row);
            byId.put(r.id(), row);
        });
        Map<String, GroupAt> groupsAt = new HashMap<>();
        groups.forEach((key, g) -> groupsAt.put(key, new GroupAt(GroupRows.conversation(g.id()), g.name(), g.members())));
        SendDecisions.Batch rule = rules.batch(new PostgresBatchView(byName, byId, groupsAt, priors, copying, acked,
                (account, at) -> acknowledgeFirst(c, account, at, acked, floors, marks)));
        List<Verdict> verdicts = new ArrayList<>(batch.size());
        List<Verdict.Accepted> accepted = new ArrayList<>();
        try {
            for (Pending p : batch) {
                Verdict v = rule.decide(p.send());
                verdicts.add(v);
                if (v instanceof Verdict.Accepted a) {
                    accepted.add(a);
                }
            }
        } catch (SqlFailure f) {
            throw f.getCause(); // the writer retries or refuses the batch, as for any statement of it
        }
        long[] ids = ids(c, accepted.size());
        insert(c, accepted, ids);
        // each message's predecessor in its recipient's inbox: the row's newest, then the batch's own
        Map<Long, Long> last = new HashMap<>();
        for (Recipient r : recipients.values()) {
            last.put(r.id(), r.lastMessageId());
        }
        Map<Long, String> senders = usernames(c, accepted);
        Map<Long, long[]> newest = new LinkedHashMap<>(); // recipient -> {messages, previous, last, first's previous}
        Map<Long, List<StoredMessage>> mail = new HashMap<>();
        Set<Long> hinted = new HashSet<>();
        for (Verdict.Accepted a : accepted) {
            long id = ids[a.index()];
            PendingSend p = a.send();
            StoredMessage m = new StoredMessage(id, senders.get(p.senderId()), a.recipient(), p.nowMillis(), p.body());
            String from = a.copied() ? p.device() : null;
            List<Long> into = a.reaches();
            if (from != null) { // and the sender's inbox, for its other devices (never among reaches)
                into = new ArrayList<>(into);
                into.add(p.senderId());
                hinted.add(p.senderId()); // a notification does not carry copies: the other servers read the inbox again
            }
            for (long r : into) {
                boolean copy = from != null && r == p.senderId();
                long previous = last.put(r, id);
                stored.add(new Stored(r, previous, m, copy ? from : null));
                mail.computeIfAbsent(r, k -> new ArrayList<>()).add(m);
                long[] n = newest.computeIfAbsent(r, k -> new long[] {0, 0, 0, previous});
                if (!copy) { // a copy is not counted as received
                    n[0]++;
                }
                n[1] = previous;
                n[2] = id;
            }
        }
        raiseUnreadAndNotify(c, newest, mail, hinted);
        for (int i = 0; i < batch.size(); i++) {
            outcomes.add(Map.entry(batch.get(i), rules.outcome(verdicts.get(i), ids)));
        }
        return new Flushed(outcomes, stored, floors, marks);
    }

    /**
     * A full inbox: the acknowledgements of it this server has answered and not yet committed are applied
     * here first, in this transaction (the protocol says an acknowledged message no longer counts), and its
     * floor recomputed now — a device idle past the horizon no longer holds it full. The mark and floor
     * rows are locked out of id order here (a rare path: a deadlock with another server's batch is
     * retried); {@code acked} and {@code floors} updated.
     */
    private void acknowledgeFirst(Connection c, long recipientId, long nowMillis, Map<Long, Long> acked, Map<Long, Long> floors,
            List<DeviceAck> marks) throws SQLException {
        List<DeviceAck> pending = new ArrayList<>();
        acknowledgedAhead.apply(recipientId).forEach((device, through) -> pending.add(new DeviceAck(recipientId, device, through)));
        Map<Long, Holding> holding = readHolding(c, recipientId, pending);
        marks.addAll(applyAcknowledgements(c, pending, nowMillis, channel, holding));
        moveFloors(c, holding, nowMillis, acked, floors);
    }

    /**
     * An account's floor and its devices' marks as this batch holds them, locked (the lock statement's, or the
     * full-inbox path's read): what the core's floor rule ({@link SendDecisions#floor}) decides over. Per device: {through,
     * the account's messages at or below it, last active ms}.
     */
    private static final class Holding {
        long floor;
        long floorCount;
        final Map<String, long[]> devices = new HashMap<>();
        /** Per acknowledging device: {the newest message its acknowledgement covers (0: none), the count at it}. */
        final Map<String, long[]> targets = new HashMap<>();
    }

    /** The lock statement's rows of {@link #TARGETS} carry this where the others carry a count (or -2, -3: the copy probe's). */
    private static final long TARGET = -4;

    /**
     * For each acknowledging device (parameters: account ids, devices, ids acknowledged), what its acknowledgement
     * covers — a query, not a decision: the account's newest message at or below the id (a group's in a membership, a
     * copy of its own messages, then on over the device's own copies that follow it with nothing between: it never
     * receives those), and the count of the account's messages at or below it, counted on from the device's mark or the
     * floor, whichever is higher, as this statement's snapshot has them (rows locked later are only newer: a mark or a
     * floor never moves down, and its count is the count at its id, so counting on from an older one gives the same
     * count). No lock. Counting from the device's own mark keeps the count to the messages since its last
     * acknowledgement, however far behind another device holds the floor.
     *
     * <p>The target is computed once a row: {@code OFFSET 0} keeps the planner from pulling the lateral subquery up and
     * copying its expression into each place {@code t.target} is used (it did: four copies of every probe a row, and
     * the lock statement took 1.64 ms a batch instead of about 0.5; docs/benchmarks.md, issue 28 step 5).
     */
    private static final String TARGETS = """
            SELECT k.id, NULL, k.device, %d, COALESCE(t.target, 0),
              CASE WHEN t.target > b.through THEN (b.acked + %s)::bigint ELSE 0 END
            FROM unnest(?::bigint[], ?::text[], ?::bigint[]) AS k(id, device, through)
            JOIN inbox_floors f ON f.account_id = k.id
            LEFT JOIN inbox_marks x ON x.account_id = k.id AND x.device = k.device
            CROSS JOIN LATERAL (SELECT CASE WHEN x.acked_through > f.through THEN x.acked_through ELSE f.through END AS through,
              CASE WHEN x.acked_through > f.through THEN x.acked ELSE f.acked END AS acked) b
            CROSS JOIN LATERAL (SELECT greatest((SELECT max(m.id) FROM messages m WHERE m.recipient_id = k.id AND m.id <= k.through),
              CASE WHEN EXISTS (SELECT 1 FROM group_members g WHERE g.account_id = k.id) THEN %s END, %s, %s) AS target
              OFFSET 0) t
            """.formatted(TARGET, PostgresInbox.count("k.id", "b.through", "t.target"),
            PostgresInbox.newestGroupMessage("k.id", "k.through"), PostgresInbox.newestCopy("k.id", "k.through"),
            PostgresInbox.ownCopiesAfter("k.id", "k.device", "k.through"));

    private static int bindTargets(Connection c, PreparedStatement ps, int at, List<DeviceAck> acks) throws SQLException {
        ps.setArray(++at, longs(c, acks.stream().mapToLong(DeviceAck::accountId).toArray()));
        ps.setArray(++at, c.createArrayOf("text", acks.stream().map(DeviceAck::device).toArray()));
        ps.setArray(++at, longs(c, acks.stream().mapToLong(DeviceAck::throughId).toArray()));
        return at;
    }

    /**
     * The full-inbox path's read: the account's mark rows and its floor row, locked, with what each acknowledgement
     * ahead covers — read before those acknowledgements are applied, which are decided from it.
     */
    private static Map<Long, Holding> readHolding(Connection c, long accountId, List<DeviceAck> acks) throws SQLException {
        Holding h = new Holding();
        try (PreparedStatement ps = c.prepareStatement("""
                SELECT * FROM (SELECT x.account_id, NULL, x.device, x.acked_through, x.acked, x.active_at FROM inbox_marks x
                  WHERE x.account_id = ? ORDER BY x.device FOR NO KEY UPDATE) m
                UNION ALL
                SELECT * FROM (SELECT f.account_id, NULL, NULL, f.through, f.acked, 0 FROM inbox_floors f WHERE f.account_id = ?
                  FOR NO KEY UPDATE) f
                """ + (acks.isEmpty() ? "" : "UNION ALL\n" + TARGETS))) {
            ps.setLong(1, accountId);
            ps.setLong(2, accountId);
            if (!acks.isEmpty()) {
                bindTargets(c, ps, 2, acks);
            }
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    if (rs.getLong(4) == TARGET) {
                        h.targets.put(rs.getString(3), new long[] {rs.getLong(5), rs.getLong(6)});
                    } else if (rs.getString(3) == null) {
                        h.floor = rs.getLong(4);
                        h.floorCount = rs.getLong(5);
                    } else {
                        h.devices.put(rs.getString(3), new long[] {rs.getLong(4), rs.getLong(5), rs.getLong(6)});
                    }
                }
            }
        }
        return Map.of(accountId, h);
    }

    /** The senders' usernames, from memory, or looked up once (one statement for all not known yet). */
    private Map<Long, String> usernames(Connection c, List<Verdict.Accepted> accepted) throws SQLException {
        Map<Long, String> out = new HashMap<>();
        List<Long> missing = new ArrayList<>();
        for (Verdict.Accepted a : accepted) {
            long sender = a.send().senderId();
            String known = usernames.get(sender);
            if (known != null) {
                out.put(sender, known);
            } else if (!missing.contains(sender)) {
                missing.add(sender);
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
     * The batch's live recipients by lower-case name, their account rows locked in id order, with the
     * count of messages at or below each one's floor (read, not locked: a floor moved meanwhile only
     * makes the inbox look fuller); then the mark rows of the devices acknowledging in this batch, then
     * their accounts' floor rows, each in id order: every batch takes account rows, then mark rows, then
     * floor rows, so batches on several servers never deadlock on them. A SEND to an account and an
     * acknowledgement of its inbox lock different rows: they do not wait for each other.
     */
    private Map<String, Recipient> lockRecipients(Connection c, List<Pending> batch, List<Long> members,
            List<DeviceAck> acknowledging, long nowMillis, Set<String> copying, SingleDevices singleDevices,
            Map<Long, Holding> holding) throws SQLException {
        String[] keys = batch.stream().map(Pending::recipientKey).filter(k -> !GroupInfo.isGroupName(k))
                .distinct().toArray(String[]::new);
        // each (sender, device) once: asked whether another device of the sender holds (a probe of its marks)
        List<Pending> fromDevices = batch.stream().filter(p -> p.device() != null && !singleDevices.alone(p.senderId(), p.device()))
                .collect(Collectors.toMap(p -> p.senderId() + "\u0000" + p.device(), p -> p, (x, y) -> x,
                        LinkedHashMap::new)).values().stream().toList();
        Map<String, Recipient> found = new HashMap<>();
        // UNION ALL runs its parts one after the other, each locking as its sorted rows come. The senders
        // with another device (a mark row) that holds are locked with the recipients, in the same id order: their
        // inboxes receive the copies. Whether one holds is the core's rule (SendDecisions.holds, on the latest activity
        // the probe reads); the statement only narrows the rows it locks by the rule's own bound (holdsFrom).
        // Without senders to probe, and no group's members to lock, the accounts are found by name alone: the
        // statement as it was before copies (its plan the cheapest; an OR of the two kept the planner from an index).
        boolean probing = !fromDevices.isEmpty();
        String probe = !probing ? "" : """
                WITH probed AS MATERIALIZED (SELECT k.id, k.device, x.others, x.latest FROM unnest(?::bigint[], ?::text[]) AS k(id, device)
                  CROSS JOIN LATERAL (SELECT count(*) AS others, COALESCE(max(x.active_at), 0) AS latest
                    FROM inbox_marks x WHERE x.account_id = k.id AND x.device <> k.device) x),
                copying AS (SELECT id, device FROM probed WHERE others > 0 AND latest >= ?)
                """;
        String accounts = !probing && members.isEmpty() ? "a.username_key = ANY (?) AND cardinality(?::bigint[]) = 0"
                : "a.id = ANY (ARRAY(SELECT x.id FROM accounts x WHERE x.username_key = ANY (?) AND x.deleted_at IS NULL)"
                        + " || ?::bigint[]" + (probing ? " || ARRAY(SELECT id FROM copying)" : "") + ")";
        String probed = !probing ? "" : """
                UNION ALL
                SELECT id, NULL, device, CASE WHEN others = 0 THEN -2 ELSE -3 END, latest, 0 FROM probed
                """;
        try (PreparedStatement ps = c.prepareStatement(probe + """
                SELECT * FROM (SELECT a.id, a.username_key, a.username, a.received, f.acked, a.last_message_id
                  FROM accounts a JOIN inbox_floors f ON f.account_id = a.id
                  WHERE %s AND a.deleted_at IS NULL ORDER BY a.id FOR NO KEY UPDATE OF a) r
                UNION ALL
                SELECT * FROM (SELECT x.account_id, NULL, x.device, x.acked_through, x.acked, x.active_at FROM inbox_marks x
                  WHERE x.account_id = ANY (?) ORDER BY x.account_id, x.device FOR NO KEY UPDATE OF x) m
                UNION ALL
                SELECT * FROM (SELECT f.account_id, NULL, NULL, f.through, f.acked, 0 FROM inbox_floors f
                  WHERE f.account_id = ANY (?) ORDER BY f.account_id FOR NO KEY UPDATE) f
                """.formatted(accounts) + probed + (acknowledging.isEmpty() ? "" : "UNION ALL\n" + TARGETS))) {
            int at = 0;
            if (probing) {
                ps.setArray(++at, longs(c, fromDevices.stream().mapToLong(Pending::senderId).toArray()));
                ps.setArray(++at, c.createArrayOf("text", fromDevices.stream().map(Pending::device).toArray()));
                ps.setLong(++at, rules.holdsFrom(nowMillis, horizonMillis));
            }
            ps.setArray(++at, c.createArrayOf("text", keys));
            ps.setArray(++at, longs(c, members.stream().mapToLong(Long::longValue).toArray()));
            long[] acknowledgingAccounts = acknowledging.stream().mapToLong(DeviceAck::accountId).distinct().toArray();
            ps.setArray(++at, longs(c, acknowledgingAccounts));
            ps.setArray(++at, longs(c, acknowledgingAccounts));
            for (long a : acknowledgingAccounts) {
                holding.put(a, new Holding());
            }
            if (!acknowledging.isEmpty()) {
                at = bindTargets(c, ps, at, acknowledging);
            }
            long generation = singleDevices.generation(); // before the probe's snapshot
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    String key = rs.getString(2);
                    if (key == null && rs.getLong(4) == -3) { // another device: copied to while one of them holds
                        if (rules.holds(rs.getLong(5), nowMillis, horizonMillis)) {
                            copying.add(rs.getLong(1) + "\u0000" + rs.getString(3));
                        }
                    } else if (key == null && rs.getLong(4) == -2) { // no other device at all: no probe next time
                        singleDevices.probed(rs.getLong(1), rs.getString(3), generation);
                    } else if (key == null && rs.getLong(4) == TARGET) {
                        holding.get(rs.getLong(1)).targets.put(rs.getString(3), new long[] {rs.getLong(5), rs.getLong(6)});
                    } else if (key == null && rs.getLong(4) >= 0 && holding.containsKey(rs.getLong(1))) {
                        Holding h = holding.get(rs.getLong(1));
                        if (rs.getString(3) == null) { // the floor's row
                            h.floor = rs.getLong(4);
                            h.floorCount = rs.getLong(5);
                        } else { // a device's mark
                            h.devices.put(rs.getString(3), new long[] {rs.getLong(4), rs.getLong(5), rs.getLong(6)});
                        }
                    } else if (key != null) { // a member (or a copying sender) is found by its id: keyed by both
                        Recipient r = new Recipient(rs.getLong(1), rs.getString(3), rs.getLong(4), rs.getLong(5), rs.getLong(6));
                        found.put(key, r);
                        found.put(MEMBER + r.id(), r);
                    }
                }
            }
        }
        return found;
    }

    /** The key a group member's row is found by in {@link #lockRecipients}' answer (no username holds a space). */
    private static final String MEMBER = " member ";

    /**
     * The live groups the batch sends to, share-locked in id order (a membership change takes the row for
     * update, so it waits for this batch, and this batch for it), then their members — read after the lock,
     * by a statement of its own, so that a change committed while this batch waited is seen.
     */
    private static Map<String, Group> lockGroups(Connection c, List<Pending> batch) throws SQLException {
        String[] keys = batch.stream().map(Pending::recipientKey).filter(GroupInfo::isGroupName)
                .distinct().toArray(String[]::new);
        Map<String, Group> found = new HashMap<>();
        if (keys.length == 0) {
            return found;
        }
        Map<Long, String[]> rows = new LinkedHashMap<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT id, name_key, name FROM groups WHERE name_key = ANY (?)"
                + " AND ended_at IS NULL ORDER BY id FOR SHARE")) {
            ps.setArray(1, c.createArrayOf("text", keys));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    rows.put(rs.getLong(1), new String[] {rs.getString(2), rs.getString(3)});
                }
            }
        }
        if (rows.isEmpty()) {
            return found;
        }
        Map<Long, List<Long>> members = new HashMap<>();
        try (PreparedStatement ps = c.prepareStatement("SELECT group_id, account_id FROM group_members WHERE group_id = ANY (?)"
                + " AND left_after IS NULL ORDER BY id")) {
            ps.setArray(1, longs(c, rows.keySet().stream().mapToLong(Long::longValue).toArray()));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    members.computeIfAbsent(rs.getLong(1), k -> new ArrayList<>()).add(rs.getLong(2));
                }
            }
        }
        rows.forEach((id, r) -> found.put(r[0], new Group(id, r[1], List.copyOf(members.getOrDefault(id, List.of())))));
        return found;
    }

    /**
     * Moves each acknowledging device's mark where the core's rule puts it ({@link SendDecisions#acknowledge}: what its
     * acknowledgement covers, the account's floor, never below its mark; written when it moves or when the activity
     * the row says is half a horizon old), over the marks, floors and targets {@code holding} holds (read and locked
     * by the lock statement, or the full-inbox path's read), with the count at the new mark: the covered message's
     * (read with it), the floor's or the mark's own. One statement writing the decided values (none if no mark
     * moves); a device's first acknowledgement makes its row. {@code holding} follows what was written.
     */
    private List<DeviceAck> applyAcknowledgements(Connection c, List<DeviceAck> acks, long nowMillis, String channel,
            Map<Long, Holding> holding) throws SQLException {
        List<DeviceAck> moved = new ArrayList<>();
        List<long[]> values = new ArrayList<>();
        List<String> devices = new ArrayList<>();
        for (DeviceAck a : acks) {
            Holding h = holding.get(a.accountId());
            long[] mark = h.devices.get(a.device());
            long[] target = h.targets.getOrDefault(a.device(), new long[] {0, 0});
            Optional<MarkMove> move = rules.acknowledge(mark == null ? null : new DeviceMark(mark[0], mark[2]),
                    mark == null ? 0 : mark[2], target[0], h.floor, nowMillis, horizonMillis, false);
            if (move.isEmpty()) {
                continue;
            }
            long through = move.get().through();
            long count = mark != null && through == mark[0] ? mark[1] : through == h.floor ? h.floorCount : target[1];
            values.add(new long[] {a.accountId(), through, count, move.get().activeMillis()});
            devices.add(a.device());
        }
        if (values.isEmpty()) {
            return moved;
        }
        try (PreparedStatement ps = c.prepareStatement("""
                INSERT INTO inbox_marks (account_id, device, acked_through, acked, active_at)
                SELECT * FROM unnest(?::bigint[], ?::text[], ?::bigint[], ?::bigint[], ?::bigint[]) AS k(id, device, through, acked, active)
                ORDER BY 1, 2
                ON CONFLICT (account_id, device) DO UPDATE SET acked_through = excluded.acked_through,
                  acked = excluded.acked, active_at = greatest(inbox_marks.active_at, excluded.active_at)
                WHERE excluded.acked_through >= inbox_marks.acked_through
                RETURNING account_id, device, acked_through, xmax = 0, acked, active_at
                """)) {
            ps.setArray(1, longs(c, values.stream().mapToLong(v -> v[0]).toArray()));
            ps.setArray(2, c.createArrayOf("text", devices.toArray()));
            ps.setArray(3, longs(c, values.stream().mapToLong(v -> v[1]).toArray()));
            ps.setArray(4, longs(c, values.stream().mapToLong(v -> v[2]).toArray()));
            ps.setArray(5, longs(c, values.stream().mapToLong(v -> v[3]).toArray()));
            List<Long> made = new ArrayList<>(0);
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    moved.add(new DeviceAck(rs.getLong(1), rs.getString(2), rs.getLong(3)));
                    Holding h = holding.get(rs.getLong(1));
                    if (h != null) { // the floor is decided over the marks as this statement left them
                        h.devices.put(rs.getString(2), new long[] {rs.getLong(3), rs.getLong(5), rs.getLong(6)});
                    }
                    if (rs.getBoolean(4)) { // a device's first mark (the default device's first acknowledgement)
                        made.add(rs.getLong(1));
                    }
                }
            }
            if (!made.isEmpty()) { // every server learns that the account's SENDs may now be copied (SingleDevices)
                try (PreparedStatement n = c.prepareStatement("SELECT pg_notify('" + channel + "', 'd:' || id) FROM unnest(?::bigint[]) AS k(id)")) {
                    n.setArray(1, longs(c, made.stream().mapToLong(Long::longValue).toArray()));
                    n.execute();
                }
            }
        }
        return moved;
    }

    /**
     * Moves each account's floor where the core's floor rule puts it ({@link SendDecisions#floor}: the lowest mark of its
     * devices active within the horizon; with none, the mark of the one active last; never lower), with that mark's
     * count, in one statement writing the decided values; records the moved floors in {@code floors} (account to floor
     * id) and their counts in {@code acked} (for the recipients in it).
     *
     * <p>The decision was made over the mark rows the lock statement read (and the upsert returned), and that
     * statement, having waited for a lock, saw the rows it waited for at their newest version but not rows inserted
     * after its snapshot: a device's first mark, made by the batch of another server that this one waited for (or a
     * device registering meanwhile). So the update, a statement of its own with a fresh snapshot, writes a decided floor
     * only where the account has no mark row the decision did not see — a check that its inputs are still the whole
     * picture, not a rule: when another row has come, that floor stays where it is (safe: its messages are only kept
     * longer) and the account's next acknowledgement moves it, with that row read and locked
     * ({@code PostgresFloorRaceTest}). The horizon and which marks hold are the core's alone ({@link SendDecisions#floor}).
     */
    private void moveFloors(Connection c, Map<Long, Holding> holding, long nowMillis, Map<Long, Long> acked, Map<Long, Long> floors)
            throws SQLException {
        List<long[]> moves = new ArrayList<>();
        List<Long> seenAccounts = new ArrayList<>();
        List<String> seenDevices = new ArrayList<>();
        holding.forEach((account, h) -> {
            List<DeviceMark> marks = new ArrayList<>(h.devices.size());
            h.devices.values().forEach(m -> marks.add(new DeviceMark(m[0], m[2])));
            long wanted = rules.floor(h.floor, marks, nowMillis, horizonMillis);
            if (wanted > h.floor) {
                for (long[] m : h.devices.values()) {
                    if (m[0] == wanted) {
                        moves.add(new long[] {account, wanted, m[1]});
                        break;
                    }
                }
                h.devices.keySet().forEach(device -> {
                    seenAccounts.add(account);
                    seenDevices.add(device);
                });
            }
        });
        if (moves.isEmpty()) {
            return;
        }
        try (PreparedStatement ps = c.prepareStatement("""
                UPDATE inbox_floors f SET through = k.through, acked = k.acked
                FROM unnest(?::bigint[], ?::bigint[], ?::bigint[]) AS k(id, through, acked)
                WHERE f.account_id = k.id AND k.through > f.through
                  AND NOT EXISTS (SELECT 1 FROM inbox_marks x WHERE x.account_id = k.id
                                  AND NOT EXISTS (SELECT 1 FROM unnest(?::bigint[], ?::text[]) AS s(id, device)
                                                  WHERE s.id = x.account_id AND s.device = x.device))
                RETURNING f.account_id, f.through, f.acked
                """)) {
            ps.setArray(1, longs(c, moves.stream().mapToLong(m -> m[0]).toArray()));
            ps.setArray(2, longs(c, moves.stream().mapToLong(m -> m[1]).toArray()));
            ps.setArray(3, longs(c, moves.stream().mapToLong(m -> m[2]).toArray()));
            ps.setArray(4, longs(c, seenAccounts.stream().mapToLong(Long::longValue).toArray()));
            ps.setArray(5, c.createArrayOf("text", seenDevices.toArray()));
            try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                    floors.put(rs.getLong(1), rs.getLong(2));
                    acked.replace(rs.getLong(1), rs.getLong(3));
                    Holding h = holding.get(rs.getLong(1));
                    h.floor = rs.getLong(2);
                }
            }
        }
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
        Arrays.sort(ids); // whatever order the sequence was called in, given out in queue order
        return ids;
    }

    private static void insert(Connection c, List<Verdict.Accepted> accepted, long[] ids) throws SQLException {
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
        Object[] devices = new Object[n];
        for (int i = 0; i < n; i++) {
            Verdict.Accepted a = accepted.get(i);
            PendingSend p = a.send();
            sender[i] = p.senderId();
            recipient[i] = a.conversation();
            boolean group = a.group(); // its conversation is the group's
            lo[i] = group ? recipient[i] : Math.min(sender[i], recipient[i]);
            hi[i] = group ? recipient[i] : Math.max(sender[i], recipient[i]);
            at[i] = p.nowMillis();
            clientIds[i] = p.clientId();
            bodies[i] = p.body();
            devices[i] = a.copied() ? p.device() : null;
        }
        try (PreparedStatement ps = c.prepareStatement("INSERT INTO messages"
                + " (id, sender_id, recipient_id, pair_lo, pair_hi, client_id, body, created_at, from_device) OVERRIDING SYSTEM VALUE"
                + " SELECT * FROM unnest(?::bigint[], ?::bigint[], ?::bigint[], ?::bigint[], ?::bigint[], ?::text[], ?::text[], ?::bigint[],"
                + " ?::text[])")) {
            ps.setArray(1, longs(c, ids));
            ps.setArray(2, longs(c, sender));
            ps.setArray(3, longs(c, recipient));
            ps.setArray(4, longs(c, lo));
            ps.setArray(5, longs(c, hi));
            ps.setArray(6, c.createArrayOf("text", clientIds));
            ps.setArray(7, c.createArrayOf("text", bodies));
            ps.setArray(8, longs(c, at));
            ps.setArray(9, c.createArrayOf("text", devices));
            ps.executeUpdate();
        }
    }

    /**
     * Counts each recipient's messages in the batch as received, records its newest message id and
     * the one before it, and notifies each once, with its messages when they fit ({@link MailNotice}).
     * {@code newest}: recipient id to {messages received, previous, last, the first message's previous} (a
     * copy of the account's own message moves its newest id without counting as received); the accounts in
     * {@code hinted} got copies and are notified in the short form (a notification does not carry copies).
     */
    private void raiseUnreadAndNotify(Connection c, Map<Long, long[]> newest, Map<Long, List<StoredMessage>> mail,
            Set<Long> hinted) throws SQLException {
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
            notices[i] = hinted.contains(e.getKey()) ? MailNotice.hint(e.getKey(), nodeId)
                    : MailNotice.of(e.getKey(), nodeId, v[3], messages.getFirst().recipient(), messages);
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
