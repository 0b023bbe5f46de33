package org.wirechat.server.storage;

import java.nio.ByteBuffer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
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

        /** The stored messages among these (sender, client id) pairs. */
        Map<SentKey, Sent> findSent(Collection<SentKey> keys);

        /** Deletes the account's row and tokens (its inbox is empty). */
        DeleteOutcome deleteAccountRows(long id, long nowMillis);

        /** Writes these committed records into the history index, with the position after the last. */
        void index(List<Committed> records, LogPosition end);

        /** Every undelivered message in the index, each recipient's in id order. */
        void undelivered(Consumer<IndexedMessage> each);

        /** How many messages the index holds (roughly: for sizing). */
        long messageCount();

        /** The (sender, client id) of every message in the index. */
        void sentKeys(Consumer<SentKey> each);
    }

    record Named(long id, String username) {
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

    record IndexedMessage(long recipientId, StoredMessage message) {
    }

    /** One account's undelivered messages, oldest first. Changed by the log writer only; read under its lock. */
    private static final class Inbox {
        private final ArrayDeque<StoredMessage> messages = new ArrayDeque<>();
        /**
         * The highest id acknowledged but perhaps not committed yet (guarded by the inbox): what it covers
         * is no longer shown or counted, as the protocol says of an acknowledgement (FETCH marks first,
         * then answers), although the log writer has yet to write it.
         */
        private long acknowledgedAhead;
    }

    private sealed interface Item {
    }

    private record SendItem(long senderId, String recipientKey, String clientId, String body, long nowMillis,
            int capacity, CompletableFuture<SendOutcome> future) implements Item {
    }

    private record AckItem(long accountId, long throughId) implements Item {
    }

    private record DeleteItem(long accountId, long nowMillis, CompletableFuture<DeleteOutcome> future) implements Item {
    }

    private record StopItem() implements Item {
    }

    /** Completes once everything queued before it is committed. */
    private record FlushItem(CompletableFuture<Void> future) implements Item {
    }

    /** Holds the writer until {@code resume} completes (tests: so that what is queued meanwhile makes one batch). */
    private record PauseItem(CompletableFuture<Void> paused, CompletableFuture<Void> resume) implements Item {
    }

    private final Catalog catalog;
    private final MessageLog messageLog;
    private final FaultLog faults;
    private final Consumer<Throwable> onFatal;
    private final ConcurrentHashMap<Long, Inbox> inboxes = new ConcurrentHashMap<>();
    /** Messages in the log not yet in the history index, by sender and client id (for retries). */
    private final ConcurrentHashMap<SentKey, Sent> recent = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, Named> names = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<Long, String> usernames = new ConcurrentHashMap<>();
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

    LogMessages(Catalog catalog, MessageLog messageLog, FaultLog faults, Consumer<Throwable> onFatal) {
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
        catalog.undelivered(m -> inboxes.computeIfAbsent(m.recipientId(), k -> new Inbox()).messages.add(m.message()));
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
            }
        }
        nextId = last + 1;
        writer.start();
        indexer.start();
    }

    private String name(long id) {
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

    CompletableFuture<SendOutcome> sendLater(long senderId, String recipientKey, String clientId, String body,
            long nowMillis, int capacity) {
        CompletableFuture<SendOutcome> f = new CompletableFuture<>();
        enqueue(new SendItem(senderId, recipientKey, clientId, body, nowMillis, capacity, f), f);
        return f;
    }

    void acknowledgeLater(long accountId, long throughId) {
        if (!closed) {
            Inbox in = inboxes.get(accountId);
            if (in != null) {
                synchronized (in) {
                    in.acknowledgedAhead = Math.max(in.acknowledgedAhead, throughId);
                }
            }
            queue.add(new AckItem(accountId, throughId));
        }
    }

    DeleteOutcome deleteAccount(long accountId, long nowMillis) {
        CompletableFuture<DeleteOutcome> f = new CompletableFuture<>();
        enqueue(new DeleteItem(accountId, nowMillis, f), f);
        return Writer.await(f);
    }

    private void enqueue(Item item, CompletableFuture<?> f) {
        if (closed) {
            f.completeExceptionally(new IllegalStateException("store is closed"));
            return;
        }
        queue.add(item);
    }

    List<StoredMessage> undelivered(long accountId, long afterId, int max) {
        Inbox in = inboxes.get(accountId);
        if (in == null) {
            return List.of();
        }
        List<StoredMessage> out = new ArrayList<>(Math.min(max, 64));
        synchronized (in) {
            long after = Math.max(afterId, in.acknowledgedAhead);
            for (StoredMessage m : in.messages) {
                if (m.id() > after) {
                    out.add(m);
                    if (out.size() == max) {
                        break;
                    }
                }
            }
        }
        return out;
    }

    /** Messages waiting for the account, leaving out those an acknowledgement on its way covers. */
    long undeliveredCount(long accountId) {
        Inbox in = inboxes.get(accountId);
        if (in == null) {
            return 0;
        }
        synchronized (in) {
            int covered = 0;
            for (StoredMessage m : in.messages) {
                if (m.id() > in.acknowledgedAhead) {
                    break;
                }
                covered++;
            }
            return in.messages.size() - covered;
        }
    }

    /**
     * The oldest message from {@code sender} (by name: an account keeps its spelling) waiting in the
     * account's inbox, leaving out those an acknowledgement on its way covers; 0 if none. A message from an
     * earlier, deleted account of the same name counts too: that errs towards "not yet delivered", never
     * the other way.
     */
    long oldestWaitingFrom(long accountId, String sender) {
        Inbox in = inboxes.get(accountId);
        if (in == null) {
            return 0;
        }
        synchronized (in) {
            for (StoredMessage m : in.messages) {
                if (m.id() > in.acknowledgedAhead && m.sender().equals(sender)) {
                    return m.id();
                }
            }
        }
        return 0;
    }

    /** Messages in the account's inbox as committed (the log writer's view, for its decisions). */
    private long inboxSize(long accountId) {
        Inbox in = inboxes.get(accountId);
        if (in == null) {
            return 0;
        }
        synchronized (in) {
            return in.messages.size();
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

    /** The batch being gathered (log writer thread). */
    private final class Batch {
        final List<Decided> sends = new ArrayList<>();
        /** Every record, in log order. */
        final List<Committed> records = new ArrayList<>();
        final Map<SentKey, Sent> sent = new HashMap<>();
        final Map<Long, Integer> added = new HashMap<>();
        final Map<Long, Long> acked = new HashMap<>();
        /** Messages this batch's acknowledgements take out of each inbox (at commit): room for SENDs after them. */
        final Map<Long, Integer> freed = new HashMap<>();
        long firstId = nextId;

        boolean isEmpty() {
            return sends.isEmpty() && records.isEmpty();
        }
    }

    private void writeLoop() {
        List<Item> items = new ArrayList<>(MAX_BATCH);
        try {
            while (true) {
                items.clear();
                items.add(queue.take());
                queue.drainTo(items, MAX_BATCH - 1);
                Map<SentKey, Sent> looked = lookUpRetries(items);
                Batch batch = new Batch();
                for (Item item : items) {
                    switch (item) {
                        case SendItem s -> decide(batch, s, looked);
                        case AckItem a -> acknowledge(batch, a);
                        case DeleteItem d -> {
                            commit(batch);
                            batch = new Batch();
                            delete(d);
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
                case FlushItem f -> f.future().completeExceptionally(why);
                case PauseItem p -> p.paused().completeExceptionally(why);
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

    /** Decides a SEND into the batch; one whose names cannot be read (SQLite failing) fails alone. */
    private void decide(Batch batch, SendItem s, Map<SentKey, Sent> looked) {
        try {
            decideChecked(batch, s, looked);
        } catch (RuntimeException e) {
            s.future().completeExceptionally(e);
        }
    }

    private void decideChecked(Batch batch, SendItem s, Map<SentKey, Sent> looked) {
        Named recipient = resolve(s.recipientKey());
        if (recipient == null) {
            batch.sends.add(new Decided(s, new SendOutcome.NoRecipient()));
            return;
        }
        SentKey key = new SentKey(s.senderId(), s.clientId());
        // this batch's own; then one committed since the lookup (an earlier batch of this drain, before a
        // deletion or a flush); then what was known when the drain began
        Sent prior = batch.sent.get(key);
        if (prior == null) {
            prior = recent.get(key);
        }
        if (prior == null) {
            prior = looked.get(key);
        }
        if (prior != null) {
            boolean same = prior.recipientId() == recipient.id() && prior.body().equals(s.body());
            batch.sends.add(new Decided(s,
                    same ? new SendOutcome.Duplicate(prior.id(), prior.timeMillis()) : new SendOutcome.ClientIdReused()));
            return;
        }
        // an acknowledgement decided earlier in this batch makes room, as it would have in a batch of its own
        long waiting = inboxSize(recipient.id()) - batch.freed.getOrDefault(recipient.id(), 0)
                + batch.added.getOrDefault(recipient.id(), 0);
        if (waiting >= s.capacity()) {
            batch.sends.add(new Decided(s, new SendOutcome.InboxFull(recipient.username(), waiting)));
            return;
        }
        String sender = name(s.senderId()); // before anything of the batch changes
        long id = nextId++;
        LogRecord.Message record = new LogRecord.Message(id, s.senderId(), recipient.id(), s.nowMillis(), s.clientId(), s.body());
        StoredMessage view = new StoredMessage(id, sender, recipient.username(), s.nowMillis(), s.body());
        batch.sends.add(new Decided(s, new SendOutcome.Stored(id, s.nowMillis(), recipient.id())));
        batch.records.add(new Committed(record, view, null));
        batch.sent.put(key, new Sent(id, s.nowMillis(), recipient.id(), s.body()));
        batch.added.merge(recipient.id(), 1, Integer::sum);
    }

    /**
     * An acknowledgement is written as the newest waiting message it covers (so a record never reaches
     * past what existed when it was written), and only if it covers one not yet acknowledged.
     */
    private void acknowledge(Batch batch, AckItem a) {
        Inbox in = inboxes.get(a.accountId());
        if (in == null) {
            return;
        }
        long before = batch.acked.getOrDefault(a.accountId(), 0L);
        long covered = 0;
        int newlyCovered = 0;
        synchronized (in) {
            for (StoredMessage m : in.messages) {
                if (m.id() > a.throughId()) {
                    break;
                }
                covered = m.id();
                if (m.id() > before) {
                    newlyCovered++;
                }
            }
        }
        if (covered == 0 || covered <= before) {
            return;
        }
        batch.acked.put(a.accountId(), covered);
        batch.freed.merge(a.accountId(), newlyCovered, Integer::sum);
        LogRecord.Ack record = new LogRecord.Ack(a.accountId(), covered);
        batch.records.add(new Committed(record, null, null));
    }

    /**
     * Backups under way: while any is, indexed segments are kept (deleted after the next chunk instead).
     * A backup takes its hold before it snapshots the index, so the checkpoint it snapshots is at least
     * as new as any the indexer deletes segments before; those are never the ones it copies.
     */
    private final java.util.concurrent.atomic.AtomicInteger deletionHolds = new java.util.concurrent.atomic.AtomicInteger();

    /** Keeps indexed segments from being deleted until the returned hold is closed. */
    AutoCloseable holdDeletions() {
        deletionHolds.incrementAndGet();
        java.util.concurrent.atomic.AtomicBoolean released = new java.util.concurrent.atomic.AtomicBoolean();
        return () -> {
            if (released.compareAndSet(false, true)) {
                deletionHolds.decrementAndGet();
            }
        };
    }

    /** Copies the log's segments from {@code firstSegment} on (see {@link MessageLog#copySegmentsFrom}). */
    long copySegmentsFrom(long firstSegment, java.nio.file.Path dest) throws java.io.IOException {
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
                total += in.messages.size();
            }
        }
        return total;
    }

    private void commit(Batch batch) {
        if (batch.isEmpty()) {
            return;
        }
        if (syncFailed && !batch.records.isEmpty()) {
            nextId = batch.firstId;
            StorageUnavailableException nothing = new StorageUnavailableException(StorageFault.IO_ERROR,
                    new java.io.IOException("the message log could not be synced; the server is stopping"));
            for (Decided d : batch.sends) {
                d.item().future().completeExceptionally(nothing);
            }
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
                end = messageLog.append(buffer);
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
                }
            }
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
        Inbox in = inboxes.computeIfAbsent(m.recipientId(), k -> new Inbox());
        synchronized (in) {
            in.messages.add(view);
        }
        SentKey key = new SentKey(m.senderId(), m.clientId());
        recent.put(key, new Sent(m.id(), m.timeMillis(), m.recipientId(), m.body()));
        everSent.add(key);
    }

    /** Removes the account's messages with id &lt;= {@code through} from memory (log writer, or start). */
    private void trim(long accountId, long through) {
        Inbox in = inboxes.get(accountId);
        if (in == null) {
            return;
        }
        synchronized (in) {
            while (!in.messages.isEmpty() && in.messages.peekFirst().id() <= through) {
                in.messages.removeFirst();
            }
            if (in.messages.isEmpty()) {
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
            for (Decided d : batch.sends) {
                d.item().future().completeExceptionally(unknown);
            }
            closed = true;
            syncFailed = true; // after a failed fsync, a later one that succeeds proves nothing about the page cache
            failQueued(unknown);
            onFatal.accept(e);
            return;
        }
        StorageFault fault = classify(e);
        int refused = batch.sends.size();
        faults.faulted(fault, e, refused);
        StorageUnavailableException nothing = new StorageUnavailableException(fault, e);
        for (Decided d : batch.sends) {
            d.item().future().completeExceptionally(nothing);
        }
    }

    static StorageFault classify(java.io.IOException e) {
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
            long waiting = inboxSize(d.accountId()); // every acknowledgement queued before is committed by now
            if (waiting > 0) {
                d.future().complete(new DeleteOutcome.InboxNotEmpty(waiting));
                return;
            }
            DeleteOutcome outcome = catalog.deleteAccountRows(d.accountId(), d.nowMillis());
            if (outcome instanceof DeleteOutcome.Deleted) {
                names.values().removeIf(n -> n.id() == d.accountId());
            }
            d.future().complete(outcome);
        } catch (RuntimeException e) {
            d.future().completeExceptionally(e);
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
                } catch (java.io.IOException e) {
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
        } catch (java.io.IOException e) {
            log.warn("closing the message log failed", e);
        }
    }
}
