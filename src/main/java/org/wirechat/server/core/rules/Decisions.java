package org.wirechat.server.core.rules;

import java.util.Collection;
import java.util.Optional;
import org.wirechat.server.core.port.BatchView;
import org.wirechat.server.core.port.DeviceMark;
import org.wirechat.server.core.port.MarkMove;
import org.wirechat.server.core.port.SendDecisions;
import org.wirechat.server.core.port.SendOutcome;
import org.wirechat.server.core.port.Verdict;

/** The core's send and mark rules ({@link SendRule}, {@link Marks}) as the stores ask them: given to each store by the boot code. */
public final class Decisions implements SendDecisions {
    /** The rules; they hold no state (a batch's {@link SendRule} holds its own). */
    public static final SendDecisions RULES = new Decisions();

    private Decisions() {
    }

    @Override
    public Batch batch(BatchView view) {
        return new SendRule(view);
    }

    @Override
    public SendOutcome outcome(Verdict verdict, long[] ids) {
        return SendRule.outcome(verdict, ids);
    }

    @Override
    public boolean holds(long activeMillis, long nowMillis, long horizonMillis) {
        return Marks.holds(activeMillis, nowMillis, horizonMillis);
    }

    @Override
    public long holdsFrom(long nowMillis, long horizonMillis) {
        return Marks.holdsFrom(nowMillis, horizonMillis);
    }

    @Override
    public Optional<MarkMove> acknowledge(DeviceMark mark, long writtenActiveMillis, long covered, long floor, long nowMillis,
            long horizonMillis, boolean register) {
        return Marks.acknowledge(mark, writtenActiveMillis, covered, floor, nowMillis, horizonMillis, register);
    }

    @Override
    public long floor(long floor, Collection<DeviceMark> marks, long nowMillis, long horizonMillis) {
        return Marks.floor(floor, marks, nowMillis, horizonMillis);
    }
}
