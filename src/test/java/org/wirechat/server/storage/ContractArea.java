package org.wirechat.server.storage;

import java.time.Duration;
import java.util.function.Consumer;
import org.junit.jupiter.api.Timeout;
import org.wirechat.server.core.port.GroupStore;
import org.wirechat.server.core.port.Storage;
import org.wirechat.server.core.rules.GroupChange;
import org.wirechat.server.core.rules.GroupOutcome;
import org.wirechat.server.core.rules.GroupRules;

/**
 * One area of the {@link StoreContract}: its cases reach the store and the contract's helpers through
 * {@link #contract()}, so they read the same whichever store runs them.
 */
@Timeout(60)
abstract class ContractArea {
    /** The contract (and so the store) these cases run against. */
    abstract StoreContract contract();

    /** The store the area's cases share. */
    Storage store() {
        return contract().store;
    }

    /** A new account of a name no other case uses, in the shared store. */
    StoreContract.Who who(String base) {
        return contract().who(store(), base);
    }

    String unique(String base) {
        return contract().unique(base);
    }

    /**
     * Runs {@code work} on the shared store with its device horizon at {@code horizon}, then puts the stores' default
     * back (30 days, docs/conversations_design.md §1): a case that needs a short horizon has it alone (cases run one at
     * a time).
     */
    void withHorizon(Duration horizon, Consumer<Storage> work) {
        Storage s = store();
        s.deviceHorizon(horizon);
        try {
            work.accept(s);
        } finally {
            s.deviceHorizon(Duration.ofDays(30));
        }
    }

    /** See {@link StoreContract#barrier}. */
    void barrier() {
        contract().barrier(store());
    }

    /** A group change as the core makes it: the rules, run in the store's one transaction ({@link GroupStore#change}). */
    static GroupOutcome changeGroup(GroupStore s, GroupChange change, long nowMillis) {
        return s.change(tx -> GroupRules.apply(change, tx, nowMillis));
    }
}
