package org.wirechat.server.core.account;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.management.ThreadMXBean;
import java.lang.management.ManagementFactory;
import java.util.List;
import java.util.function.Predicate;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.RandomDistribution;
import net.jqwik.api.lifecycle.AddLifecycleHook;
import net.jqwik.api.lifecycle.BeforeContainer;
import net.jqwik.api.statistics.Statistics;
import org.wirechat.server.core.port.Account;

/**
 * Any pattern a user can send is either refused (by RE2/J's syntax or by our size check) or compiled
 * and matched within a fixed memory budget — measured as the bytes this thread allocates, which does not
 * depend on the machine's speed. The generator nests every kind of group RE2/J accepts, counted
 * repetitions up to 1,000 in every form, classes, escapes and alternations. jqwik prints its seed; a
 * failure is replayed with {@code @Property(seed = "…")}.
 */
class PatternSizeProperties {
    /**
     * Compiling and matching a pattern of up to 1,000 instructions allocates well under 1 MiB (measured:
     * at most 198 KB over 3,000 tries); the program the attack asked for would have taken gigabytes.
     */
    private static final long BUDGET = 4L << 20;
    private static final List<Account> ACCOUNTS = List.of(new Account(1, "alice", "Alice Liddell", "x", false, true),
            new Account(2, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaab", "Ab Ab", "x", false, true),
            new Account(3, "zoë", "Ζωή Δ. 9", "x", false, true));
    private static final ThreadMXBean THREADS = (ThreadMXBean) ManagementFactory.getThreadMXBean();

    @BeforeContainer
    static void loadTheTablesOnce() throws AccountMatcher.InvalidPattern {
        // RE2/J's Unicode tables are built once per JVM: not part of any one pattern's cost
        AccountMatcher.filter(true, "(?i)\\pL\\p{Greek}[[:alpha:]]k").test(ACCOUNTS.get(2));
    }

    @Property(tries = 400)
    @AddLifecycleHook(PropertyTimeout.class)
    void everyPatternIsRefusedOrMatchedWithinTheBudget(@ForAll("patterns") String pattern) throws AccountMatcher.InvalidPattern {
        long before = THREADS.getCurrentThreadAllocatedBytes();
        String outcome;
        try {
            Predicate<Account> filter = AccountMatcher.filter(true, pattern);
            for (Account a : ACCOUNTS) {
                filter.test(a);
            }
            outcome = "compiled";
        } catch (AccountMatcher.InvalidPattern e) { // LIST_ACCOUNTS answers it INVALID_PATTERN (core.Accounts)
            outcome = e.detail().contains("expression too large") ? "too large" : "syntax";
        }
        long used = THREADS.getCurrentThreadAllocatedBytes() - before;
        Statistics.collect(outcome);
        assertThat(used).as("bytes allocated for %s (%s)", pattern, outcome).isLessThan(BUDGET);
        if (outcome.equals("compiled")) {
            assertThat(PatternSize.compile(pattern).programSize()).as(pattern)
                    .isLessThanOrEqualTo(AccountMatcher.MAX_PROGRAM);
        }
        Statistics.coverage(c -> {
            c.check("compiled").percentage(p -> p >= 10);
            c.check("too large").percentage(p -> p >= 10);
        });
    }

    @Provide
    Arbitrary<String> patterns() {
        return Arbitraries.recursive(() -> repeated(atom()), PatternSizeProperties::around, 0, 4);
    }

    /** One level of nesting around {@code inner}: a group of any kind, repeated or not, a sequence, an alternation, a flag. */
    private static Arbitrary<String> around(Arbitrary<String> inner) {
        return Arbitraries.oneOf(
                repeated(group(inner)),
                group(inner),
                Combinators.combine(inner, repeated(atom())).as(String::concat),
                Combinators.combine(inner, inner).as((a, b) -> a + "|" + b),
                Combinators.combine(flags(), inner).as(String::concat));
    }

    private static Arbitrary<String> atom() {
        return Arbitraries.of("a", "b", "ab", ".", "\\d", "\\w", "\\s", "\\pL", "\\p{Greek}", "\\PN", "[a-z]", "[^x]",
                "[[:alpha:]]", "[[:^digit:]_]", "[\\]\\-a]", "[\\pL\\d]", "\\Qa(b{3}\\E", "^", "$", "\\b", "\\B", "\\A", "\\z",
                "\\x{41}", "\\x41", "\\.", "\\\\", "é", "Ω", "\\n", "\\t", "\\{", "[{}]");
    }

    private static Arbitrary<String> group(Arbitrary<String> inner) {
        Arbitrary<String> open = Arbitraries.oneOf(Arbitraries.of("(", "(?:", "(?i:", "(?s-i:", "(?U:", "(?im:"),
                Arbitraries.integers().between(0, 999).map(n -> "(?<g" + n + ">"),
                Arbitraries.integers().between(0, 999).map(n -> "(?P<g" + n + ">"));
        return Combinators.combine(open, inner).as((o, i) -> o + i + ")");
    }

    private static Arbitrary<String> flags() {
        return Arbitraries.of("(?i)", "(?s)", "(?U)", "(?-i)", "(?im-s)");
    }

    private static Arbitrary<String> repeated(Arbitrary<String> operand) {
        Arbitrary<Integer> count = Arbitraries.integers().between(0, 1000).withDistribution(
                RandomDistribution.biased()).edgeCases(c -> c.includeOnly(0, 1, 2, 999, 1000));
        Arbitrary<String> op = Arbitraries.oneOf(
                Arbitraries.of("", "", "*", "+", "?", "*?", "+?", "??"),
                count.map(n -> "{" + n + "}"),
                count.map(n -> "{" + n + ",}"),
                Combinators.combine(count, count).as((a, b) -> "{" + Math.min(a, b) + "," + Math.max(a, b) + "}"));
        Arbitrary<String> lazy = Arbitraries.of("", "", "?");
        return Combinators.combine(operand, op, lazy).as((o, r, l) -> r.isEmpty() || r.endsWith("?") ? o + r : o + r + l);
    }
}
