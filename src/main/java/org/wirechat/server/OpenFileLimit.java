package org.wirechat.server;

import com.sun.management.UnixOperatingSystemMXBean;
import java.lang.management.ManagementFactory;
import java.util.Optional;
import java.util.OptionalLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The process's open-file limit ({@code ulimit -n}) against what the server may open: every connection is a
 * descriptor, and so are its listeners, the database, the message log's segments, the admin socket and the
 * JVM's own files. Below that, connections beyond the limit fail to be accepted long before
 * {@code --max-connections} would answer "server busy": said once, at startup, with how to raise it.
 */
final class OpenFileLimit {
    /** Descriptors the server holds besides its connections: listeners, the store's files, the JVM's jars and libraries. */
    static final int HEADROOM = 256;

    private static final Logger log = LoggerFactory.getLogger(OpenFileLimit.class);

    private OpenFileLimit() {
    }

    /** This process's limit, where the platform tells it (Unix-like systems). */
    static OptionalLong current() {
        if (ManagementFactory.getOperatingSystemMXBean() instanceof UnixOperatingSystemMXBean unix) {
            long max = unix.getMaxFileDescriptorCount();
            return max > 0 ? OptionalLong.of(max) : OptionalLong.empty();
        }
        return OptionalLong.empty();
    }

    /** Descriptors the configuration may need at once: its connections, the headroom, and a PostgreSQL pool and listener. */
    static long needed(ServerConfig config) {
        return (long) config.maxConnections() + HEADROOM + Stores.descriptors(config);
    }

    /** The warning for a limit below what the configuration needs, or nothing when it is enough. */
    static Optional<String> warning(long limit, ServerConfig config) {
        long needed = needed(config);
        if (limit >= needed) {
            return Optional.empty();
        }
        return Optional.of("the open-file limit (ulimit -n) is " + limit + ", below the " + needed + " that --max-connections "
                + config.maxConnections() + " needs (one a connection, plus " + (needed - config.maxConnections())
                + " for the server's own files and sockets): connections beyond about " + Math.max(0, limit - (needed - config.maxConnections()))
                + " will fail. Raise it to at least " + needed + " (LimitNOFILE=" + needed + " or more in the systemd unit; ulimit -n "
                + needed + " in a shell) or lower --max-connections");
    }

    /** Logs the warning once, if the limit can be read and is too low. */
    static void check(ServerConfig config) {
        OptionalLong limit = current();
        if (limit.isPresent()) {
            warning(limit.getAsLong(), config).ifPresent(log::warn);
        }
    }
}
