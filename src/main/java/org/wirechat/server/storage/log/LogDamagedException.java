package org.wirechat.server.storage.log;

/**
 * The log holds something that is not the torn tail of an unfinished write: a bad record in an earlier
 * segment, or one followed by more data, or a checkpoint past the log's end. Never skipped past: the
 * server refuses to start and the message says where.
 */
public class LogDamagedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public LogDamagedException(String message) {
        super(message);
    }
}
