package org.wirechat.server.storage.log;

import java.nio.file.Path;

/**
 * The message log lost messages (or acknowledgements): ids missing between its records or after the
 * history index's highest, a segment lost whole, a log shorter than at its clean close. The server does
 * not start on it until the operator restores a backup or accepts the loss; the message says how many,
 * which, and what to do.
 */
public final class LogLossException extends LogDamagedException {
    private static final long serialVersionUID = 1L;
    private final transient LogScan scan;

    LogLossException(Path dir, LogScan scan) {
        super(describe(dir, scan));
        this.scan = scan;
    }

    public LogScan scan() {
        return scan;
    }

    /** What was found in {@code dir}: the problems, and how many messages with which ids are lost. */
    public static String describe(Path dir, LogScan scan) {
        return "the message log in " + dir.toAbsolutePath() + " has lost "
                + (scan.lost().isEmpty() ? "acknowledgements (no message id is missing)" : LostIds.describe(scan.lost()))
                + " — " + String.join("; ", scan.problems());
    }
}
