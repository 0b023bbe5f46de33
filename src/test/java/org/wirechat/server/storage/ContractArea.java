package org.wirechat.server.storage;

import org.junit.jupiter.api.Timeout;

/**
 * One area of the {@link StoreContract}: its cases reach the store and the contract's helpers through
 * {@link #contract()}, so they read the same whichever store runs them.
 */
@Timeout(60)
abstract class ContractArea {
    /** The contract (and so the store) these cases run against. */
    abstract StoreContract contract();

    /** The store the area's cases share. */
    Store store() {
        return contract().store;
    }

    /** A new account of a name no other case uses, in the shared store. */
    StoreContract.Who who(String base) {
        return contract().who(store(), base);
    }

    String unique(String base) {
        return contract().unique(base);
    }

    /** See {@link StoreContract#barrier}. */
    void barrier() {
        contract().barrier(store());
    }
}
