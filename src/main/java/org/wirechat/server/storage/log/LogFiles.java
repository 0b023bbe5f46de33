package org.wirechat.server.storage.log;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileAttribute;
import java.util.Set;

/**
 * How the message log opens the files it writes (its segments, its state file, and its directory to
 * sync it): {@link #REAL}, {@link FileChannel#open}, except in tests, which hand in channels that fail
 * the N-th write or sync on purpose (the fault injection tests of {@code docs/storage_design.md}).
 */
@FunctionalInterface
public interface LogFiles {
    LogFiles REAL = FileChannel::open;

    FileChannel open(Path file, Set<? extends OpenOption> options, FileAttribute<?>... attributes) throws IOException;
}
