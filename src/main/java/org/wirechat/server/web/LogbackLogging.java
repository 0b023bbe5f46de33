package org.wirechat.server.web;

import io.helidon.logging.common.spi.LoggingProvider;

/**
 * Tells Helidon its logging is configured already: the server's Logback configuration takes Helidon's lines (through
 * java.util.logging and SLF4J's bridge, at WARN and rate-limited, logback.xml). Without a provider Helidon prints an
 * unformatted line to standard error at every start. Found by Helidon through {@code META-INF/services}.
 */
public final class LogbackLogging implements LoggingProvider {
    @Override
    public void initialization() {
        // configured by Logback before the web transport starts
    }

    @Override
    public void runTime() {
        // likewise
    }
}
