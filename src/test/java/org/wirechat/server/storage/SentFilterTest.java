package org.wirechat.server.storage;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class SentFilterTest {
    @Test
    void neverSaysNoToAPairItWasGivenAndRarelyYesToANewOneAsItGrows() {
        SentFilter filter = new SentFilter(0); // room for 2^20 before it grows
        int added = 2_500_000; // grows twice
        for (int i = 0; i < added; i++) {
            filter.add(new LogMessages.SentKey(i % 1_000, "client-" + i));
        }
        for (int i = 0; i < added; i++) {
            assertThat(filter.mightContain(new LogMessages.SentKey(i % 1_000, "client-" + i))).as("pair %d", i).isTrue();
        }
        int yes = 0;
        int asked = 200_000;
        for (int i = 0; i < asked; i++) {
            if (filter.mightContain(new LogMessages.SentKey(i % 1_000, "never-" + i))) {
                yes++;
            }
        }
        // each of the filters answers "maybe" about 1 % of the time for a new pair: at most ~3 % for three
        assertThat(yes).isLessThan(asked * 4 / 100);
        assertThat(filter.mightContain(new LogMessages.SentKey(1_001, "client-1"))).as("another sender's id").isFalse();
    }
}
