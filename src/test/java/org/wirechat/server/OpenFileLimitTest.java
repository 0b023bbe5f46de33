package org.wirechat.server;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.util.OptionalLong;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.slf4j.LoggerFactory;

/** No startup warning when ulimit -n was below --max-connections: connections past it failed without a word. */
@Timeout(30)
class OpenFileLimitTest {
    private static ServerConfig allowing(int connections) {
        return ServerConfig.builder().maxConnections(connections).build();
    }

    @Test
    void aLimitBelowTheConnectionsAndTheServersOwnFilesIsWarnedAboutWithBothNumbersAndTheFix() {
        ServerConfig config = allowing(10_000);
        long needed = 10_000 + OpenFileLimit.HEADROOM;
        assertThat(OpenFileLimit.needed(config)).isEqualTo(needed);
        assertThat(OpenFileLimit.warning(needed, config)).as("at the edge").isEmpty();
        assertThat(OpenFileLimit.warning(needed + 1, config)).as("above it").isEmpty();
        assertThat(OpenFileLimit.warning(needed - 1, config)).as("below it").isPresent();
        assertThat(OpenFileLimit.warning(1024, config)).hasValueSatisfying(w -> assertThat(w)
                .contains("ulimit -n) is 1024", "--max-connections 10000", "LimitNOFILE=" + needed, "beyond about 768"));
    }

    @Test
    void aPostgresqlPoolNeedsItsConnectionsToo() {
        ServerConfig config = allowing(100).toBuilder()
                .postgres(new PostgresSettings("postgresql://127.0.0.1:5432/chat?user=wc", new char[0], 16))
                .build();
        assertThat(OpenFileLimit.needed(config)).isEqualTo(100 + OpenFileLimit.HEADROOM + 17);
    }

    @Test
    void theRealLimitIsReadAndOneWarningIsLoggedWhenTheConnectionsExceedIt() {
        OptionalLong limit = OpenFileLimit.current();
        Assumptions.assumeTrue(limit.isPresent(), "this platform does not tell the open-file limit");
        assertThat(limit.getAsLong()).isPositive();
        Logger logger = (Logger) LoggerFactory.getLogger(OpenFileLimit.class);
        ListAppender<ILoggingEvent> seen = new ListAppender<>();
        seen.start();
        logger.addAppender(seen);
        try {
            OpenFileLimit.check(allowing((int) Math.min(Integer.MAX_VALUE, limit.getAsLong())));
            assertThat(seen.list).singleElement().satisfies(e -> {
                assertThat(e.getLevel()).isEqualTo(Level.WARN);
                assertThat(e.getFormattedMessage()).contains("is " + limit.getAsLong() + ",", "LimitNOFILE=");
            });
            seen.list.clear();
            OpenFileLimit.check(allowing((int) Math.max(1, limit.getAsLong() - OpenFileLimit.HEADROOM)));
            assertThat(seen.list).as("enough: nothing said").isEmpty();
        } finally {
            logger.detachAppender(seen);
        }
    }
}
