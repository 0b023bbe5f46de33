package org.wirechat.server.storage.log;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * What the message log knows of itself beyond its segments, kept in {@value #FILE} beside them so that a
 * segment lost whole, or a log cut short, is seen at the next start: the highest segment ever created, an
 * id no message id handed out exceeds (reserved ahead, {@link #RESERVE} at a time), where the log ended at
 * a clean close, and the ids an operator accepted as lost. Replaced atomically (a new file, synced, renamed).
 *
 * @param lastSegment the highest segment created (0: none yet)
 * @param reservedThrough no message id above it has been handed out
 * @param cleanEnd where the log ended when it was closed cleanly; null while a server runs on it (or after a crash)
 * @param cleanLastId the highest message id at the clean close (0 with no clean close)
 * @param lost id ranges an operator accepted as lost ({@code wirechat-server admin accept-log-damage})
 */
public record LogState(long lastSegment, long reservedThrough, LogPosition cleanEnd, long cleanLastId, List<LostIds> lost) {
    public static final String FILE = "high-water";
    /** Ids reserved at a time: one small synced write per this many messages. */
    static final long RESERVE = 1 << 16;
    private static final String HEADER = "wirechat message log state 1";

    public LogState {
        lost = List.copyOf(lost);
    }

    static final LogState NONE = new LogState(0, 0, null, 0, List.of());

    LogState running(long segment, long reserved) {
        return new LogState(segment, reserved, null, 0, lost);
    }

    /** The state in {@code logDir}, if it has one (a log from before this file, or a backup, has none). */
    static Optional<LogState> read(Path logDir) throws IOException {
        Path file = logDir.resolve(FILE);
        if (!Files.exists(file)) {
            return Optional.empty();
        }
        List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
        if (lines.isEmpty() || !lines.get(0).equals(HEADER)) {
            throw new LogDamagedException(file.toAbsolutePath() + " is not the message log's state file (it begins "
                    + (lines.isEmpty() ? "with nothing" : "'" + lines.get(0) + "'") + ")");
        }
        long segment = 0;
        long reserved = 0;
        LogPosition clean = null;
        long cleanLast = 0;
        List<LostIds> lost = new ArrayList<>();
        try {
            for (String line : lines.subList(1, lines.size())) {
                String[] w = line.split(" ");
                switch (w[0]) {
                    case "last-segment" -> segment = Long.parseLong(w[1]);
                    case "reserved-through" -> reserved = Long.parseLong(w[1]);
                    case "clean" -> {
                        clean = new LogPosition(Long.parseLong(w[1]), Long.parseLong(w[2]));
                        cleanLast = Long.parseLong(w[3]);
                    }
                    case "lost" -> lost.add(new LostIds(Long.parseLong(w[1]), Long.parseLong(w[2]), true));
                    default -> throw new IllegalArgumentException("an unknown line '" + line + "'");
                }
            }
        } catch (RuntimeException e) {
            throw new LogDamagedException(file.toAbsolutePath() + " cannot be read: " + e.getMessage());
        }
        return Optional.of(new LogState(segment, reserved, clean, cleanLast, lost));
    }

    /**
     * Records in {@code logDir}'s state that the losses {@code scan} found are accepted: their ids are kept
     * as lost (never given out again), and the segments and end the log now has are taken as its own.
     */
    public static void accept(Path logDir, LogScan scan) throws IOException {
        LogState before = scan.state() == null ? NONE : scan.state();
        List<LostIds> lost = new ArrayList<>(before.lost());
        for (LostIds l : scan.lost()) {
            lost.add(new LostIds(l.from(), l.through(), true));
        }
        long last = scan.segments().isEmpty() ? 0 : scan.segments().get(scan.segments().size() - 1);
        new LogState(last, Math.max(before.reservedThrough(), scan.idFloor()), null, 0, lost).write(logDir);
    }

    /** Replaces the state in {@code logDir}: written to a new file, synced, renamed over the old one, the directory synced. */
    void write(Path logDir) throws IOException {
        write(logDir, LogFiles.REAL);
    }

    /** The same, opening the files through {@code files}. */
    void write(Path logDir, LogFiles files) throws IOException {
        StringBuilder b = new StringBuilder(HEADER).append('\n');
        b.append("last-segment ").append(lastSegment).append('\n');
        b.append("reserved-through ").append(reservedThrough).append('\n');
        if (cleanEnd != null) {
            b.append("clean ").append(cleanEnd.segment()).append(' ').append(cleanEnd.offset()).append(' ')
                    .append(cleanLastId).append('\n');
        }
        for (LostIds l : lost) {
            b.append("lost ").append(l.from()).append(' ').append(l.through()).append('\n');
        }
        Path tmp = logDir.resolve(FILE + ".new");
        Files.deleteIfExists(tmp);
        try (FileChannel c = files.open(tmp, Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")))) {
            c.write(ByteBuffer.wrap(b.toString().getBytes(StandardCharsets.UTF_8)));
            c.force(true);
        }
        Files.move(tmp, logDir.resolve(FILE), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        MessageLog.syncDirectory(logDir, files);
    }
}
