package org.wirechat.server.core;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import org.wirechat.server.core.port.Account;
import org.wirechat.server.core.port.AccountStore;

/**
 * Who a list of accounts shows, and how it is read: the live accounts in name order (ignoring case) after a
 * cursor, those that pass a filter, at most so many — LIST_ACCOUNTS' page and the admin socket's
 * {@code users list}. The store only hands out its name index in order ({@link AccountStore#page}); the filter,
 * and reading the index {@link #BATCH} at a time until the page is full, are here, once for every store.
 */
public final class Listing {
    /** Accounts read from the store at a time. */
    static final int BATCH = 256;

    private Listing() {
    }

    /** The first {@code max} live accounts after {@code after} (a name, ignoring case; "" for the start) that pass {@code filter}. */
    public static List<Account> matching(AccountStore accounts, String after, int max, Predicate<Account> filter) {
        List<Account> out = new ArrayList<>();
        String from = after;
        while (out.size() < max) {
            List<Account> batch = accounts.page(from, BATCH);
            for (Account a : batch) {
                if (filter.test(a)) {
                    out.add(a);
                    if (out.size() == max) {
                        break;
                    }
                }
            }
            if (batch.size() < BATCH) {
                break;
            }
            from = batch.get(batch.size() - 1).username();
        }
        return out;
    }
}
