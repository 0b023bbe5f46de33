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
import java.util.regex.Pattern;
import java.util.stream.Stream;

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
    /** No record is longer than this (a message body is at most a frame, far less). */
    static final int MAX_RECORD_BYTES = 16 << 20;
    /** A run of zeros this long at the end of the file, from a sector boundary, is a write never finished. */
    private static final int TORN_ZEROS = 8;
    private static final int SECTOR = 512;
    private static final Pattern SEGMENT_NAME = Pattern.compile("\\d{20}\\.seg");

    private final Path dir;
    private final long segmentBytes;
    private FileChannel current;
    private long currentSegment;
    /** The length of the current segment up to its last complete, synced batch. */
    private long good;
    /** A write failed: the segment may hold bytes past {@link #good} until cut back. */
    private boolean dirty;

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

    private MessageLog(Path dir, long segmentBytes) {
        this.dir = dir;
        this.segmentBytes = segmentBytes;
    }

    /**
     * Opens the log in {@code dir} (creating it), reading every record after {@code checkpoint} (what
     * the history index already holds) and deleting segments wholly before it.
     *
     * @throws LogDamagedException the log is damaged other than by a torn tail
     */
    public static Recovered open(Path dir, LogPosition checkpoint, long segmentBytes) throws IOException {
        if (!Files.isDirectory(dir)) {
            Files.createDirectory(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            syncDirectory(dir.toAbsolutePath().getParent());
        }
        MessageLog log = new MessageLog(dir, segmentBytes);
        List<Long> segments = log.segments();
        List<Entry> entries = new ArrayList<>();
        long cut = 0;
        if (segments.isEmpty()) {
            if (!checkpoint.equals(LogPosition.START)) {
                throw new LogDamagedException("the history index has read the message log up to segment " + checkpoint.segment()
                        + " offset " + checkpoint.offset() + ", but " + dir.toAbsolutePath() + " holds no segment");
            }
            log.create(1);
            return new Recovered(log, entries, 0);
        }
        long expectedFirst = Math.max(1, checkpoint.segment());
        if (segments.get(segments.size() - 1) < expectedFirst || segments.stream().noneMatch(n -> n == expectedFirst)) {
            throw new LogDamagedException("segment " + name(expectedFirst) + " is missing from " + dir.toAbsolutePath()
                    + " (the history index has read the log up to segment " + checkpoint.segment() + " offset "
                    + checkpoint.offset() + ")");
        }
        for (int i = 0; i < segments.size(); i++) {
            long n = segments.get(i);
            if (n < checkpoint.segment()) {
                Files.delete(log.path(n)); // wholly indexed: a crash came before it was deleted
                continue;
            }
            if (i > 0 && segments.get(i - 1) >= checkpoint.segment() && segments.get(i - 1) != n - 1) {
                throw new LogDamagedException("segment " + name(n - 1) + " is missing from " + dir.toAbsolutePath());
            }
            boolean last = i == segments.size() - 1;
            long from = n == checkpoint.segment() ? checkpoint.offset() : 0;
            long end = log.scan(n, from, last, entries);
            if (last) {
                long size = Files.size(log.path(n));
                cut = size - end;
                log.current = FileChannel.open(log.path(n), StandardOpenOption.READ, StandardOpenOption.WRITE);
                log.currentSegment = n;
                log.good = end;
                if (cut > 0) {
                    log.current.truncate(end);
                    log.current.force(true);
                }
            }
        }
        return new Recovered(log, entries, cut);
    }

    /** Reads segment {@code n} from {@code from}, adding its records; returns where the valid records end. */
    private long scan(long n, long from, boolean last, List<Entry> out) throws IOException {
        Path file = path(n);
        ByteBuffer all;
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            if (from > size) {
                throw new LogDamagedException(file.toAbsolutePath() + " is " + size + " bytes long, shorter than the "
                        + from + " bytes the history index has already read from it");
            }
            if (size > Integer.MAX_VALUE - 8) {
                throw new LogDamagedException(file.toAbsolutePath() + " is larger than any segment this server writes");
            }
            all = ByteBuffer.allocate((int) size);
            while (all.hasRemaining() && ch.read(all, all.position()) >= 0) {
                // reads until full
            }
            all.flip();
        }
        int size = all.limit();
        int pos = (int) from;
        while (pos < size) {
            String wrong = null;
            boolean cutShort = false;
            int length = 0;
            if (size - pos < LogRecord.HEADER_BYTES) {
                cutShort = true;
            } else {
                length = all.getInt(pos);
                if (all.getInt(pos + 4) != LogRecord.lengthCheck(length) || length < 1 || length > MAX_RECORD_BYTES) {
                    wrong = "a damaged record header";
                } else if ((long) pos + LogRecord.HEADER_BYTES + length > size) {
                    cutShort = true;
                } else {
                    ByteBuffer body = all.duplicate().position(pos + LogRecord.HEADER_BYTES).limit(pos + LogRecord.HEADER_BYTES + length);
                    if (LogRecord.crc(body.duplicate()) != all.getInt(pos + 8)) {
                        wrong = "a record whose checksum does not match";
                    } else {
                        try {
                            LogRecord r = LogRecord.decode(body);
                            pos += LogRecord.HEADER_BYTES + length;
                            out.add(new Entry(r, new LogPosition(n, pos)));
                            continue;
                        } catch (IllegalArgumentException e) {
                            wrong = "a record that cannot be read (" + e.getMessage() + ")";
                        }
                    }
                }
            }
            // A record cut short at the end of the last segment, or ending in zeros from a sector
            // boundary, is a batch whose write never finished: it was never synced, so never acknowledged.
            if (last && (cutShort || (wrong != null && zeroTail(all, pos)))) {
                return pos;
            }
            throw new LogDamagedException(file.toAbsolutePath() + " holds " + (wrong != null ? wrong : "a record cut short")
                    + " at offset " + pos + (last ? " that is not the torn tail of an unfinished write" : ", in a segment"
                    + " followed by others") + ". Acknowledged messages may be in or after it, so the server will not skip it."
                    + " Keep a copy of the data directory; to give up everything from that offset on, truncate the file"
                    + " to " + pos + " bytes and remove any later segment");
        }
        return pos;
    }

    /** Whether the bytes from {@code pos} to the end end in zeros, at least from a sector boundary or from {@code pos}. */
    private static boolean zeroTail(ByteBuffer all, int pos) {
        int end = all.limit();
        int z = end;
        while (z > pos && all.get(z - 1) == 0) {
            z--;
        }
        if (end - z < TORN_ZEROS) {
            return false;
        }
        int boundary = (z + SECTOR - 1) / SECTOR * SECTOR;
        return z == pos || boundary < end;
    }

    private List<Long> segments() throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString())
                    .filter(s -> SEGMENT_NAME.matcher(s).matches())
                    .map(s -> Long.parseLong(s.substring(0, 20)))
                    .sorted()
                    .toList();
        }
    }

    static String name(long segment) {
        return String.format(Locale.ROOT, "%020d.seg", segment);
    }

    private Path path(long segment) {
        return dir.resolve(name(segment));
    }

    private void create(long segment) throws IOException {
        FileChannel ch = FileChannel.open(path(segment), java.util.Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.READ,
                StandardOpenOption.WRITE), PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        try {
            syncDirectory(dir); // the new name survives a power cut
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
    }

    private static void syncDirectory(Path dir) throws IOException {
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
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
        int length = batch.remaining();
        try {
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
        for (long n : segments()) {
            if (n >= firstSegment) {
                Path to = dest.resolve(path(n).getFileName());
                Files.copy(path(n), to);
                Files.setPosixFilePermissions(to, java.nio.file.attribute.PosixFilePermissions.fromString("rw-------"));
                try (FileChannel c = FileChannel.open(to, java.nio.file.StandardOpenOption.WRITE)) {
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
        for (long n : segments()) {
            if (n < position.segment()) {
                Files.deleteIfExists(path(n));
                deleted++;
            }
        }
        return deleted;
    }

    @Override
    public void close() throws IOException {
        if (current != null) {
            if (dirty) {
                current.truncate(good);
            }
            current.close();
        }
    }
}
