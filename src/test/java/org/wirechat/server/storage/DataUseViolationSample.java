package org.wirechat.server.storage;

import org.wirechat.server.data.DataDirectory;

/**
 * A storage class that uses the data directory's administration, which sits above the stores (it opens the
 * SQLite store), as {@code ArchitectureTest.ONLY_THE_BOOT_CODE_ADMINISTERS_THE_DATA_DIRECTORY} forbids. Only that
 * test imports it, to show the rule failing; it lives among the tests, so the real storage never holds it.
 */
public final class DataUseViolationSample {
    private DataUseViolationSample() {
    }

    public static String above() {
        return DataDirectory.class.getName();
    }
}
