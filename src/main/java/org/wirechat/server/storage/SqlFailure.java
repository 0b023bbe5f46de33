package org.wirechat.server.storage;

import java.sql.SQLException;

/**
 * A statement's {@link SQLException} carried out of code that may not throw it (a core rule's callback: a
 * {@code GroupTx} statement, the batch view's full-inbox path), then unwrapped by the store's transaction that called
 * the rule, so its retries and its answers to a storage fault stay the store's.
 */
final class SqlFailure extends RuntimeException {
    private static final long serialVersionUID = 1L;

    SqlFailure(SQLException cause) {
        super(cause);
    }

    @Override
    public synchronized SQLException getCause() {
        return (SQLException) super.getCause();
    }
}
