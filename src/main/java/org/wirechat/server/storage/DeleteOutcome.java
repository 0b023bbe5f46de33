package org.wirechat.server.storage;

/** What became of an account deletion. */
public sealed interface DeleteOutcome {
    record Deleted() implements DeleteOutcome {
    }

    record InboxNotEmpty(long undelivered) implements DeleteOutcome {
    }

    /** The account was already gone. */
    record Gone() implements DeleteOutcome {
    }
}
