package org.wirechat.server.data;

import org.wirechat.server.core.Chat;
import org.wirechat.server.storage.PostgresStore;

/**
 * A class of the data directory's administration that reaches past the SQLite store's files: it names the
 * PostgreSQL store and the chat core, as {@code ArchitectureTest.THE_DATA_DIRECTORY_IS_ADMINISTRATION} forbids.
 * Only that test imports it, to show the rule failing; it lives among the tests, so the server never holds it.
 */
public final class DataViolationSample {
    private DataViolationSample() {
    }

    public static String beyond() {
        return PostgresStore.class.getName() + " " + Chat.class.getName();
    }
}
