package org.wirechat.server;

import org.wirechat.server.core.port.Storage;
import org.wirechat.server.storage.PostgresStore;
import org.wirechat.server.wire.Session;

/**
 * A class of the server's root package that breaks two seams: it asks which store it has, and it uses the
 * wire transport (which uses the root package back). Only {@code ArchitectureTest} imports it, to show
 * those rules failing; it lives among the tests, so the real server never holds it.
 */
public final class SeamViolationSample {
    private SeamViolationSample() {
    }

    public static boolean shared(Storage store) {
        return store instanceof PostgresStore;
    }

    public static String transport() {
        return Session.class.getName();
    }
}
