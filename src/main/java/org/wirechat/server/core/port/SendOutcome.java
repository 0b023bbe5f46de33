package org.wirechat.server.core.port;

import java.util.List;

/** What became of a send. */
public sealed interface SendOutcome {
    /**
     * Stored now, durably, in the inbox of account {@code recipientId}; {@code copied}: the sender's other
     * devices get a copy through the sender's inbox.
     */
    record Stored(long id, long timestampMillis, long recipientId, boolean copied) implements SendOutcome {
        public Stored(long id, long timestampMillis, long recipientId) {
            this(id, timestampMillis, recipientId, false);
        }
    }

    /**
     * Stored now, durably, for a group: in the inboxes of {@code recipients} (its members when it was
     * stored, the sender left out); {@code copied} as for {@link Stored}.
     */
    record GroupStored(long id, long timestampMillis, List<Long> recipients, boolean copied) implements SendOutcome {
        public GroupStored {
            recipients = List.copyOf(recipients);
        }
    }

    /** The sender is not a member of the group it sent to. */
    record NotAMember() implements SendOutcome {
    }

    /** A retry of a message already stored with the same client id, recipient and body. */
    record Duplicate(long id, long timestampMillis) implements SendOutcome {
    }

    /** The client id was used before for a different recipient or body. */
    record ClientIdReused() implements SendOutcome {
    }

    /** The recipient (named as stored) has the maximum number of undelivered messages. */
    record InboxFull(String recipient, long undelivered) implements SendOutcome {
    }

    /** No live account (or group, for a name with '#') has the recipient's name (never had, or deleted before the message could be stored). */
    record NoRecipient() implements SendOutcome {
    }
}
