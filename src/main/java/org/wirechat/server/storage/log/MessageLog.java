package org.wirechat.server.storage.log;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * The append-only message log: numbered segment files in one directory, written by one thread.
 * {@link #append} writes a batch with one positional write and one {@code fdatasync}; only then may
 * its records be acknowledged. {@link #open} reads what is there, cuts a torn tail (a write that never
 * finished, so was never acknowledged) and refuses anything else that is wrong ({@link LogDamagedException}).
 *
 * <p>Not thread-safe, except {@link #deleteBefore}, which may run on another thread.
 */
public final class MessageLog implements AutoCloseable {
    public static final long DEFAULT_SEGMENT_BYTES = 64L << 20;
    static final int MAX_RECORD_BYTES = LogScan.MAX_RECORD_BYTES;

    private final Path dir;
    private final long segmentBytes;
    private final LogFiles files;
    private FileChannel current;
    private long currentSegment;
    /** The length of the current segment up to its last complete, synced batch. */
    private long good;
    /** A write failed: the segment may hold bytes past {@link #good} until cut back. */
    private boolean dirty;
    /** What the log's state file says (see {@link LogState}). */
    private LogState state = LogState.NONE;
    /** No message id above it has been handed out (written to the state before any is). */
    private long reserved;
    /** The highest message id in the log (or before it). */
    private long lastId;

    /** A record read back at startup and the position just after it. */
    public record Entry(LogRecord record, LogPosition end) {
    }

    /**
     * The opened log, the records after the checkpoint (in order), and how many bytes of a torn tail
     * were cut (0 if none).
     */
    public record Recovered(MessageLog log, List<Entry> entries, long tornBytesCut) {
    }

    /** A write or sync failed. {@code written} says whether the batch may be on disk (the sync failed after the write). */
    public static final class AppendException extends IOException {
        private static final long serialVersionUID = 1L;
        private final boolean mayBeWritten;

        AppendException(IOException cause, boolean mayBeWritten) {
            super(cause.getMessage(), cause);
            this.mayBeWritten = mayBeWritten;
        }

        public boolean mayBeWritten() {
            return mayBeWritten;
        }
    }

    private MessageLog(Path dir, long segmentBytes, LogFiles files) {
        this.dir = dir;
        this.segmentBytes = segmentBytes;
        this.files = files;
    }

    /**
     * Opens the log in {@code dir} (creating it), reading every record after {@code checkpoint} (what
     * the history index already holds) and deleting segments wholly before it. For tests of the format:
     * no history index, so no id is known to be missing before the log's first.
     *
     * @throws LogDamagedException the log is damaged other than by a torn tail
     */
    public static Recovered open(Path dir, LogPosition checkpoint, long segmentBytes) throws IOException {
        if (!Files.isDirectory(dir)) {
            Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            syncDirectory(dir.toAbsolutePath().getParent());
        }
        return open(dir, LogScan.read(dir, checkpoint, -1), segmentBytes);
    }

    /**
     * Opens the log {@code scan} read: refuses it if it lost messages not accepted as lost (changing
     * nothing), else deletes the segments the index holds, cuts a torn tail, and notes in the log's state
     * that a server runs on it (a crash from now on is not a clean close).
     *
     * @throws LogLossException the log lost messages, with how many and which
     */
    public static Recovered open(Path dir, LogScan scan, long segmentBytes) throws IOException {
        return open(dir, scan, segmentBytes, LogFiles.REAL);
    }

    /** The same, opening the files it writes through {@code files} (tests inject faults there). */
    public static Recovered open(Path dir, LogScan scan, long segmentBytes, LogFiles files) throws IOException {
        if (!scan.whole()) {
            throw new LogLossException(dir, scan);
        }
        if (!Files.isDirectory(dir)) {
            Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            syncDirectory(dir.toAbsolutePath().getParent());
        }
        MessageLog log = new MessageLog(dir, segmentBytes, files);
        LogState state = scan.state() == null ? LogState.NONE : scan.state();
        log.lastId = scan.idFloor();
        log.reserved = Math.max(state.reservedThrough(), scan.idFloor());
        for (long n : scan.indexed()) {
            Files.delete(log.path(n)); // wholly indexed: a crash came before it was deleted
        }
        // accepted losses the index has gone past are no longer seen between the index and the log
        List<LostIds> lost = state.lost().stream().filter(l -> l.through() > scan.indexLastId()).toList();
        log.state = new LogState(state.lastSegment(), log.reserved, null, 0, lost);
        long cut = 0;
        if (scan.segments().isEmpty()) {
            log.create(1);
        } else {
            long n = scan.end().segment();
            cut = scan.tornBytes();
            log.current = files.open(log.path(n), Set.of(StandardOpenOption.READ, StandardOpenOption.WRITE));
            log.currentSegment = n;
            log.good = scan.end().offset();
            if (cut > 0) {
                log.current.truncate(log.good);
                log.current.force(true);
            }
            log.state = new LogState(Math.max(n, state.lastSegment()), log.reserved, null, 0, lost);
            log.state.write(dir, files);
        }
        return new Recovered(log, scan.entries(), cut);
    }

    /** The segments' numbers in {@code dir}, in order. */
    public static List<Long> segmentsIn(Path dir) throws IOException {
        return LogScan.segments(dir);
    }

    /** A segment's file name. */
    public static String segmentName(long segment) {
        return name(segment);
    }

    static String name(long segment) {
        return String.format(Locale.ROOT, "%020d.seg", segment);
    }

    private Path path(long segment) {
        return dir.resolve(name(segment));
    }

    private void create(long segment) throws IOException {
        FileChannel ch = files.open(path(segment), Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.READ,
                StandardOpenOption.WRITE), PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        try {
            syncDirectory(dir, files); // the new name survives a power cut
        } catch (IOException e) {
            ch.close();
            Files.deleteIfExists(path(segment));
            throw e;
        }
        FileChannel old = current;
        current = ch;
        currentSegment = segment;
        good = 0;
        dirty = false;
        if (old != null) {
            old.close();
        }
        // after the file is there: a state naming a segment never made would read as a segment lost
        state = new LogState(Math.max(segment, state.lastSegment()), reserved, null, 0, state.lost());
        state.write(dir, files);
    }

    private static void syncDirectory(Path dir) throws IOException {
        syncDirectory(dir, LogFiles.REAL);
    }

    static void syncDirectory(Path dir, LogFiles files) throws IOException {
        try (FileChannel d = files.open(dir, Set.of(StandardOpenOption.READ))) {
            d.force(true);
        }
    }

    /** Where the next record will go. */
    public LogPosition end() {
        return new LogPosition(currentSegment, good);
    }

    /**
     * Writes the bytes between {@code batch}'s position and limit with one write and one
     * {@code fdatasync}, in a new segment if the current one is full; returns the position after them.
     * On failure nothing of the batch counts: the segment is cut back to where it was before the next
     * append (and an {@link AppendException} says whether the bytes may nonetheless be on disk).
     */
    public LogPosition append(ByteBuffer batch) throws AppendException {
        return append(batch, lastId);
    }

    /**
     * The same, for a batch whose highest message id is {@code batchLastId}: if it is beyond the ids
     * reserved, more are reserved in the log's state first, so that no start after a loss can hand out
     * an id a lost message had.
     */
    public LogPosition append(ByteBuffer batch, long batchLastId) throws AppendException {
        int length = batch.remaining();
        try {
            if (batchLastId > reserved) {
                LogState next = new LogState(state.lastSegment(), batchLastId + LogState.RESERVE, null, 0, state.lost());
                next.write(dir, files);
                state = next;
                reserved = next.reservedThrough();
            }
            if (dirty) {
                current.truncate(good);
                dirty = false;
            }
            if (good > 0 && good + length > segmentBytes) {
                create(currentSegment + 1);
            }
            dirty = true;
            long at = good;
            while (batch.hasRemaining()) {
                at += current.write(batch, at);
            }
        } catch (IOException e) {
            throw new AppendException(e, false);
        }
        try {
            current.force(false);
        } catch (IOException e) {
            throw new AppendException(e, true);
        }
        good += length;
        dirty = false;
        lastId = Math.max(lastId, batchLastId);
        return new LogPosition(currentSegment, good);
    }

    /**
     * Copies every segment from {@code firstSegment} on into {@code dest} (files 0600), as they are at
     * this moment: the one being written may end in a record cut short, which a server started on the copy
     * cuts as a torn write (it was written after the copy's moment). The caller keeps segments from being
     * deleted meanwhile. Any thread. Returns how many bytes were copied.
     */
    public long copySegmentsFrom(long firstSegment, Path dest) throws IOException {
        long bytes = 0;
        for (long n : LogScan.segments(dir)) {
            if (n >= firstSegment) {
                Path to = dest.resolve(path(n).getFileName());
                Files.copy(path(n), to);
                Files.setPosixFilePermissions(to, PosixFilePermissions.fromString("rw-------"));
                try (FileChannel c = FileChannel.open(to, StandardOpenOption.WRITE)) {
                    c.force(true);
                    bytes += c.size();
                }
            }
        }
        return bytes;
    }

    /** Deletes every segment wholly before {@code position} (never the one being written). Any thread. */
    public int deleteBefore(LogPosition position) throws IOException {
        int deleted = 0;
        for (long n : LogScan.segments(dir)) {
            if (n < position.segment()) {
                Files.deleteIfExists(path(n));
                deleted++;
            }
        }
        return deleted;
    }

    /**
     * Closes the log, noting in its state where it ends and its highest id: a start that finds it shorter
     * knows it was cut.
     */
    @Override
    public void close() throws IOException {
        if (current != null) {
            if (dirty) {
                current.truncate(good);
                current.force(true);
            }
            current.close();
            current = null;
            state = new LogState(Math.max(currentSegment, state.lastSegment()), reserved, end(), lastId, state.lost());
            state.write(dir, files);
        }
    }
}
