package com.google.re2j;

import org.wirechat.server.storage.SqliteStore;

/**
 * A class in RE2/J's package that uses a class of ours: what {@code ArchitectureTest.OUR_RE2J_BRIDGE_USES_ONLY_RE2J}
 * must find if the bridge ever did it. Only that test imports it; it lives among the tests.
 */
public final class BridgeViolationSample {
    private BridgeViolationSample() {
    }

    public static String store() {
        return SqliteStore.class.getName();
    }
}
