package org.wirechat.server.storage.log;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The log's format and recovery, byte by byte: a write cut anywhere in the final record is a torn tail
 * (never acknowledged: its {@code fdatasync} never returned) and is cut; any other damage is refused,
 * never skipped past.
 */
class MessageLogTest {
    @TempDir
    Path tmp;

    private static final List<LogRecord> ACKNOWLEDGED = List.of(
            new LogRecord.Message(1, 10, 20, 1_000, "c-1", "hello"),
            new LogRecord.Message(2, 20, 10, 1_001, "c-2", "héllo — back"),
            new LogRecord.Ack(10, 2),
            new LogRecord.DeviceAck(20, 1, 1_001, "phone-é 7f3a"),
            new LogRecord.Message(3, 10, 20, 1_002, "c-3", "third, copied to the sender's other devices", "laptop-é"));
    /** A copied message from the default device (its device empty): the record cut and damaged byte by byte below. */
    private static final LogRecord FINAL = new LogRecord.Message(4, 20, 10, 1_003, "c-4", "the last one, in its own batch", "");

    private static ByteBuffer encode(List<LogRecord> records) {
        ByteBuffer b = ByteBuffer.allocateDirect(16);
        for (LogRecord r : records) {
            b = LogRecord.encode(r, b);
        }
        return b.flip();
    }

    /** Writes the acknowledged records in two batches and the final one in a third; returns the segment's bytes. */
    private byte[] writtenLog(Path dir) throws IOException {
        MessageLog.Recovered r = MessageLog.open(dir, LogPosition.START, MessageLog.DEFAULT_SEGMENT_BYTES);
        assertThat(r.entries()).isEmpty();
        try (MessageLog log = r.log()) {
            log.append(encode(ACKNOWLEDGED.subList(0, 2)));
            log.append(encode(ACKNOWLEDGED.subList(2, ACKNOWLEDGED.size())));
            log.append(encode(List.of(FINAL)));
        }
        return Files.readAllBytes(dir.resolve(MessageLog.name(1)));
    }

    private static int finalStart(byte[] all) {
        return all.length - encode(List.of(FINAL)).remaining();
    }

    private Path dirWith(String name, byte[] segment) throws IOException {
        Path dir = Files.createDirectories(tmp.resolve(name));
        Files.write(dir.resolve(MessageLog.name(1)), segment);
        return dir;
    }

    private static List<LogRecord> records(MessageLog.Recovered r) {
        return r.entries().stream().map(MessageLog.Entry::record).toList();
    }

    @Test
    void everyRecordReadsBackAsWritten() throws IOException {
        byte[] all = writtenLog(tmp.resolve("log"));
        MessageLog.Recovered r = MessageLog.open(tmp.resolve("log"), LogPosition.START, MessageLog.DEFAULT_SEGMENT_BYTES);
        r.log().close();
        List<LogRecord> expected = new ArrayList<>(ACKNOWLEDGED);
        expected.add(FINAL);
        assertThat(records(r)).isEqualTo(expected);
        assertThat(r.tornBytesCut()).isZero();
        assertThat(r.entries().get(ACKNOWLEDGED.size()).end()).isEqualTo(new LogPosition(1, all.length));
    }

    @Test
    void aFinalRecordCutAtAnyByteIsCutAwayAndEveryRecordBeforeItKept() throws IOException {
        byte[] all = writtenLog(tmp.resolve("written"));
        int start = finalStart(all);
        for (int length = start; length < all.length; length++) {
            Path dir = dirWith("cut-" + length, Arrays.copyOf(all, length));
            MessageLog.Recovered r = MessageLog.open(dir, LogPosition.START, MessageLog.DEFAULT_SEGMENT_BYTES);
            try (MessageLog log = r.log()) {
                assertThat(records(r)).as("cut at %d", length).isEqualTo(ACKNOWLEDGED);
                assertThat(r.tornBytesCut()).isEqualTo(length - start);
                assertThat(Files.size(dir.resolve(MessageLog.name(1)))).isEqualTo(start);
                log.append(encode(List.of(FINAL))); // and the log goes on from there
            }
            MessageLog.Recovered again = MessageLog.open(dir, LogPosition.START, MessageLog.DEFAULT_SEGMENT_BYTES);
            again.log().close();
            assertThat(records(again)).hasSize(ACKNOWLEDGED.size() + 1).last().isEqualTo(FINAL);
        }
    }

    @Test
    void aFlippedByteAnywhereInTheFinalRecordIsRefusedNotCut() throws IOException {
        byte[] all = writtenLog(tmp.resolve("written"));
        int start = finalStart(all);
        for (int at = start; at < all.length; at++) {
            byte[] damaged = all.clone();
            damaged[at] ^= (byte) 0xFF;
            Path dir = dirWith("flip-" + at, damaged);
            assertThatThrownBy(() -> MessageLog.open(dir, LogPosition.START, MessageLog.DEFAULT_SEGMENT_BYTES))
                    .as("byte %d flipped", at)
                    .isInstanceOf(LogDamagedException.class)
                    .hasMessageContaining("at offset " + start)
                    .hasMessageContaining("truncate the file to " + start + " bytes");
            assertThat(Files.readAllBytes(dir.resolve(MessageLog.name(1)))).as("left as found").isEqualTo(damaged);
        }
    }

    @Test
    void aFlippedByteInAnEarlierRecordIsRefused() throws IOException {
        byte[] all = writtenLog(tmp.resolve("written"));
        for (int at : new int[] {0, 3, 5, 9, 12, 20, 40}) {
            byte[] damaged = all.clone();
            damaged[at] ^= 0x01;
            Path dir = dirWith("early-" + at, damaged);
            assertThatThrownBy(() -> MessageLog.open(dir, LogPosition.START, MessageLog.DEFAULT_SEGMENT_BYTES))
                    .as("byte %d flipped", at)
                    .isInstanceOf(LogDamagedException.class)
                    .hasMessageContaining("at offset 0");
        }
    }

    @Test
    void zerosAfterTheLastRecordAreAWriteThatNeverFinished() throws IOException {
        byte[] all = writtenLog(tmp.resolve("written"));
        // the final record's last sector zeroed (a file system that extended the file before the data landed)
        int start = finalStart(all);
        byte[] zeroed = Arrays.copyOf(all, 1024);
        Arrays.fill(zeroed, start, zeroed.length, (byte) 0);
        MessageLog.Recovered r = MessageLog.open(dirWith("zeros", zeroed), LogPosition.START, MessageLog.DEFAULT_SEGMENT_BYTES);
        r.log().close();
        assertThat(records(r)).isEqualTo(ACKNOWLEDGED);
        assertThat(r.tornBytesCut()).isEqualTo(1024 - start);
    }

    @Test
    void segmentsRollReadBackInOrderAndTheIndexedOnesAreDeleted() throws IOException {
        Path dir = tmp.resolve("log");
        MessageLog.Recovered r = MessageLog.open(dir, LogPosition.START, 200);
        List<LogPosition> ends = new ArrayList<>();
        try (MessageLog log = r.log()) {
            for (int i = 1; i <= 10; i++) {
                ends.add(log.append(encode(List.of(new LogRecord.Message(i, 1, 2, i, "c" + i, "message number " + i)))));
            }
        }
        assertThat(ends.get(9).segment()).isGreaterThan(3);
        try (var files = Files.list(dir)) {
            assertThat(files.filter(p -> p.toString().endsWith(".seg")).count()).isEqualTo(ends.get(9).segment());
        }
        MessageLog.Recovered all = MessageLog.open(dir, LogPosition.START, 200);
        all.log().close();
        assertThat(records(all)).extracting(x -> ((LogRecord.Message) x).id()).containsExactly(1L, 2L, 3L, 4L, 5L, 6L, 7L, 8L, 9L, 10L);

        // a checkpoint after message 6: only what follows is read back, the wholly indexed segments go
        MessageLog.Recovered after = MessageLog.open(dir, ends.get(5), 200);
        after.log().close();
        assertThat(records(after)).extracting(x -> ((LogRecord.Message) x).id()).containsExactly(7L, 8L, 9L, 10L);
        assertThat(Files.exists(dir.resolve(MessageLog.name(ends.get(5).segment())))).isTrue();
        assertThat(Files.exists(dir.resolve(MessageLog.name(ends.get(5).segment() - 1)))).isFalse();
    }

    @Test
    void aMissingSegmentOrADamagedEarlierOneIsRefused() throws IOException {
        Path dir = tmp.resolve("log");
        try (MessageLog log = MessageLog.open(dir, LogPosition.START, 200).log()) {
            for (int i = 1; i <= 10; i++) {
                log.append(encode(List.of(new LogRecord.Message(i, 1, 2, i, "c" + i, "message number " + i))));
            }
        }
        byte[] second = Files.readAllBytes(dir.resolve(MessageLog.name(2)));
        Files.write(dir.resolve(MessageLog.name(2)), Arrays.copyOf(second, second.length - 3)); // cut, but not the last
        assertThatThrownBy(() -> MessageLog.open(dir, LogPosition.START, 200))
                .isInstanceOf(LogDamagedException.class).hasMessageContaining("followed by others");
        Files.delete(dir.resolve(MessageLog.name(2)));
        assertThatThrownBy(() -> MessageLog.open(dir, LogPosition.START, 200))
                .isInstanceOf(LogDamagedException.class).hasMessageContaining(MessageLog.name(2) + " is missing");
    }

    @Test
    void aCheckpointPastTheLogsEndIsRefused() throws IOException {
        byte[] all = writtenLog(tmp.resolve("log"));
        assertThatThrownBy(() -> MessageLog.open(tmp.resolve("log"), new LogPosition(1, all.length + 1), MessageLog.DEFAULT_SEGMENT_BYTES))
                .isInstanceOf(LogDamagedException.class).hasMessageContaining("shorter than");
        Path empty = Files.createDirectories(tmp.resolve("empty"));
        assertThatThrownBy(() -> MessageLog.open(empty, new LogPosition(3, 10), MessageLog.DEFAULT_SEGMENT_BYTES))
                .isInstanceOf(LogDamagedException.class).hasMessageContaining("holds no segment");
    }

    /**
     * The log's state: ids are reserved in the state before a batch passes the reservation, the highest
     * segment is noted when it is made, and where the log ends at a clean close — gone again once it is reopened.
     */
    @Test
    void theStateFileReservesIdsAheadAndMarksACleanCloseOnlyWhileStopped() throws IOException {
        Path dir = tmp.resolve("log");
        Path state = dir.resolve(LogState.FILE);
        MessageLog.Recovered r = MessageLog.open(dir, LogPosition.START, 200);
        LogPosition end;
        try (MessageLog log = r.log()) {
            for (int i = 1; i <= 6; i++) {
                end = log.append(encode(List.of(new LogRecord.Message(i, 1, 2, i, "c" + i, "message number " + i))), i);
                LogState now = LogState.read(dir).orElseThrow();
                assertThat(now.reservedThrough()).as("reserved before id %d was written", i).isGreaterThanOrEqualTo(i);
                assertThat(now.lastSegment()).isEqualTo(end.segment());
                assertThat(now.cleanEnd()).isNull();
            }
            end = log.end();
        }
        LogState closed = LogState.read(dir).orElseThrow();
        assertThat(closed.cleanEnd()).isEqualTo(end);
        assertThat(closed.cleanLastId()).isEqualTo(6);
        assertThat(Files.readString(state)).contains("clean " + end.segment() + " " + end.offset() + " 6");
        MessageLog.open(dir, LogPosition.START, 200).log().close(); // reopened: a crash from now on is no clean close
        MessageLog.Recovered again = MessageLog.open(dir, LogPosition.START, 200);
        try {
            assertThat(LogState.read(dir).orElseThrow().cleanEnd()).isNull();
        } finally {
            again.log().close();
        }
    }
}
