package org.wirechat.server.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.function.Predicate;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.wirechat.server.core.port.Account;
import org.wirechat.server.core.rules.Decisions;
import org.wirechat.server.data.DataDirectory;
import org.wirechat.server.storage.SqliteStore;

/**
 * The core's listing over a real store's name index: the filter and the paging across the index's batches of
 * {@link Listing#BATCH}, which the store no longer does (docs/architecture.md §2.4, step 3).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(60)
class ListingTest {
    /** More than two batches of the index, so a page may span three. */
    static final int ACCOUNTS = 2 * Listing.BATCH + 40;

    SqliteStore store;

    @BeforeAll
    void open(@TempDir Path dir) {
        store = DataDirectory.open(Decisions.RULES, dir, e -> { });
        for (int i = 0; i < ACCOUNTS; i++) { // upper and lower case mixed: the index ignores case
            store.create((i % 2 == 0 ? "U" : "u") + "%04d".formatted(i), "User " + i, "h", 0).orElseThrow();
        }
    }

    @AfterAll
    void close() {
        store.close();
    }

    private static int number(Account a) {
        return Integer.parseInt(a.username().substring(1));
    }

    private static Predicate<Account> everyThird() {
        return a -> number(a) % 3 == 0;
    }

    @Test
    void aFilteredPageSpansTheIndexsBatchesInNameOrder() {
        List<Account> page = Listing.matching(store, "", 180, everyThird()); // the last, 537, in the third batch
        assertThat(page).extracting(ListingTest::number)
                .containsExactlyElementsOf(IntStream.range(0, 180).map(i -> 3 * i).boxed().toList());
    }

    @Test
    void aPageStartsAfterTheCursorIgnoringCaseAndEndsWithTheIndex() {
        List<Account> page = Listing.matching(store, "U0300", 1_000, everyThird());
        assertThat(page).extracting(ListingTest::number)
                .containsExactlyElementsOf(IntStream.range(0, ACCOUNTS).filter(i -> i > 300 && i % 3 == 0).boxed().toList());
        assertThat(Listing.matching(store, "u0300", 1_000, everyThird())).isEqualTo(page);
    }

    @Test
    void aFilterNothingPassesReadsTheWholeIndexAndFindsNothing() {
        assertThat(Listing.matching(store, "", 10, a -> false)).isEmpty();
    }

    @Test
    void atMostMaxAndNoneForZero() {
        assertThat(Listing.matching(store, "", Listing.BATCH, a -> true)).extracting(ListingTest::number)
                .containsExactlyElementsOf(IntStream.range(0, Listing.BATCH).boxed().toList());
        assertThat(Listing.matching(store, "", 0, a -> true)).isEmpty();
        assertThat(Listing.matching(store, "", ACCOUNTS + 5, a -> true)).hasSize(ACCOUNTS);
    }
}
