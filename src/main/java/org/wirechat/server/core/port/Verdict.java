package org.wirechat.server.core.port;

import java.util.List;

/** What the core's SEND rule made of one SEND of a batch ({@link SendDecisions.Batch#decide}), for the store to carry out. */
public sealed interface Verdict {

    /** Answered now: refused, or a retry of a message stored before this batch. Nothing to store. */
    record Settled(SendOutcome outcome) implements Verdict {
    }

    /**
     * To be stored: the {@code index}-th message the batch's rule accepted (the store gives ids out in that order), to
     * {@code conversation} (the account's id, or the group's conversation) named {@code recipient} as stored, reaching
     * {@code reaches}; {@code copied}: the sender's other devices get a copy.
     */
    record Accepted(int index, PendingSend send, long conversation, String recipient, boolean group, List<Long> reaches,
            boolean copied) implements Verdict {
        public Accepted {
            reaches = List.copyOf(reaches);
        }
    }

    /** A second SEND of a client id this batch accepted: a duplicate of it when {@code same}, else the client id reused. */
    record Again(Accepted first, boolean same) implements Verdict {
    }
}
