package org.wirechat.server.storage;

/** What became of a send. */
public sealed interface SendOutcome {
    /** Stored now, durably. */
    record Stored(long id, long timestampMillis) implements SendOutcome {
    }

    /** A retry of a message already stored with the same client id, recipient and body. */
    record Duplicate(long id, long timestampMillis) implements SendOutcome {
    }

    /** The client id was used before for a different recipient or body. */
    record ClientIdReused() implements SendOutcome {
    }

    /** The recipient has the maximum number of undelivered messages. */
    record InboxFull(long undelivered) implements SendOutcome {
    }

    /** The recipient (or the sender) was deleted before the message could be stored. */
    record NoRecipient() implements SendOutcome {
    }
}
