package org.wirechat.server.core.account;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Issue 33: {@code admin users list '*a*a*…*b'} ran on java.util.regex, which backtracks — a core burnt
 * for as long as it ran, even after the admin left. It now runs on the wire's linear matcher. "Linear"
 * is checked by construction, without a clock: the matcher reads a name through a {@link CharSequence}
 * that counts its reads and refuses to be read more than a budget proportional to its length.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class AccountMatcherTest {
    private static final String STARS = "*a".repeat(20) + "*b";
    private static final String NAME = "a".repeat(50); // the longest username; no 'b', so every way must be tried

    @Test
    void usersListReadsANameABoundedNumberOfTimesWhateverThePattern() {
        Predicate<CharSequence> glob = AccountMatcher.usernames(STARS);
        Reads name = new Reads(NAME, 10L * NAME.length());
        assertThat(glob.test(name)).isFalse();
        assertThat(name.reads).as("characters read").isPositive().isLessThanOrEqualTo(10L * NAME.length());
        assertThat(glob.test("a".repeat(20) + "b")).isTrue();
    }

    /** What the admin socket used before: the same budget is exhausted, the matcher would go on for years. */
    @Test
    void aBacktrackingMatcherExhaustsTheSameBudget() {
        Pattern backtracking = Pattern.compile(STARS.replace("*", ".*"), Pattern.CASE_INSENSITIVE);
        Reads name = new Reads(NAME, 10L * NAME.length());
        assertThatThrownBy(() -> backtracking.matcher(name).matches()).isInstanceOf(BudgetSpent.class);
    }

    @Test
    void usersListKeepsItsWildcardMeaning() {
        assertThat(AccountMatcher.usernames("a*").test("alice")).isTrue();
        assertThat(AccountMatcher.usernames("a*").test("bob")).isFalse();
        assertThat(AccountMatcher.usernames("b?b").test("BOB")).isTrue();
        assertThat(AccountMatcher.usernames("b?b").test("boob")).isFalse();
        assertThat(AccountMatcher.usernames("a.c").test("abc")).as("'.' is no wildcard").isFalse();
        assertThat(AccountMatcher.usernames("a.c").test("a.c")).isTrue();
        assertThat(AccountMatcher.usernames("*(x{1000}){1000}*").test("(x{1000}){1000}")).as("regex syntax is literal")
                .isTrue();
        assertThat(AccountMatcher.usernames("*").test("anyone")).isTrue();
    }

    @Test
    void usersListRefusesWhatListAccountsRefuses() {
        assertThatThrownBy(() -> AccountMatcher.usernames("a".repeat(AccountMatcher.MAX_PROGRAM)))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("expression too large");
        assertThat(AccountMatcher.usernames("a".repeat(AccountMatcher.MAX_PROGRAM - 2)).test("A".repeat(998))).isTrue();
    }

    private static final class BudgetSpent extends RuntimeException {
        BudgetSpent(long budget) {
            super("read more than " + budget + " characters", null, false, false);
        }
    }

    /** A name that counts the characters read from it, and refuses to be read past its budget. */
    private static final class Reads implements CharSequence {
        private final String s;
        private final long budget;
        long reads;

        Reads(String s, long budget) {
            this.s = s;
            this.budget = budget;
        }

        @Override
        public char charAt(int index) {
            if (++reads > budget) {
                throw new BudgetSpent(budget);
            }
            return s.charAt(index);
        }

        @Override
        public int length() {
            return s.length();
        }

        @Override
        public CharSequence subSequence(int start, int end) {
            return new Reads(s.substring(start, end), budget - reads);
        }

        @Override
        public String toString() {
            throw new UnsupportedOperationException("read it through charAt, so every read is counted");
        }
    }
}
