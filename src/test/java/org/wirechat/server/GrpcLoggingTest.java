package org.wirechat.server;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.joran.JoranConfigurator;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.nio.file.Path;
import java.util.logging.Level;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;
import org.slf4j.bridge.SLF4JBridgeHandler;

/**
 * The production logback.xml (and its JSON twin) hold grpc-java's and Netty's lines — which a client can
 * provoke in a loop — to WARN and 20 a minute, and leave ours alone (issue 33: a client that stopped
 * reading made 4.25 million log lines in 70 s).
 */
@Timeout(60)
class GrpcLoggingTest {
    static LoggerContext production(String resource) throws Exception {
        LoggerContext context = new LoggerContext();
        JoranConfigurator configurator = new JoranConfigurator();
        configurator.setContext(context);
        configurator.doConfigure(GrpcLoggingTest.class.getResource(resource));
        return context;
    }

    @Test
    void aFloodOfLibraryWarningsIsCutAndOursAreNot() throws Exception {
        for (String resource : new String[] {"/logback.xml", "/logback-json.xml"}) {
            LoggerContext context = production(resource);
            ListAppender<ILoggingEvent> seen = new ListAppender<>();
            seen.setContext(context);
            seen.start();
            Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
            root.detachAndStopAllAppenders();
            root.addAppender(seen);
            Logger netty = context.getLogger("io.grpc.netty.shaded.io.netty.channel.DefaultChannelPipeline");
            Logger grpc = context.getLogger("io.grpc.internal.SerializingExecutor");
            for (int i = 0; i < 100_000; i++) {
                netty.warn("An exceptionCaught() event was fired {}", i);
                grpc.error("Exception while executing runnable {}", i);
                netty.info("below the cap {}", i);
            }
            Logger ours = context.getLogger("org.wirechat.server.WireServer");
            for (int i = 0; i < 100; i++) {
                ours.warn("ours {}", i);
            }
            long library = seen.list.stream().filter(e -> e.getLoggerName().startsWith("io.")).count();
            assertThat(library).as(resource).isEqualTo(20);
            assertThat(seen.list).as(resource).noneMatch(e -> e.getFormattedMessage().startsWith("below the cap"));
            assertThat(seen.list.stream().filter(e -> e.getLoggerName().startsWith("org.wirechat")).count()).isEqualTo(100);
            context.stop();
        }
    }

    /**
     * grpc-java and Netty log through java.util.logging, which bypassed Logback and its limit (issue 33): a
     * started server routes it into Logback, where the production settings hold the libraries to 20 lines.
     * The test JVM's Logback is set up as the server jar's for the test, then set back.
     */
    @Test
    void javaUtilLoggingOfTheLibrariesReachesLogbackUnderTheSameLimitOnceAServerRuns(@TempDir Path dir) throws Exception {
        LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
        try {
            context.reset();
            JoranConfigurator configurator = new JoranConfigurator();
            configurator.setContext(context);
            configurator.doConfigure(GrpcLoggingTest.class.getResource("/logback.xml"));
            ListAppender<ILoggingEvent> seen = new ListAppender<>();
            seen.setContext(context);
            seen.start();
            Logger root = context.getLogger(Logger.ROOT_LOGGER_NAME);
            root.detachAndStopAllAppenders();
            root.addAppender(seen);
            try (ServerFixture fx = new ServerFixture(dir)) {
                assertThat(SLF4JBridgeHandler.isInstalled()).as("java.util.logging routed by the server").isTrue();
                java.util.logging.Logger jul = java.util.logging.Logger.getLogger("io.grpc.internal.SerializingExecutor");
                for (int i = 0; i < 10_000; i++) {
                    jul.log(Level.SEVERE, "Exception while executing runnable " + i);
                    jul.log(Level.INFO, "below the level " + i);
                }
            }
            assertThat(seen.list.stream().filter(e -> e.getLoggerName().startsWith("io.grpc")).count())
                    .as("the library's lines that reached Logback").isEqualTo(20);
            assertThat(seen.list).noneMatch(e -> e.getFormattedMessage().startsWith("below the level"));
        } finally {
            context.reset();
            JoranConfigurator back = new JoranConfigurator();
            back.setContext(context);
            back.doConfigure(GrpcLoggingTest.class.getResource("/logback-test.xml"));
        }
    }
}
