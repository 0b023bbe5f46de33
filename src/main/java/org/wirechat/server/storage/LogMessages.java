package org.wirechat.server.storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.LongPredicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.wirechat.server.core.port.BatchView;
import org.wirechat.server.core.port.CommitStats;
import org.wirechat.server.core.port.Deletion;
import org.wirechat.server.core.port.Departures;
import org.wirechat.server.core.port.DeviceMark;
import org.wirechat.server.core.port.DeviceSeen;
import org.wirechat.server.core.port.GroupInfo;
import org.wirechat.server.core.port.GroupTx;
import org.wirechat.server.core.port.MarkMove;
import org.wirechat.server.core.port.PendingSend;
import org.wirechat.server.core.port.SendDecisions;
import org.wirechat.server.core.port.SendOutcome;
import org.wirechat.server.core.port.StorageFault;
import org.wirechat.server.core.port.StorageUnavailableException;
import org.wirechat.server.core.port.StoreException;
import org.wirechat.server.core.port.SearchQuery;
import org.wirechat.server.core.port.SearchScope;
import org.wirechat.server.core.port.StoredMessage;
import org.wirechat.server.core.port.Verdict;
import org.wirechat.server.storage.log.LogPosition;
import org.wirechat.server.storage.log.LogRecord;
import org.wirechat.server.storage.log.MessageLog;

/**
 * Messages in SQLite mode: the {@link MessageLog} is the point of durability, undelivered messages are
 * served from memory, and the history index (SQLite's {@code messages} table) is filled from the log in
 * the background. See {@code docs/storage_design.md}.
 *
 * <p>Threads: one <em>log writer</em> takes every waiting SEND, acknowledgement and account deletion,
 * decides each SEND against in-memory state, appends the batch's records with one write and one
 * {@code fdatasync}, and only then changes the in-memory inboxes and completes the futures. It is the
 * only thread that changes inboxes; readers (FETCH) lock one inbox at a time. One <em>indexer</em>
 * copies committed records into SQLite in large transactions, with the log position it reached.
 */
final class LogMessages implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(LogMessages.class);
    private static final int MAX_BATCH = 512;
    /** The indexer waits this long for records to gather, unless {@link #INDEX_CHUNK} are waiting. */
    private static final long INDEX_DELAY_MILLIS = 200;
    private static final int INDEX_CHUNK = 8_192;
    private static final int NAMES_MAX = 100_000;

    /** What the log needs of SQLite (accounts and the history index); implemented by {@link SqliteStore}. */
    interface Catalog {
        /** The live account of this lower-case name: id and name as stored; null if none. */
        Named liveAccount(String key);

        /** The name of the account with this id, live or deleted; null if there never was one. */
        String username(long id);

        /** The sender's account id of the indexed message with this id; 0 if the index does not hold it. */
        long senderOf(long messageId);

        /** The stored messages among these (sender, client id) pairs. */
        Map<SentKey, Sent> findSent(Collection<SentKey> keys);

        /**
         * Deletes the account's row and tokens (its inbox is empty), and takes it out of every group it is in
         * as of {@code boundary} (the last message id given out), as the core's {@code departures} say.
         */
        Deletion deleteAccountRows(long id, long nowMillis, long boundary, Departures departures);

        /**
         * Makes a group change in one transaction; membership bounds are {@code boundary} (the last message id given
         * out). {@code changed} is told the groups it wrote.
         */
        <T> T changeGroup(Function<GroupTx, T> work, long boundary, Set<Long> changed);

        /** Every group's membership intervals (ended groups' too: the log's tail may hold their messages). */
        void memberships(Long groupId, Consumer<Membership> each);

        /**
         * Every group message in the index that a member has not received: above the member's floor and
         * within its membership, not its own; each member's in id order.
         */
        void groupUndelivered(Consumer<IndexedMessage> each);

        /** Writes these committed records into the history index, with the position after the last. */
        void index(List<Committed> records, LogPosition end);

        /** Every undelivered message in the index, each recipient's in id order. */
        void undelivered(Consumer<IndexedMessage> each);

        /**
         * Every message in the index copied to its sender's other devices, above the sender's floor (some
         * device of the sender may still lack it): the sender as the account it waits for, with the device
         * it was sent from; each sender's in id order.
         */
        void copiesUndelivered(Consumer<IndexedMessage> each);

        /** Every device mark the index holds, then every account floor (a row with a null device). */
        void devices(Consumer<DeviceRow> each);

        /** The ids of the index's messages to the account with an id in ({@code afterId}, {@code throughId}]. */
        Set<Long> messageIdsTo(long accountId, long afterId, long throughId);

        /** How many messages the index holds (roughly: for sizing). */
        long messageCount();

        /** The (sender, client id) of every message in the index. */
        void sentKeys(Consumer<SentKey> each);
    }

    record Named(long id, String username) {
    }

    /** One membership interval of a group: the account receives its messages with ids in (joinedAfter, leftAfter]. */
    record Membership(long groupId, String name, boolean live, long accountId, long joinedAfter, long leftAfter) {
    }

    /**
     * A group as the log writer decides with it: its name (current), whether it is live, and every
     * membership interval {account, joined after, left after (Long.MAX_VALUE while a member)}. Replaced
     * whole on a change, so readers on any thread see one consistent state.
     */
    private record GroupState(long id, String name, boolean live, List<long[]> intervals) {
        /** The accounts a message with this id reaches (its sender left out). */
        List<Long> membersAt(long messageId, long senderId) {
            List<Long> out = new ArrayList<>(intervals.size());
            for (long[] i : intervals) {
                if (messageId > i[1] && messageId <= i[2] && i[0] != senderId && !out.contains(i[0])) {
                    out.add(i[0]);
                }
            }
            return out;
        }

        boolean isMember(long accountId) {
            for (long[] i : intervals) {
                if (i[0] == accountId && i[2] == Long.MAX_VALUE) {
                    return true;
                }
            }
            return false;
        }

        boolean wasMemberAt(long accountId, long messageId) {
            for (long[] i : intervals) {
                if (i[0] == accountId && messageId > i[1] && messageId <= i[2]) {
                    return true;
                }
            }
            return false;
        }
    }

    /** A device's mark as the index holds it; with a null device, the account's floor. */
    record DeviceRow(long accountId, String device, long through, long activeMillis) {
    }

    record SentKey(long senderId, String clientId) {
    }

    /** What a retry with the same client id is compared with. */
    record Sent(long id, long timeMillis, long recipientId, String body) {
    }

    /**
     * A record, with the message as shown (null for an acknowledgement) and, once committed, the log
     * position after the batch it was written in (after the record itself, when read back at startup).
     */
    record Committed(LogRecord record, StoredMessage view, LogPosition end) {
        Committed at(LogPosition position) {
            return new Committed(record, view, position);
        }
    }

    /** A message waiting for an account; {@code fromDevice}: for a copy of the account's own message, the device it came from. */
    record IndexedMessage(long recipientId, StoredMessage message, String fromDevice) {
        IndexedMessage(long recipientId, StoredMessage message) {
            this(recipientId, message, null);
        }
    }

    /**
     * One account's devices (docs/conversations_design.md): each one's mark {through, last active ms, last
     * active ms written to the log}, what each has acknowledged but the writer has not yet committed, and
     * the account's floor — every message at or below it has left the inbox. Marks and floor are changed by
     * the log writer at commit (and at start); {@link #ahead} by the sessions. Guarded by its own monitor,
     * never held while an inbox's is.
     */
    private static final class Devices {
        final Map<String, long[]> marks = new HashMap<>();
        /**
         * Per device, the highest id acknowledged but perhaps not committed yet: what it covers is no
         * longer shown to that device or counted for it, as the protocol says of an acknowledgement (FETCH
         * marks first, then answers), although the log writer has yet to write it.
         */
        final Map<String, Long> ahead = new HashMap<>();
        /**
         * Per device whose registration (its LOGIN_DEVICE) is on its way to the log, when it last asked for
         * its mail meanwhile: its mark, once committed, is seen then (a FETCH right after the login counts).
         */
        final Map<String, Long> seenEarly = new HashMap<>();
        long floor;

        /** Where the device's undelivered messages start: above this id. */
        long start(String device) {
            long[] m = marks.get(device);
            return Math.max(Math.max(floor, m == null ? 0 : m[0]), ahead.getOrDefault(device, 0L));
        }
    }

    private sealed interface Item {
    }

    /** {@code device}: the sender's device it came from (null: none, so no copies). */
    private record SendItem(long senderId, String device, String recipientKey, String clientId, String body, long nowMillis,
            int capacity, CompletableFuture<SendOutcome> future) implements Item {
        PendingSend pending() {
            return new PendingSend(senderId, device, recipientKey, clientId, body, nowMillis, capacity);
        }
    }

    /**
     * A device's acknowledgement (or, with {@code throughId} 0, its being active), at {@code nowMillis};
     * with {@code registered}: a device logging in, which holds the account's messages from its floor on,
     * and the future its LOGIN_DEVICE waits for (completed once the batch that decided it is on disk).
     */
    private record AckItem(long accountId, String device, long throughId, long nowMillis, CompletableFuture<Void> registered)
            implements Item {
        AckItem(long accountId, String device, long throughId, long nowMillis) {
            this(accountId, device, throughId, nowMillis, null);
        }

        boolean register() {
            return registered != null;
        }
    }

    private record DeleteItem(long accountId, String device, long nowMillis, Departures departures, CompletableFuture<Deletion> future)
            implements Item {
    }

    private record StopItem() implements Item {
    }

    /** A change to a group: made between two batches, so that its bounds fall between message ids. */
    private record GroupItem<T>(Function<GroupTx, T> work, CompletableFuture<T> future) implements Item {
    }

    /** Completes once everything queued before it is committed. */
    private record FlushItem(CompletableFuture<Void> future) implements Item {
    }

    /** Holds the writer until {@code resume} completes (tests: so that what is queued meanwhile makes one batch). */
    private record PauseItem(CompletableFuture<Void> paused, CompletableFuture<Void> resume) implements Item {
    }

    /** The core's send and mark rules: this store asks them and writes what they decide. */
    private final SendDecisions rules;
    private final Catalog catalog;
    private final MessageLog messageLog;
    private final FaultLog faults;
    private final Consumer<Throwable> onFatal;
    private final ConcurrentHashMap<Long, Inbox> inboxes = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<Long, Devices> devices = new ConcurrentHashMap<>();
    /** A device idle longer than this no longer holds its account's messages (see {@link #floorOf}). */
    private volatile long horizonMillis = Duration.ofDays(30).toMillis();
    /** Messages in the log not yet in the history index, by sender and client id (for retries). */
    private final ConcurrentHashMap<SentKey, Sent> recent = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Named> names = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<Long, String> usernames = new ConcurrentHashMap<>();
    /** Every group by id, and live groups' ids by lower-case name (changed by the log writer, and at start). */
    private final ConcurrentHashMap<Long, GroupState> groups = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Long> groupKeys = new ConcurrentHashMap<>();
    private final BlockingQueue<Item> queue = new LinkedBlockingQueue<>();
    /** Committed, not yet indexed, in log order; guarded by itself. */
    private final ArrayDeque<Committed> unindexed = new ArrayDeque<>();
    private final Thread writer;
    private final Thread indexer;
    private volatile boolean closed;
    private volatile boolean indexerStop;
    /** A sync failed: nothing more is written (the server is stopping; a restart reads what the disk holds). */
    private boolean syncFailed;
    /** The next message id (writer thread only after start). */
    private long nextId;
    private ByteBuffer buffer = ByteBuffer.allocateDirect(1 << 16);
    /** Every (sender, client id) in the index or the log, as a filter: log writer only, after start. */
    private SentFilter everSent;

    LogMessages(Catalog catalog, MessageLog messageLog, FaultLog faults, Consumer<Throwable> onFatal, SendDecisions rules) {
        this.rules = rules;
        this.catalog = catalog;
        this.messageLog = messageLog;
        this.faults = faults;
        this.onFatal = onFatal;
        this.writer = Thread.ofPlatform().name("wirechat-log-writer").daemon().unstarted(this::writeLoop);
        this.indexer = Thread.ofPlatform().name("wirechat-log-indexer").daemon().unstarted(this::indexLoop);
    }

    /**
     * Rebuilds the in-memory state from the history index and the records after its checkpoint (read by
     * {@link MessageLog#open}), then starts the threads. {@code lastIndexedId} is the highest id the index
     * ever gave out.
     */
    void start(List<MessageLog.Entry> afterCheckpoint, long lastIndexedId) {
        catalog.devices(row -> {
            Devices d = devices.computeIfAbsent(row.accountId(), k -> new Devices());
            if (row.device() == null) {
                d.floor = Math.max(d.floor, row.through());
            } else {
                d.marks.put(row.device(), new long[] {row.through(), row.activeMillis(), row.activeMillis()});
            }
        });
        catalog.undelivered(m -> inboxes.computeIfAbsent(m.recipientId(), k -> new Inbox()).add(m.message(), null));
        loadGroups(null);
        Set<Long> merged = new HashSet<>();
        catalog.groupUndelivered(m -> {
            inboxes.computeIfAbsent(m.recipientId(), k -> new Inbox()).add(m.message(), null);
            merged.add(m.recipientId());
        });
        catalog.copiesUndelivered(m -> {
            inboxes.computeIfAbsent(m.recipientId(), k -> new Inbox()).add(m.message(), m.fromDevice());
            merged.add(m.recipientId());
        });
        for (long account : merged) { // a member's group messages and copies among its direct ones, in id order
            inboxes.get(account).sort();
        }
        everSent = new SentFilter(catalog.messageCount() + afterCheckpoint.size());
        catalog.sentKeys(everSent::add);
        long last = lastIndexedId;
        for (MessageLog.Entry e : afterCheckpoint) {
            switch (e.record()) {
                case LogRecord.Message m -> {
                    StoredMessage view = new StoredMessage(m.id(), name(m.senderId()), name(m.recipientId()),
                            m.timeMillis(), m.body());
                    stored(m, view);
                    unindexed.add(new Committed(m, view, e.end()));
                    last = Math.max(last, m.id());
                }
                case LogRecord.Ack a -> {
                    trim(a.accountId(), a.throughId());
                    unindexed.add(new Committed(a, null, e.end()));
                }
                case LogRecord.DeviceAck a -> {
                    marked(a);
                    unindexed.add(new Committed(a, null, e.end()));
                }
            }
        }
        // an account's only device: its mark is the floor (its acknowledgements were written as the floor alone)
        for (Devices d : devices.values()) {
            if (d.marks.size() == 1) {
                long[] m = d.marks.values().iterator().next();
                m[0] = Math.max(m[0], d.floor);
            }
        }
        nextId = last + 1;
        writer.start();
        indexer.start();
    }

    /** Loads one group's state (all groups' with null) from the catalog. */
    private void loadGroups(Long groupId) {
        Map<Long, List<Membership>> rows = new HashMap<>();
        catalog.memberships(groupId, m -> rows.computeIfAbsent(m.groupId(), k -> new ArrayList<>()).add(m));
        if (groupId != null && !rows.containsKey(groupId)) {
            GroupState gone = groups.remove(groupId);
            if (gone != null) {
                groupKeys.remove(GroupInfo.key(gone.name()), groupId);
            }
        }
        rows.forEach((id, list) -> {
            Membership first = list.get(0);
            List<long[]> intervals = new ArrayList<>(list.size());
            for (Membership m : list) {
                intervals.add(new long[] {m.accountId(), m.joinedAfter(), m.leftAfter()});
            }
            GroupState before = groups.put(id, new GroupState(id, first.name(), first.live(), List.copyOf(intervals)));
            if (before != null) {
                groupKeys.remove(GroupInfo.key(before.name()), id);
            }
            if (first.live()) {
                groupKeys.put(GroupInfo.key(first.name()), id);
            }
        });
    }

    /** The accounts a message reaches: its recipient, or the members of its group when it was stored. */
    private List<Long> inboxesOf(LogRecord.Message m) {
        if (!GroupRows.isGroup(m.recipientId())) {
            return List.of(m.recipientId());
        }
        GroupState g = groups.get(-m.recipientId());
        return g == null ? List.of() : g.membersAt(m.id(), m.senderId());
    }

    private String name(long id) {
        if (GroupRows.isGroup(id)) {
            GroupState g = groups.get(-id);
            if (g == null) {
                throw new IllegalStateException("the message log names group " + -id + ", which the database does not hold");
            }
            return g.name();
        }
        String n = usernames.get(id);
        if (n == null) {
            n = catalog.username(id);
            if (n == null) {
                throw new IllegalStateException("the message log names account " + id + ", which the database does not hold");
            }
            if (usernames.size() >= NAMES_MAX) {
                usernames.clear();
            }
            usernames.put(id, n);
        }
        return n;
    }

    // ---- the operations, any thread ----

    CompletableFuture<SendOutcome> sendLater(long senderId, String device, String recipientKey, String clientId, String body,
            long nowMillis, int capacity) {
        CompletableFuture<SendOutcome> f = new CompletableFuture<>();
        enqueue(new SendItem(senderId, device, recipientKey, clientId, body, nowMillis, capacity, f), f);
        return f;
    }

    /** The device acknowledged every message through {@code throughId} (at {@code nowMillis}). */
    void acknowledgeLater(long accountId, String device, long throughId, long nowMillis) {
        if (!closed) {
            Devices d = devices.computeIfAbsent(accountId, k -> new Devices());
            synchronized (d) {
                d.ahead.merge(device, throughId, Math::max);
            }
            queue.add(new AckItem(accountId, device, throughId, nowMillis));
        }
    }

    /**
     * The device asked for its mail at {@code nowMillis}: it is active, and so holds its account's messages.
     * Its activity is written to the log when what the log last says of it is half a horizon old.
     */
    void seen(long accountId, String device, long nowMillis) {
        Devices d = devices.get(accountId);
        if (d == null || closed) {
            return;
        }
        boolean write;
        synchronized (d) {
            long[] m = d.marks.get(device);
            if (m == null) {
                // a device holds nothing until it has acknowledged something; one logging in is seen once its mark is made
                d.seenEarly.computeIfPresent(device, (k, early) -> Math.max(early, nowMillis));
                return;
            }
            m[1] = Math.max(m[1], nowMillis);
            write = nowMillis - m[2] > horizonMillis / 2 || m[0] < d.floor;
        }
        if (write) {
            queue.add(new AckItem(accountId, device, 0, nowMillis));
        }
    }

    /**
     * The device logged in: it holds the account's messages from the floor on, unless it has a mark already.
     * Queued after every acknowledgement answered before the login, so the mark it is given is the floor those
     * leave, and before every SEND answered after it, so each of those sees the device. Returns once the
     * batch that decided it is in the log and synced: a LOGIN_DEVICE answered after it survives a crash (a
     * SEND from another device made after the restart is still copied to it). When the disk refuses that
     * batch, the registration is kept in memory and written in front of the next one, as the login's token
     * is kept until the disk takes it; a crash before then loses the login whole.
     */
    void register(long accountId, String device, long nowMillis) {
        if (closed) {
            return;
        }
        Devices d = devices.computeIfAbsent(accountId, k -> new Devices());
        synchronized (d) {
            if (!d.marks.containsKey(device)) {
                d.seenEarly.merge(device, nowMillis, Math::max);
            }
        }
        CompletableFuture<Void> f = new CompletableFuture<>();
        enqueue(new AckItem(accountId, device, 0, nowMillis, f), f);
        Writer.await(f);
    }

    /** Waits until everything queued so far is decided and committed (or refused). */
    private void awaitWriter() {
        CompletableFuture<Void> f = new CompletableFuture<>();
        enqueue(new FlushItem(f), f);
        Writer.await(f);
    }

    /**
     * How many of the account's messages the device will never be handed: those delivered to the account
     * while the device was away past the horizon (they are in history); 0 for a device never seen. Counted
     * in the history index and the log's unindexed tail (each id once); messages retention has purged are
     * not counted.
     */
    long missed(long accountId, String device) {
        Devices d = devices.get(accountId);
        if (d == null) {
            return 0;
        }
        long from;
        long floor;
        synchronized (d) {
            long[] m = d.marks.get(device);
            if (m == null || m[0] >= d.floor) {
                return 0;
            }
            from = m[0];
            floor = d.floor;
        }
        Set<Long> ids = new HashSet<>();
        synchronized (unindexed) { // before the index: a record indexed meanwhile is found twice, never missed
            for (Committed c : unindexed) {
                if (c.record() instanceof LogRecord.Message m && m.id() > from && m.id() <= floor && reaches(m, accountId)) {
                    ids.add(m.id());
                }
            }
        }
        ids.addAll(catalog.messageIdsTo(accountId, from, floor));
        return ids.size();
    }

    /**
     * The account's devices with a mark and when each was last seen (in memory: every FETCH's, not only the
     * ones written to the log). Waits for what is queued first, so a device whose LOGIN_DEVICE was answered
     * is listed though its registration was not committed yet.
     */
    List<DeviceSeen> devices(long accountId) {
        awaitWriter();
        Devices d = devices.get(accountId);
        if (d == null) {
            return List.of();
        }
        List<DeviceSeen> out = new ArrayList<>();
        synchronized (d) {
            d.marks.forEach((device, m) -> out.add(new DeviceSeen(device, m[1])));
        }
        return out;
    }

    private boolean reaches(LogRecord.Message m, long accountId) {
        if (!GroupRows.isGroup(m.recipientId())) {
            return m.recipientId() == accountId;
        }
        GroupState g = groups.get(-m.recipientId());
        return g != null && m.senderId() != accountId && g.wasMemberAt(accountId, m.id());
    }

    void horizon(Duration horizon) {
        this.horizonMillis = horizon.toMillis();
    }

    <T> T changeGroup(Function<GroupTx, T> work) {
        CompletableFuture<T> f = new CompletableFuture<>();
        enqueue(new GroupItem<>(work, f), f);
        return Writer.await(f);
    }

    Deletion deleteAccount(long accountId, String device, long nowMillis, Departures departures) {
        CompletableFuture<Deletion> f = new CompletableFuture<>();
        enqueue(new DeleteItem(accountId, device, nowMillis, departures, f), f);
        return Writer.await(f);
    }

    private void enqueue(Item item, CompletableFuture<?> f) {
        if (closed) {
            f.completeExceptionally(new IllegalStateException("store is closed"));
            return;
        }
        queue.add(item);
    }

    /**
     * Where the device's undelivered messages start (above this id), with what it acknowledged ahead. A
     * device with no mark (a new device whose registration is not committed yet, or the default device
     * before its first acknowledgement) starts at the account's floor: while another device's
     * acknowledgement is on its way, the floor is read once the log writer has applied it (and the
     * registration queued after it), so that the acknowledgement and the new device's start are one ordered
     * step — it is never handed what every device holding it had acknowledged.
     */
    private long start(long accountId, String device) {
        Devices d = devices.get(accountId);
        if (d == null) {
            return 0;
        }
        synchronized (d) {
            if (d.marks.containsKey(device) || d.ahead.containsKey(device) || d.ahead.isEmpty() || closed) {
                return d.start(device);
            }
        }
        awaitWriter();
        synchronized (d) {
            return d.start(device);
        }
    }

    /** The device's undelivered messages after {@code afterId}, oldest first, at most {@code max}. */
    List<StoredMessage> undelivered(long accountId, String device, long afterId, int max) {
        Inbox in = inboxes.get(accountId);
        if (in == null) {
            return List.of();
        }
        long after = Math.max(afterId, start(accountId, device));
        synchronized (in) {
            return in.forDevice(device, after, max);
        }
    }

    /** Messages waiting for the device, leaving out those an acknowledgement of its on its way covers. */
    long unread(long accountId, String device) {
        Inbox in = inboxes.get(accountId);
        if (in == null) {
            return 0;
        }
        long after = start(accountId, device);
        synchronized (in) {
            int covered = 0;
            for (StoredMessage m : in) {
                if (m.id() > after) {
                    break;
                }
                if (!in.isCopy(m.id())) {
                    covered++;
                }
            }
            return in.received() - covered;
        }
    }

    /** Messages waiting for the account: above its floor, for some device still to receive. */
    long undeliveredCount(long accountId) {
        return inboxSize(accountId);
    }

    /**
     * The oldest message from the account {@code senderId}, named {@code sender}, that no device of the
     * account has acknowledged (acknowledgements on their way count); 0 if none. The inbox names senders, so
     * each message from that name is checked for its sender's id ({@link #senderOf}): a deleted account's
     * messages never count for a new account of the same name.
     */
    long oldestWaitingFrom(long accountId, long senderId, String sender) {
        Inbox in = inboxes.get(accountId);
        if (in == null) {
            return 0;
        }
        long anyDevice = 0;
        Devices d = devices.get(accountId);
        if (d != null) {
            synchronized (d) {
                anyDevice = d.floor;
                for (long[] m : d.marks.values()) {
                    anyDevice = Math.max(anyDevice, m[0]);
                }
                for (long a : d.ahead.values()) {
                    anyDevice = Math.max(anyDevice, a);
                }
            }
        }
        List<Long> named = new ArrayList<>();
        synchronized (in) {
            for (StoredMessage m : in) {
                if (m.id() > anyDevice && m.sender().equals(sender) && !GroupInfo.isGroupName(m.recipient()) && !in.isCopy(m.id())) {
                    named.add(m.id());
                }
            }
        }
        for (long id : named) { // the first is the sender's but when the name was reused
            if (senderOf(id) == senderId) {
                return id;
            }
        }
        return 0;
    }

    /** The sender's account id of a stored message: from the log's unindexed tail, else from the index. */
    private long senderOf(long messageId) {
        synchronized (unindexed) { // before the index: a record indexed meanwhile is found there
            for (Committed c : unindexed) {
                if (c.record() instanceof LogRecord.Message m && m.id() == messageId) {
                    return m.senderId();
                }
            }
        }
        return catalog.senderOf(messageId);
    }

    /**
     * The accounts the sender's message to the group reached, or null if it is not the sender's message to
     * that group (looked for in the log's unindexed tail, then asked of {@code indexed}).
     */
    List<Long> reachedBy(long groupId, long senderId, long messageId, LongPredicate indexed) {
        GroupState g = groups.get(groupId);
        if (g == null) {
            return null;
        }
        boolean found = false;
        synchronized (unindexed) {
            for (Committed c : unindexed) {
                if (c.record() instanceof LogRecord.Message m && m.id() == messageId) {
                    found = m.senderId() == senderId && m.recipientId() == GroupRows.conversation(groupId);
                    break;
                }
            }
        }
        if (!found && !indexed.test(messageId)) {
            return null;
        }
        return g.membersAt(messageId, senderId);
    }

    /**
     * Whether at least one device of the account has acknowledged the message, as committed (not one on its way:
     * {@link Storage#groupReceipts}, as PostgreSQL answers it on every server alike).
     */
    boolean received(long accountId, long messageId) {
        Devices d = devices.get(accountId);
        if (d == null) {
            return false;
        }
        synchronized (d) {
            if (d.floor >= messageId) {
                return true;
            }
            for (long[] m : d.marks.values()) {
                if (m[0] >= messageId) {
                    return true;
                }
            }
        }
        return false;
    }

    /** Messages in the account's inbox as committed (the log writer's view, for its decisions). */
    private long inboxSize(long accountId) {
        Inbox in = inboxes.get(accountId);
        if (in == null) {
            return 0;
        }
        synchronized (in) {
            return in.received();
        }
    }

    /**
     * Messages between the two accounts not yet in the history index, with id &lt; {@code beforeId} (all
     * when 0), newest first. Taken <em>before</em> the index is read: a record indexed meanwhile is then
     * found twice (the caller merges by id), never missed.
     */
    List<StoredMessage> unindexedBetween(long a, long b, long beforeId) {
        long before = beforeId == 0 ? Long.MAX_VALUE : beforeId;
        List<StoredMessage> out = new ArrayList<>();
        synchronized (unindexed) {
            var it = unindexed.descendingIterator();
            while (it.hasNext()) {
                Committed c = it.next();
                if (c.record() instanceof LogRecord.Message m && m.id() < before
                        && (m.senderId() == a && m.recipientId() == b || m.senderId() == b && m.recipientId() == a)) {
                    out.add(c.view());
                }
            }
        }
        return out;
    }

    /** The group's messages not yet in the history index, with id &lt; {@code beforeId} (all when 0), newest first. */
    List<StoredMessage> unindexedOfGroup(long groupId, long beforeId) {
        long before = beforeId == 0 ? Long.MAX_VALUE : beforeId;
        long conversation = GroupRows.conversation(groupId);
        GroupState g = groups.get(groupId);
        String name = g == null ? "" : g.name();
        List<StoredMessage> out = new ArrayList<>();
        synchronized (unindexed) {
            var it = unindexed.descendingIterator();
            while (it.hasNext()) {
                Committed c = it.next();
                if (c.record() instanceof LogRecord.Message m && m.id() < before && m.recipientId() == conversation) {
                    StoredMessage v = c.view(); // named as the group is named now (it may have been renamed since)
                    out.add(v.recipient().equals(name) ? v : new StoredMessage(v.id(), v.sender(), name, v.timestampMillis(), v.body()));
                }
            }
        }
        return out;
    }

    /**
     * The messages in the scope not yet in the history index that the query matches, with id &lt; {@code beforeId}
     * (all when 0), newest first; a direct message only when its other side is the account itself or {@code live}.
     * Taken <em>before</em> the index is read, as {@link #unindexedBetween}; only the scope is looked at under the
     * lock, the bodies are matched after it.
     */
    List<StoredMessage> unindexedMatching(SearchQuery query, SearchScope scope, long beforeId, LongPredicate live) {
        long before = beforeId == 0 ? Long.MAX_VALUE : beforeId;
        List<Committed> inScope = new ArrayList<>();
        synchronized (unindexed) {
            var it = unindexed.descendingIterator();
            while (it.hasNext()) {
                Committed c = it.next();
                if (c.record() instanceof LogRecord.Message m && m.id() < before && (GroupRows.isGroup(m.recipientId())
                        ? scope.admitsGroupMessage(-m.recipientId(), m.id()) : scope.ownsDirect(m.senderId(), m.recipientId()))) {
                    inScope.add(c);
                }
            }
        }
        List<StoredMessage> out = new ArrayList<>();
        for (Committed c : inScope) {
            LogRecord.Message m = (LogRecord.Message) c.record();
            if (!query.matches(m.body())) {
                continue;
            }
            if (GroupRows.isGroup(m.recipientId())) {
                GroupState g = groups.get(-m.recipientId());
                StoredMessage v = c.view(); // named as the group is named now (it may have been renamed since)
                out.add(g == null || v.recipient().equals(g.name()) ? v
                        : new StoredMessage(v.id(), v.sender(), g.name(), v.timestampMillis(), v.body()));
            } else {
                long other = m.senderId() == scope.accountId() ? m.recipientId() : m.senderId();
                if (other == scope.accountId() || live.test(other)) {
                    out.add(c.view());
                }
            }
        }
        return out;
    }

    /** An account was created: its name now resolves (a stale negative is never cached, so nothing to undo). */
    void accountCreated(long id, String username) {
        usernames.put(id, username);
    }

    /**
     * Waits until everything queued so far is committed and copied into the history index (for tests,
     * and for an administrator's consistent backup).
     */
    void awaitIndexed() throws InterruptedException {
        CompletableFuture<Void> f = new CompletableFuture<>();
        enqueue(new FlushItem(f), f);
        Writer.await(f);
        synchronized (unindexed) {
            while (!unindexed.isEmpty() && indexer.isAlive()) {
                unindexed.notifyAll(); // no need to gather more
                unindexed.wait(100);
            }
        }
    }

    /**
     * Runs {@code meanwhile} while the log writer is held, then lets it go: whatever {@code meanwhile}
     * queued is decided as one batch (for tests of decisions within a batch).
     */
    void whileWriterHeld(Runnable meanwhile) {
        CompletableFuture<Void> paused = new CompletableFuture<>();
        CompletableFuture<Void> resume = new CompletableFuture<>();
        enqueue(new PauseItem(paused, resume), paused);
        paused.join();
        try {
            meanwhile.run();
        } finally {
            resume.complete(null);
        }
    }

    // ---- the log writer ----

    /** A SEND decided in the current batch, and its outcome (given once the batch is committed). */
    private record Decided(SendItem item, SendOutcome outcome) {
    }

    /**
     * The batch being gathered (log writer thread), and the log's batch view (docs/architecture.md §3.4): the core's
     * SEND rule ({@link SendDecisions#batch}) decides its SENDs against it, answered from memory — only this thread changes inboxes, marks,
     * floors, names and groups — with at most one SQLite read for a name not cached.
     */
    private final class Batch implements BatchView {
        final SendDecisions.Batch rule = rules.batch(this);
        final List<Decided> sends = new ArrayList<>();
        /** Every record, in log order. */
        final List<Committed> records = new ArrayList<>();
        /** The ids given to the rule's accepted SENDs, in the order accepted. */
        long[] ids = new long[16];
        /** The accounts' floors as this batch leaves them (written in it, applied at commit). */
        final Map<Long, Long> floors = new HashMap<>();
        /** The device marks this batch writes, by account, then device: {through, active ms}. */
        final Map<Long, Map<String, long[]>> marks = new HashMap<>();
        /** Messages this batch's floor moves take out of each inbox (at commit): room for SENDs after them. */
        final Map<Long, Integer> freed = new HashMap<>();
        /** The acknowledgements this batch decided (written or not): what they hid ahead is settled at commit. */
        final List<AckItem> acks = new ArrayList<>();
        long firstId = nextId;

        boolean isEmpty() {
            return sends.isEmpty() && records.isEmpty();
        }

        @Override
        public Optional<Recipient> account(String key) {
            Named n = resolve(key);
            return n == null ? Optional.empty() : Optional.of(new Recipient(n.id(), n.username()));
        }

        @Override
        public Optional<GroupAt> group(String key) {
            Long groupId = groupKeys.get(key);
            GroupState g = groupId == null ? null : groups.get(groupId);
            if (g == null || !g.live()) {
                return Optional.empty();
            }
            return Optional.of(new GroupAt(GroupRows.conversation(g.id()), g.name(), g.membersAt(nextId, 0)));
        }

        @Override
        public Optional<Prior> prior(long senderId, String clientId) {
            // one committed since the lookup (an earlier batch of this drain, before a deletion or a flush); then
            // what was known when the drain began
            SentKey key = new SentKey(senderId, clientId);
            Sent prior = recent.get(key);
            if (prior == null) {
                prior = looked.get(key);
            }
            return prior == null ? Optional.empty()
                    : Optional.of(new Prior(prior.id(), prior.timeMillis(), prior.recipientId(), prior.body()));
        }

        /** An acknowledgement decided earlier in the batch makes room, as it would have in a batch of its own. */
        @Override
        public long waiting(long accountId) {
            return inboxSize(accountId) - freed.getOrDefault(accountId, 0);
        }

        @Override
        public boolean makeRoom(long accountId, long nowMillis) {
            return moveFloor(this, accountId, nowMillis);
        }

        @Override
        public boolean holdsElsewhere(long accountId, String device, long nowMillis) {
            return LogMessages.this.holdsElsewhere(this, accountId, device, nowMillis);
        }

        @Override
        public String username(long accountId) {
            return name(accountId);
        }

        void accepted(int index, long id) {
            if (index == ids.length) {
                ids = Arrays.copyOf(ids, ids.length * 2);
            }
            ids[index] = id;
        }
    }

    /**
     * Devices' registrations (LOGIN_DEVICE, answered before its mark is written) whose batch a storage fault
     * refused: written in front of the next batch, like a login's token kept until the disk takes it
     * (log writer only).
     */
    private final List<Item> unregistered = new ArrayList<>();
    /** What the history index knew of the current drain's retries ({@link #lookUpRetries}; log writer only). */
    private Map<SentKey, Sent> looked = Map.of();

    private void writeLoop() {
        List<Item> items = new ArrayList<>(MAX_BATCH);
        try {
            while (true) {
                items.clear();
                items.add(queue.take());
                queue.drainTo(items, MAX_BATCH - 1);
                items.addAll(0, unregistered); // first, so that they take the floor they would have taken
                unregistered.clear();
                looked = lookUpRetries(items);
                Batch batch = new Batch();
                for (Item item : items) {
                    switch (item) {
                        case SendItem s -> decide(batch, s);
                        case AckItem a -> acknowledge(batch, a);
                        case DeleteItem d -> {
                            commit(batch);
                            batch = new Batch();
                            delete(d);
                        }
                        case GroupItem<?> g -> {
                            commit(batch);
                            batch = new Batch();
                            changeGroup(g);
                        }
                        case FlushItem f -> {
                            commit(batch);
                            batch = new Batch();
                            f.future().complete(null);
                        }
                        case PauseItem p -> {
                            commit(batch);
                            batch = new Batch();
                            p.paused().complete(null);
                            p.resume().join(); // what is queued meanwhile is the next drain: one batch
                        }
                        case StopItem x -> {
                            commit(batch);
                            failQueued(new IllegalStateException("store is closed"));
                            return;
                        }
                    }
                }
                commit(batch);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Throwable t) {
            log.error("the message log writer failed; stopping the server", t);
            closed = true;
            for (Item i : items) { // the batch it failed in: its logins must not wait forever (done ones stay done)
                if (i instanceof AckItem a && a.register()) {
                    a.registered().completeExceptionally(t);
                }
            }
            failQueued(t);
            onFatal.accept(t);
        }
    }

    private void failQueued(Throwable why) {
        List<Item> left = new ArrayList<>();
        queue.drainTo(left);
        for (Item i : left) {
            switch (i) {
                case SendItem s -> s.future().completeExceptionally(why);
                case DeleteItem d -> d.future().completeExceptionally(why);
                case GroupItem g -> g.future().completeExceptionally(why);
                case FlushItem f -> f.future().completeExceptionally(why);
                case PauseItem p -> p.paused().completeExceptionally(why);
                case AckItem a when a.register() -> a.registered().completeExceptionally(why);
                default -> { }
            }
        }
    }

    /**
     * What is known of the earlier messages these items' SENDs may be retries of, taken before any of
     * them is decided: those not yet indexed ({@link #recent}, copied now — the indexer may index one
     * and drop it from there before it is decided), and those the history index holds, looked up in one
     * query for the pairs {@link #everSent} says may have been used.
     */
    private Map<SentKey, Sent> lookUpRetries(List<Item> items) {
        Map<SentKey, Sent> known = new HashMap<>();
        List<SentKey> keys = null;
        for (Item i : items) {
            if (i instanceof SendItem s) {
                SentKey k = new SentKey(s.senderId(), s.clientId());
                Sent unindexed = recent.get(k);
                if (unindexed != null) {
                    known.put(k, unindexed);
                } else if (everSent.mightContain(k)) {
                    if (keys == null) {
                        keys = new ArrayList<>();
                    }
                    keys.add(k);
                }
            }
        }
        if (keys != null) {
            known.putAll(catalog.findSent(keys));
        }
        return known;
    }

    private Named resolve(String key) {
        Named n = names.get(key);
        if (n == null) {
            n = catalog.liveAccount(key);
            if (n != null) {
                if (names.size() >= NAMES_MAX) {
                    names.clear();
                }
                names.put(key, n);
            }
        }
        return n;
    }

    /**
     * Decides a SEND into the batch by the core's rule, and writes the record of one accepted; one whose names cannot
     * be read (SQLite failing) fails alone.
     */
    private void decide(Batch batch, SendItem s) {
        try {
            String sender = name(s.senderId()); // before anything of the batch changes
            Verdict verdict = batch.rule.decide(s.pending());
            if (verdict instanceof Verdict.Accepted a) {
                long id = nextId++;
                batch.accepted(a.index(), id);
                LogRecord.Message record = new LogRecord.Message(id, s.senderId(), a.conversation(), s.nowMillis(), s.clientId(),
                        s.body(), a.copied() ? s.device() : null);
                batch.records.add(new Committed(record, new StoredMessage(id, sender, a.recipient(), s.nowMillis(), s.body()), null));
            }
            batch.sends.add(new Decided(s, rules.outcome(verdict, batch.ids)));
        } catch (RuntimeException e) {
            s.future().completeExceptionally(e);
        }
    }

    /**
     * Whether a device of the account other than {@code device} holds its messages (it has a mark and was
     * active within the horizon — a mark this batch writes, a device logging in, counts): then a message
     * sent from {@code device} is copied to it.
     */
    private boolean holdsElsewhere(Batch batch, long accountId, String device, long nowMillis) {
        for (Map.Entry<String, long[]> e : batch.marks.getOrDefault(accountId, Map.of()).entrySet()) {
            if (!e.getKey().equals(device) && rules.holds(e.getValue()[1], nowMillis, horizonMillis)) {
                return true;
            }
        }
        Devices d = devices.get(accountId);
        if (d == null) {
            return false;
        }
        synchronized (d) {
            for (Map.Entry<String, long[]> e : d.marks.entrySet()) {
                if (!e.getKey().equals(device) && rules.holds(e.getValue()[1], nowMillis, horizonMillis)) {
                    return true;
                }
            }
        }
        return false;
    }

    /**
     * A device's acknowledgement is written as its new mark: the newest waiting message it covers (so a
     * record never reaches past what existed when it was written), or the account's floor if that is
     * higher (a device back after the horizon starts there); only when the mark moves, or when what the
     * log says of the device's activity is half a horizon old. Then the account's floor follows.
     */
    private void acknowledge(Batch batch, AckItem a) {
        batch.acks.add(a);
        long floor;
        long[] mark;
        boolean alone;
        Devices d = devices.computeIfAbsent(a.accountId(), k -> new Devices());
        synchronized (d) {
            floor = batch.floors.getOrDefault(a.accountId(), d.floor);
            long[] committed = d.marks.get(a.device());
            mark = committed == null ? null : committed.clone();
            alone = committed != null && d.marks.size() == 1;
        }
        long[] pending = batch.marks.getOrDefault(a.accountId(), Map.of()).get(a.device());
        if (pending != null) {
            mark = new long[] {pending[0], pending[1], mark == null ? pending[1] : mark[2]};
        }
        long covered = 0;
        Inbox in = inboxes.get(a.accountId());
        if (in != null && a.throughId() > 0) {
            synchronized (in) {
                for (StoredMessage m : in) {
                    // and on over the device's own messages after it: it never gets them, so never acknowledges them
                    if (m.id() > a.throughId() && !in.isCopyFrom(m.id(), a.device())) {
                        break;
                    }
                    covered = m.id();
                }
            }
        }
        Optional<MarkMove> move = rules.acknowledge(mark == null ? null : new DeviceMark(mark[0], mark[1]), mark == null ? 0 : mark[2],
                covered, floor, a.nowMillis(), horizonMillis, a.register());
        if (move.isEmpty()) {
            return;
        }
        long through = move.get().through();
        long active = move.get().activeMillis();
        batch.marks.computeIfAbsent(a.accountId(), k -> new HashMap<>()).put(a.device(), new long[] {through, active});
        if (!alone || move.get().stale()) {
            if (mark == null) {
                writeLoneMark(batch, d, a.accountId(), floor);
            }
            batch.records.add(new Committed(new LogRecord.DeviceAck(a.accountId(), through, active, a.device()), null, null));
        }
        // The account's only device: its mark is the floor, and the floor's record (ACK) says it; its own
        // record is written only when what the log says of its activity is half a horizon old (above).
        moveFloor(batch, a.accountId(), a.nowMillis());
    }

    /**
     * A device joins an account that had one alone, whose mark the log said only through the floor (its
     * ACK records): that mark is written as what it is — the floor — before the other device counts.
     */
    private void writeLoneMark(Batch batch, Devices d, long accountId, long floor) {
        String lone = null;
        long[] m = null;
        synchronized (d) {
            if (d.marks.size() == 1) {
                var only = d.marks.entrySet().iterator().next();
                lone = only.getKey();
                m = only.getValue().clone();
            }
        }
        if (lone == null || batch.marks.getOrDefault(accountId, Map.of()).containsKey(lone)) {
            return;
        }
        long through = Math.max(m[0], floor);
        batch.marks.computeIfAbsent(accountId, k -> new HashMap<>()).put(lone, new long[] {through, m[1]});
        batch.records.add(new Committed(new LogRecord.DeviceAck(accountId, through, m[1], lone), null, null));
    }

    /** The account's floor as its devices' marks put it at {@code nowMillis}, as the batch leaves them ({@link SendDecisions#floor}). */
    private long floorOf(long accountId, Batch batch, long nowMillis) {
        Devices d = devices.get(accountId);
        if (d == null) {
            return 0;
        }
        Map<String, long[]> marks = new HashMap<>();
        long floor;
        synchronized (d) {
            floor = d.floor;
            d.marks.forEach((device, m) -> marks.put(device, new long[] {m[0], m[1]}));
        }
        floor = batch.floors.getOrDefault(accountId, floor);
        marks.putAll(batch.marks.getOrDefault(accountId, Map.of()));
        List<DeviceMark> all = new ArrayList<>(marks.size());
        marks.values().forEach(m -> all.add(new DeviceMark(m[0], m[1])));
        return rules.floor(floor, all, nowMillis, horizonMillis);
    }

    /**
     * Writes the account's floor into the batch if its devices' marks move it (never past the newest
     * waiting message, so a record never reaches past what existed); true if it moved.
     */
    private boolean moveFloor(Batch batch, long accountId, long nowMillis) {
        Devices d = devices.get(accountId);
        if (d == null) {
            return false;
        }
        long before;
        synchronized (d) {
            before = batch.floors.getOrDefault(accountId, d.floor);
        }
        long wanted = floorOf(accountId, batch, nowMillis);
        if (wanted <= before) {
            return false;
        }
        long covered = before;
        int newlyCovered = 0;
        Inbox in = inboxes.get(accountId);
        if (in != null) {
            synchronized (in) {
                for (StoredMessage m : in) {
                    if (m.id() > wanted) {
                        break;
                    }
                    if (m.id() > before) {
                        covered = m.id();
                        if (!in.isCopy(m.id())) {
                            newlyCovered++;
                        }
                    }
                }
            }
        }
        batch.floors.put(accountId, wanted);
        if (covered > before) { // the index's delivered flags and the inbox follow the floor's record
            batch.freed.merge(accountId, newlyCovered, Integer::sum);
            batch.records.add(new Committed(new LogRecord.Ack(accountId, covered), null, null));
        }
        return true;
    }

    /**
     * Backups under way: while any is, indexed segments are kept (deleted after the next chunk instead).
     * A backup takes its hold before it snapshots the index, so the checkpoint it snapshots is at least
     * as new as any the indexer deletes segments before; those are never the ones it copies.
     */
    private final AtomicInteger deletionHolds = new AtomicInteger();

    /** Keeps indexed segments from being deleted until the returned hold is closed. */
    AutoCloseable holdDeletions() {
        deletionHolds.incrementAndGet();
        AtomicBoolean released = new AtomicBoolean();
        return () -> {
            if (released.compareAndSet(false, true)) {
                deletionHolds.decrementAndGet();
            }
        };
    }

    /** Copies the log's segments from {@code firstSegment} on (see {@link MessageLog#copySegmentsFrom}). */
    long copySegmentsFrom(long firstSegment, Path dest) throws IOException {
        return messageLog.copySegmentsFrom(firstSegment, dest);
    }

    private volatile long commits;
    private volatile long committedRecords;
    private volatile long appendNanos;

    /** What the log writer has committed so far: batches, records, and the time their writes and syncs took. */
    CommitStats commitStats() {
        return new CommitStats(commits, committedRecords, appendNanos);
    }

    /** Messages waiting in every inbox (a sum over the inboxes: for a metrics scrape, not the hot path). */
    long undeliveredTotal() {
        long total = 0;
        for (Inbox in : inboxes.values()) {
            synchronized (in) {
                total += in.received();
            }
        }
        return total;
    }

    private void commit(Batch batch) {
        try {
            commitRecords(batch);
        } finally {
            settleAhead(batch); // committed (the marks are in memory now) or refused (then delivered again, never lost)
            // its logins answered: written and synced (or nothing to write: the mark was in the log already), or
            // refused and kept for the next batch; one that may or may not be on disk was told so by refuse
            settleRegistrations(batch, null);
        }
    }

    /** An acknowledgement hides what it covers from its device only until the batch that decided it is done. */
    private void settleAhead(Batch batch) {
        for (AckItem a : batch.acks) {
            Devices d = devices.get(a.accountId());
            if (d != null) {
                synchronized (d) {
                    Long ahead = d.ahead.get(a.device());
                    if (ahead != null && ahead <= a.throughId()) {
                        d.ahead.remove(a.device());
                    }
                }
            }
        }
    }

    private void commitRecords(Batch batch) {
        if (batch.isEmpty()) {
            return;
        }
        if (syncFailed && !batch.records.isEmpty()) {
            nextId = batch.firstId;
            StorageUnavailableException nothing = new StorageUnavailableException(StorageFault.IO_ERROR,
                    new IOException("the message log could not be synced; the server is stopping"));
            for (Decided d : batch.sends) {
                d.item().future().completeExceptionally(nothing);
            }
            settleRegistrations(batch, nothing);
            return;
        }
        if (!batch.records.isEmpty()) {
            buffer.clear();
            for (Committed c : batch.records) {
                buffer = LogRecord.encode(c.record(), buffer);
            }
            buffer.flip();
            LogPosition end;
            long startNanos = System.nanoTime();
            try {
                end = messageLog.append(buffer, nextId - 1); // reserves ids past the log's state first
            } catch (MessageLog.AppendException e) {
                nextId = batch.firstId; // nothing of the batch counts: its ids were never given out
                refuse(batch, e);
                return;
            }
            // written by this thread only; read by a metrics scrape
            commits++;
            committedRecords += batch.records.size();
            appendNanos += System.nanoTime() - startNanos;
            faults.succeeded();
            for (Committed c : batch.records) {
                switch (c.record()) {
                    case LogRecord.Message m -> stored(m, c.view());
                    case LogRecord.Ack a -> trim(a.accountId(), a.throughId());
                    case LogRecord.DeviceAck a -> marked(a);
                }
            }
            batch.floors.forEach((account, floor) -> {
                Devices d = devices.get(account);
                if (d != null) {
                    synchronized (d) {
                        d.floor = Math.max(d.floor, floor);
                    }
                }
            });
            batch.marks.forEach((account, marks) -> { // those written as records were applied by marked() too
                Devices d = devices.computeIfAbsent(account, k -> new Devices());
                synchronized (d) {
                    marks.forEach((device, m) -> {
                        long[] held = d.marks.computeIfAbsent(device, k -> new long[] {0, 0, m[1]});
                        held[0] = Math.max(held[0], m[0]);
                        held[1] = Math.max(Math.max(held[1], m[1]), d.seenEarly.getOrDefault(device, 0L));
                        d.seenEarly.remove(device);
                    });
                }
            });
            synchronized (unindexed) {
                for (Committed c : batch.records) {
                    unindexed.add(c.at(end));
                }
                if (unindexed.size() >= INDEX_CHUNK) {
                    unindexed.notifyAll();
                }
            }
        }
        for (Decided d : batch.sends) {
            d.item().future().complete(d.outcome());
        }
    }

    /** A message is in the log: into its recipient's inbox, and known for retries (log writer, or start). */
    private void stored(LogRecord.Message m, StoredMessage view) {
        for (long account : inboxesOf(m)) {
            Inbox in = inboxes.computeIfAbsent(account, k -> new Inbox());
            synchronized (in) {
                in.add(view, null);
            }
        }
        if (m.fromDevice() != null) { // a copy for the sender's other devices
            Inbox in = inboxes.computeIfAbsent(m.senderId(), k -> new Inbox());
            synchronized (in) {
                in.add(view, m.fromDevice());
            }
        }
        SentKey key = new SentKey(m.senderId(), m.clientId());
        recent.put(key, new Sent(m.id(), m.timeMillis(), m.recipientId(), m.body()));
        everSent.add(key);
    }

    /** A device's mark is in the log (log writer, or start); what it acknowledged ahead of it is now committed. */
    private void marked(LogRecord.DeviceAck a) {
        Devices d = devices.computeIfAbsent(a.accountId(), k -> new Devices());
        synchronized (d) {
            long[] m = d.marks.computeIfAbsent(a.device(), k -> new long[3]);
            m[0] = Math.max(m[0], a.throughId());
            m[1] = Math.max(m[1], a.activeMillis());
            m[2] = Math.max(m[2], a.activeMillis());
        }
    }

    /** Removes the account's messages with id &lt;= {@code through} from memory (log writer, or start). */
    private void trim(long accountId, long through) {
        Devices d = devices.computeIfAbsent(accountId, k -> new Devices());
        synchronized (d) {
            d.floor = Math.max(d.floor, through);
        }
        Inbox in = inboxes.get(accountId);
        if (in == null) {
            return;
        }
        synchronized (in) {
            in.dropThrough(through);
            if (in.isEmpty()) {
                inboxes.remove(accountId, in);
            }
        }
    }

    /**
     * The batch's write failed. Where the write itself failed, the segment is cut back before the next
     * one: nothing of the batch was stored, for certain. Where the sync failed after the write, the
     * records may or may not be on disk, and what the page cache holds can no longer be trusted: the
     * senders are told so, and the server stops, so that a restart reads back what the disk really has
     * (a retry with the same client id is then recognised).
     */
    private void refuse(Batch batch, MessageLog.AppendException e) {
        if (e.mayBeWritten()) {
            StoreException unknown = new StoreException("the message log could not be synced to disk (" + e.getMessage()
                    + "): the messages may or may not have been stored", e);
            closed = true;
            syncFailed = true; // after a failed fsync, a later one that succeeds proves nothing about the page cache
            failQueued(unknown); // before the server is told to stop: its close queues the item that ends this thread
            onFatal.accept(e); // the server is stopping before any sender of the batch hears "may or may not" and retries
            for (Decided d : batch.sends) {
                d.item().future().completeExceptionally(unknown);
            }
            settleRegistrations(batch, unknown);
            return;
        }
        for (AckItem a : batch.acks) {
            if (a.register()) {
                unregistered.add(a); // its LOGIN_DEVICE was answered: the device must hold, so it is written later
            }
        }
        StorageFault fault = classify(e);
        int refused = batch.sends.size();
        faults.faulted(fault, e, refused);
        StorageUnavailableException nothing = new StorageUnavailableException(fault, e);
        for (Decided d : batch.sends) {
            d.item().future().completeExceptionally(nothing);
        }
    }

    /**
     * The batch's registrations were not stored (or may not be): their logins are told so; with {@code why}
     * null, they are answered (a future already told stays as it is).
     */
    private static void settleRegistrations(Batch batch, RuntimeException why) {
        for (AckItem a : batch.acks) {
            if (a.register()) {
                if (why == null) {
                    a.registered().complete(null);
                } else {
                    a.registered().completeExceptionally(why);
                }
            }
        }
    }

    static StorageFault classify(IOException e) {
        String m = String.valueOf(e.getMessage());
        if (m.contains("No space left") || m.contains("Disk quota")) {
            return StorageFault.DISK_FULL;
        }
        if (m.contains("Read-only")) {
            return StorageFault.READ_ONLY;
        }
        return StorageFault.IO_ERROR;
    }

    private void delete(DeleteItem d) {
        try {
            // every acknowledgement queued before is committed by now
            long waiting = d.device() == null ? inboxSize(d.accountId()) : unread(d.accountId(), d.device());
            if (waiting > 0) {
                d.future().complete(new Deletion.Waiting(waiting));
                return;
            }
            Deletion outcome = catalog.deleteAccountRows(d.accountId(), d.nowMillis(), nextId - 1, d.departures());
            if (outcome instanceof Deletion.Deleted) {
                names.values().removeIf(n -> n.id() == d.accountId());
                devices.remove(d.accountId());
                for (GroupState g : List.copyOf(groups.values())) {
                    if (g.isMember(d.accountId())) {
                        loadGroups(g.id()); // it left them
                    }
                }
            }
            d.future().complete(outcome);
        } catch (RuntimeException e) {
            d.future().completeExceptionally(e);
        }
    }

    /**
     * A group change, between two batches: every message given an id so far is committed, so its bounds
     * ({@code nextId - 1}) fall between the messages stored before it and those after. A rename shows the
     * new name on the group's messages still waiting too.
     */
    private <T> void changeGroup(GroupItem<T> item) {
        try {
            Set<Long> changed = new HashSet<>();
            T outcome = catalog.changeGroup(item.work(), nextId - 1, changed);
            for (long id : changed) {
                GroupState before = groups.get(id);
                loadGroups(id);
                GroupState after = groups.get(id);
                if (before != null && after != null && !before.name().equals(after.name())) {
                    renamed(before, after.name());
                }
            }
            item.future().complete(outcome);
        } catch (RuntimeException e) {
            item.future().completeExceptionally(e);
        }
    }

    /** The group's messages waiting in its members' inboxes now show its new name. */
    private void renamed(GroupState g, String name) {
        Set<Long> members = new HashSet<>();
        for (long[] i : g.intervals()) {
            members.add(i[0]);
        }
        for (long account : members) {
            Inbox in = inboxes.get(account);
            if (in == null) {
                continue;
            }
            synchronized (in) {
                in.replaceEach(m -> m.recipient().equals(g.name())
                        ? new StoredMessage(m.id(), m.sender(), name, m.timestampMillis(), m.body()) : m);
            }
        }
    }

    // ---- the indexer ----

    private void indexLoop() {
        long startedNanos = System.nanoTime();
        int backlog;
        synchronized (unindexed) {
            backlog = unindexed.size(); // what the start found in the log and the index had not read
        }
        try {
            while (true) {
                List<Committed> chunk;
                LogPosition end;
                synchronized (unindexed) {
                    while (unindexed.isEmpty() && !indexerStop) {
                        unindexed.wait();
                    }
                    if (unindexed.isEmpty()) {
                        return;
                    }
                    if (unindexed.size() < INDEX_CHUNK && !indexerStop) {
                        unindexed.wait(INDEX_DELAY_MILLIS);
                    }
                    // a chunk ends where a batch ends, so that the checkpoint never falls inside a batch
                    chunk = new ArrayList<>(Math.min(unindexed.size(), INDEX_CHUNK + MAX_BATCH));
                    var it = unindexed.iterator();
                    while (it.hasNext()) {
                        Committed c = it.next();
                        if (chunk.size() >= INDEX_CHUNK && !c.end().equals(chunk.get(chunk.size() - 1).end())) {
                            break;
                        }
                        chunk.add(c);
                    }
                    end = chunk.get(chunk.size() - 1).end();
                }
                if (!indexChunk(chunk, end)) {
                    if (indexerStop) {
                        return; // the log keeps them: the next start indexes them
                    }
                    Thread.sleep(1_000); // the storage fault is logged by the SQLite writer, once
                    continue;
                }
                synchronized (unindexed) {
                    for (int i = 0; i < chunk.size(); i++) {
                        unindexed.removeFirst();
                    }
                    unindexed.notifyAll(); // for awaitIndexed
                    if (backlog > 0 && unindexed.isEmpty()) {
                        log.info("history index caught up with the message log: {} records from before the start indexed in {} ms",
                                backlog, (System.nanoTime() - startedNanos) / 1_000_000);
                        backlog = 0;
                    }
                }
                for (Committed c : chunk) {
                    if (c.record() instanceof LogRecord.Message m) {
                        recent.remove(new SentKey(m.senderId(), m.clientId()));
                    }
                }
                try {
                    if (deletionHolds.get() == 0) { // a backup copying segments holds them (see holdDeletions)
                        messageLog.deleteBefore(end);
                    }
                } catch (IOException e) {
                    log.warn("could not delete indexed segments of the message log: {}", e.toString());
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Throwable t) {
            log.error("the history indexer failed; stopping the server (the log keeps every message)", t);
            onFatal.accept(t);
        }
    }

    private boolean indexChunk(List<Committed> chunk, LogPosition end) {
        try {
            catalog.index(chunk, end);
            return true;
        } catch (StorageUnavailableException e) {
            return false;
        } catch (RuntimeException e) {
            log.error("indexing {} records of the message log failed; trying again in 1 s (the log keeps them)", chunk.size(), e);
            return false;
        }
    }

    @Override
    public void close() {
        if (closed && !writer.isAlive()) {
            stopIndexer();
            return;
        }
        closed = true;
        queue.add(new StopItem());
        try {
            writer.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        stopIndexer();
    }

    private void stopIndexer() {
        synchronized (unindexed) {
            indexerStop = true;
            unindexed.notifyAll();
        }
        try {
            indexer.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            messageLog.close();
        } catch (IOException e) {
            log.warn("closing the message log failed", e);
        }
    }
}
