package org.wirechat.protocol;

/**
 * A protocol-package class that uses the server, as the layering forbids: only {@code ArchitectureTest}
 * imports it, to show its rule failing. It lives among the tests, so the real protocol never holds it.
 */
public final class LayeringViolationSample {
    private LayeringViolationSample() {
    }

    public static String serverClassName() {
        return org.wirechat.server.WireServer.class.getName();
    }
}
