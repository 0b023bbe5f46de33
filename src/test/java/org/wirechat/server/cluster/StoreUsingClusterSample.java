package org.wirechat.server.cluster;

import org.wirechat.server.storage.SqliteStore;

/**
 * A cluster class that uses storage: with {@code storage.UpwardViolationSample} (storage using the cluster) it makes
 * the cycle {@code ArchitectureTest.NO_CYCLES_AMONG_THE_SERVER_PACKAGES} must find. Only that test imports it; it
 * lives among the tests, so the real cluster never holds it.
 */
public final class StoreUsingClusterSample {
    private StoreUsingClusterSample() {
    }

    public static String store() {
        return SqliteStore.class.getName();
    }
}
