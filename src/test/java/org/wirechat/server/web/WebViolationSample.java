package org.wirechat.server.web;

import org.wirechat.server.storage.SqliteStore;

/** A web transport class that reads the store itself: what {@code ArchitectureTest} must refuse; the real transport never does. */
public final class WebViolationSample {
    private WebViolationSample() {
    }

    public static String outside() {
        return SqliteStore.class.getName();
    }
}
