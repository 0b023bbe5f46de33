package org.wirechat.server.core;

import java.sql.Connection;
import org.wirechat.protocol.ErrorCode;
import org.wirechat.server.storage.SqliteStore;

/**
 * A class of the chat core that breaks its rule: it speaks the wire protocol's codes, names a concrete
 * store and uses JDBC. Only {@code ArchitectureTest} imports it, to show the rule failing; it lives among the tests, so the
 * real core never holds it.
 */
public final class CoreViolationSample {
    private CoreViolationSample() {
    }

    public static String outside() {
        return ErrorCode.INTERNAL_ERROR.name() + " " + SqliteStore.class.getName() + " " + Connection.class.getName();
    }
}
