package org.wirechat.server.storage.log;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The message log read back without changing anything: its records after the history index's checkpoint,
 * where they end (and how many bytes of a torn tail follow), and what is lost — ids missing between
 * records or after the index's highest, a segment lost whole, a log shorter than at its clean close. A
 * start refuses a log with losses not yet accepted; {@code admin check} reports them.
 *
 * @param segments the segments present from the checkpoint's on
 * @param entries the records after the checkpoint, in order
 * @param end where the valid records end (segment 0 with no segment)
 * @param tornBytes bytes after {@link #end} in the last segment: a write never finished (or a cut after a clean close)
 * @param indexed segments wholly before the checkpoint (the index holds them; a start deletes them)
 * @param indexLastId the highest id the history index holds
 * @param lastId the highest message id found (the index's or the log's)
 * @param state the log's state file, if it has one
 * @param problems what is wrong, in words (empty when the log is whole)
 * @param lost the ids lost and not yet accepted
 * @param idFloor no new message may have an id at or below this
 */
public record LogScan(List<Long> segments, List<MessageLog.Entry> entries, LogPosition end, long tornBytes, List<Long> indexed,
        long indexLastId, long lastId, LogState state, List<String> problems, List<LostIds> lost, long idFloor) {
    /** No record is longer than this (a message body is at most a frame, far less). */
    static final int MAX_RECORD_BYTES = 16 << 20;
    /** A run of zeros this long at the end of the file, from a sector boundary, is a write never finished. */
    private static final int TORN_ZEROS = 8;
    private static final int SECTOR = 512;
    private static final Pattern SEGMENT_NAME = Pattern.compile("\\d{20}\\.seg");

    /** Whether nothing is lost (or what is was accepted). */
    public boolean whole() {
        return problems.isEmpty();
    }

    /** The highest message id found in the log itself after the checkpoint (0 if none). */
    public long lastLoggedId() {
        long last = 0;
        for (MessageLog.Entry e : entries) {
            if (e.record() instanceof LogRecord.Message m) {
                last = Math.max(last, m.id());
            }
        }
        return last;
    }

    /**
     * Reads the log in {@code dir} from {@code checkpoint}, where the history index stopped, whose highest id is
     * {@code indexLastId} (-1: not known, so the log's first message is not compared with it).
     *
     * @throws LogDamagedException the log is damaged in a way no start can go past (a bad record before
     *     others, a segment missing in the middle, a checkpoint beyond the log)
     */
    public static LogScan read(Path dir, LogPosition checkpoint, long indexLastId) throws IOException {
        LogState state = Files.isDirectory(dir) ? LogState.read(dir).orElse(null) : null;
        List<Long> all = Files.isDirectory(dir) ? segments(dir) : List.of();
        List<Long> indexed = all.stream().filter(n -> n < checkpoint.segment()).toList();
        List<Long> segments = all.stream().filter(n -> n >= checkpoint.segment()).toList();
        List<MessageLog.Entry> entries = new ArrayList<>();
        LogPosition end = checkpoint.segment() == 0 ? LogPosition.START : checkpoint;
        long torn = 0;
        if (segments.isEmpty() && !checkpoint.equals(LogPosition.START)) {
            throw new LogDamagedException("the history index has read the message log up to segment " + checkpoint.segment()
                    + " offset " + checkpoint.offset() + ", but " + dir.toAbsolutePath() + " holds no segment from it on");
        }
        if (!segments.isEmpty()) {
            long expectedFirst = Math.max(1, checkpoint.segment());
            if (segments.get(0) != expectedFirst) {
                throw new LogDamagedException("segment " + MessageLog.name(expectedFirst) + " is missing from " + dir.toAbsolutePath()
                        + " (the history index has read the log up to segment " + checkpoint.segment() + " offset "
                        + checkpoint.offset() + ")");
            }
            for (int i = 0; i < segments.size(); i++) {
                long n = segments.get(i);
                if (i > 0 && segments.get(i - 1) != n - 1) {
                    throw new LogDamagedException("segment " + MessageLog.name(n - 1) + " is missing from " + dir.toAbsolutePath()
                            + ": the messages in it are lost, and those after it cannot be trusted to be all there");
                }
                boolean last = i == segments.size() - 1;
                long from = n == checkpoint.segment() ? checkpoint.offset() : 0;
                Path file = dir.resolve(MessageLog.name(n));
                long size = Files.size(file);
                long valid = scan(file, n, from, last, entries);
                if (last) {
                    end = new LogPosition(n, valid);
                    torn = size - valid;
                }
            }
        }
        List<String> problems = new ArrayList<>();
        List<LostIds> lost = new ArrayList<>();
        // ids are handed out one after another: a message whose id is not the next one says the ones between are gone
        long previous = Math.max(0, indexLastId);
        boolean first = true;
        for (MessageLog.Entry e : entries) {
            if (e.record() instanceof LogRecord.Message m) {
                if (m.id() > previous + 1 && !(first && indexLastId < 0)) {
                    LostIds gap = new LostIds(previous + 1, m.id() - 1, true);
                    if (!accepted(state, gap)) {
                        lost.add(gap);
                        problems.add("message ids " + gap.from() + "–" + gap.through() + " are missing before id " + m.id()
                                + " in segment " + MessageLog.name(e.end().segment()));
                    }
                }
                previous = first ? m.id() : Math.max(previous, m.id());
                first = false;
            }
        }
        long lastId = Math.max(Math.max(0, indexLastId), previous);
        if (state != null) {
            long lastFound = segments.isEmpty() ? 0 : segments.get(segments.size() - 1);
            long knownLast = state.cleanEnd() != null ? state.cleanLastId() : state.reservedThrough();
            if (state.lastSegment() > lastFound) {
                problems.add((state.lastSegment() == lastFound + 1 ? "segment " + MessageLog.name(lastFound + 1) + " is"
                        : "segments " + MessageLog.name(lastFound + 1) + " to " + MessageLog.name(state.lastSegment()) + " are")
                        + " missing: the log had reached segment " + state.lastSegment());
                if (knownLast > lastId) {
                    lost.add(new LostIds(lastId + 1, knownLast, state.cleanEnd() != null));
                }
            } else if (state.cleanEnd() != null && end.compareTo(state.cleanEnd()) < 0) {
                problems.add("the log ends at segment " + end.segment() + " offset " + end.offset() + ", before where it ended"
                        + " when the server stopped cleanly (segment " + state.cleanEnd().segment() + " offset "
                        + state.cleanEnd().offset() + "): it was cut short");
                if (state.cleanLastId() > lastId) {
                    lost.add(new LostIds(lastId + 1, state.cleanLastId(), true));
                }
            }
        }
        long floor = lastId;
        for (LostIds l : lost) {
            floor = Math.max(floor, l.through());
        }
        if (state != null) {
            for (LostIds l : state.lost()) {
                floor = Math.max(floor, l.through());
            }
        }
        return new LogScan(segments, entries, end, torn, indexed, indexLastId, lastId, state, problems, lost, floor);
    }

    private static boolean accepted(LogState state, LostIds gap) {
        return state != null && state.lost().stream().anyMatch(l -> l.from() <= gap.from() && gap.through() <= l.through());
    }

    /** Reads segment {@code n} from {@code from}, adding its records; returns where the valid records end. */
    private static long scan(Path file, long n, long from, boolean last, List<MessageLog.Entry> out) throws IOException {
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
                            out.add(new MessageLog.Entry(r, new LogPosition(n, pos)));
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

    static List<Long> segments(Path dir) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString())
                    .filter(s -> SEGMENT_NAME.matcher(s).matches())
                    .map(s -> Long.parseLong(s.substring(0, 20)))
                    .sorted()
                    .toList();
        }
    }
}
