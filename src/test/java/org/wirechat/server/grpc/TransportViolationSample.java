package org.wirechat.server.grpc;

import org.wirechat.server.wire.Session;

/**
 * A class of the gRPC transport that uses the wire transport's session. Only {@code ArchitectureTest}
 * imports it, to show the rule failing; it lives among the tests, so the real transport never holds it.
 */
public final class TransportViolationSample {
    private TransportViolationSample() {
    }

    public static String other() {
        return Session.class.getName();
    }
}
