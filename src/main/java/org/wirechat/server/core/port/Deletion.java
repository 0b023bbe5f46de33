package org.wirechat.server.core.port;

/** What became of an account's deletion ({@link AccountStore#deleteIfNothingWaits}). */
public sealed interface Deletion {
    /** The account is gone, with its tokens and its memberships. */
    record Deleted() implements Deletion {
    }

    /** Not deleted: {@code messages} still wait to be received (they would be lost). */
    record Waiting(long messages) implements Deletion {
    }

    /** There was no such live account (deleted already). */
    record Gone() implements Deletion {
    }
}
