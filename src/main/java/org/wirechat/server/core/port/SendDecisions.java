package org.wirechat.server.core.port;

import java.util.Collection;
import java.util.Optional;

/**
 * The core's send and mark rules as a store's writer asks them inside its batch (docs/architecture.md §3.3): the store
 * gathers what a rule needs — a {@link BatchView}, a device's mark, the marks of an account's devices — under the locks
 * it needs, asks here, and writes what was decided; it decides nothing itself. The core's one implementation
 * ({@code core.rules.Decisions}) is given to each store by the boot code, so the stores depend on this interface and
 * its records only, and both run the same rules.
 */
public interface SendDecisions {

    /** One batch's SEND rule: asked SEND by SEND in queue order, as if each were stored after the ones before it. */
    interface Batch {
        Verdict decide(PendingSend send);
    }

    /** The rule for a batch decided against {@code view} (valid on the store's writer, inside the batch only). */
    Batch batch(BatchView view);

    /** The SEND's outcome once the batch's accepted messages have their ids ({@code ids[i]}: the i-th accepted's). */
    SendOutcome outcome(Verdict verdict, long[] ids);

    /** Whether a device last active at {@code activeMillis} holds its account's messages at {@code nowMillis}. */
    boolean holds(long activeMillis, long nowMillis, long horizonMillis);

    /**
     * The earliest activity that {@link #holds} at {@code nowMillis}: a device last active at or after it holds (for a
     * store that narrows a query by it; the answer is still {@link #holds}'s).
     */
    long holdsFrom(long nowMillis, long horizonMillis);

    /**
     * The device's new mark after it acknowledged what covers up to {@code covered} (0: nothing), with its account's
     * floor at {@code floor}; empty when nothing is to be written.
     *
     * @param mark the device's mark as the batch leaves it (null: none)
     * @param writtenActiveMillis when the store last wrote the device active (ignored without a mark)
     * @param register a device logging in (LOGIN_DEVICE): it holds the account's messages from the floor on
     */
    Optional<MarkMove> acknowledge(DeviceMark mark, long writtenActiveMillis, long covered, long floor, long nowMillis,
            long horizonMillis, boolean register);

    /** The account's floor as its devices' marks put it at {@code nowMillis}, never lower than {@code floor}. */
    long floor(long floor, Collection<DeviceMark> marks, long nowMillis, long horizonMillis);
}
