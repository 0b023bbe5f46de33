package org.wirechat.server.storage;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileAttribute;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Set;
import org.wirechat.server.storage.log.LogFiles;

/**
 * How a store reaches its disk and its database when it writes: the message log's files, and the JDBC
 * connections it writes through (SQLite's writer; PostgreSQL's writer and pooled connections). Servers
 * use {@link #REAL}; the fault injection tests ({@code docs/storage_design.md}) hand in one that fails
 * the N-th write, sync or commit, or pauses there.
 */
public interface StorageIo extends LogFiles {
    StorageIo REAL = new StorageIo() {
        @Override
        public String toString() {
            return "the real disk and database";
        }
    };

    @Override
    default FileChannel open(Path file, Set<? extends OpenOption> options, FileAttribute<?>... attributes) throws IOException {
        return FileChannel.open(file, options, attributes);
    }

    /** The connection the store writes through, given the one it opened (or took from its pool). */
    default Connection writeThrough(Connection opened) throws SQLException {
        return opened;
    }
}
