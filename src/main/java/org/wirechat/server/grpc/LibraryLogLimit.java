package org.wirechat.server.grpc;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.turbo.TurboFilter;
import ch.qos.logback.core.spi.FilterReply;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.LoggerFactory;
import org.slf4j.Marker;

/**
 * Logback's gate for the libraries' own log lines (grpc-java, Netty — through java.util.logging and
 * jul-to-slf4j, or SLF4J directly): at most {@code perMinute} lines a minute from loggers under
 * {@code prefixes} (comma-separated), then none until the minute is over, when one WARN says how many were
 * dropped. A client that provokes a library's warning in a loop (a flood of broken HTTP/2 frames, a
 * connection that never reads) cannot flood the log; our own loggers are limited where they log. Set in
 * logback.xml and logback-json.xml.
 */
public final class LibraryLogLimit extends TurboFilter {
    static final Duration WINDOW = Duration.ofMinutes(1);
    private static final org.slf4j.Logger summary = LoggerFactory.getLogger(LibraryLogLimit.class);

    private String[] prefixes = {"io.grpc", "io.netty"};
    private int perMinute = 20;
    private final AtomicInteger logged = new AtomicInteger();
    private final AtomicInteger dropped = new AtomicInteger();
    private volatile long windowStart = System.nanoTime();

    public void setPrefixes(String list) {
        prefixes = list.split("\\s*,\\s*");
    }

    public void setPerMinute(int n) {
        perMinute = n;
    }

    @Override
    public FilterReply decide(Marker marker, Logger logger, Level level, String format, Object[] params, Throwable t) {
        if (level == null || !level.isGreaterOrEqual(logger.getEffectiveLevel()) || !limited(logger.getName())) {
            return FilterReply.NEUTRAL; // not ours to count (a line below its logger's level is dropped anyway)
        }
        long now = System.nanoTime();
        if (now - windowStart > WINDOW.toNanos()) {
            roll(now);
        }
        if (logged.incrementAndGet() > perMinute) {
            dropped.incrementAndGet();
            return FilterReply.DENY;
        }
        return FilterReply.NEUTRAL;
    }

    private synchronized void roll(long now) {
        if (now - windowStart <= WINDOW.toNanos()) {
            return; // another thread rolled it
        }
        windowStart = now;
        logged.set(0);
        int n = dropped.getAndSet(0);
        if (n > 0) {
            summary.warn("dropped {} log lines of grpc-java and Netty in the last minute (at most {} a minute are logged)",
                    n, perMinute);
        }
    }

    private boolean limited(String name) {
        for (String p : prefixes) {
            if (name.startsWith(p)) {
                return true;
            }
        }
        return false;
    }
}
