package org.wirechat.server.core.account;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.google.re2j.Pattern;
import com.google.re2j.PatternSyntaxException;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The bound is read from RE2/J's own parse tree: it must never be below the program RE2/J really
 * compiles (else a pattern could slip past it), and the attacks of issues 13 and 33 — counted
 * repetition nested in named groups, non-capturing groups, flag groups — are refused before compiling.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class PatternSizeTest {
    private static final long SEED = 20261127L;
    private static final long MAX = AccountMatcher.MAX_PROGRAM;

    /** Issue 33: 27 bytes the old text walk counted as a few instructions; RE2/J wanted 62 million. */
    @Test
    void aNamedGroupAroundNestedCountedRepetitionIsRefused() {
        String attack = "(?<n>((a{1000}){249}){249})";
        assertThat(attack).hasSize(27);
        assertThat(PatternSize.of(attack, MAX)).isGreaterThan(MAX);
        assertThat(PatternSize.of(attack, Long.MAX_VALUE / 4000)).as("the whole program")
                .isEqualTo(2 + 2 + 249L * (2 + 249 * (2 + 1000)));
        assertTooLarge(attack);
    }

    @ParameterizedTest
    @ValueSource(strings = {"(?P<n>((a{1000}){249}){249})", "(?<n>(?<m>(a{1000}){249}){249})", "(?:(?:a{1000}){249}){249}",
        "(?i)((?i)(?i:a{1000}){249}){249}", "(?s-i:(?U)(a{2,1000}?){2,1000})", "((a{1000}){249}){249}", "(?<n>a{999})",
        "(?<n>[[:alpha:]\\pL]{1000})", "(?<n>\\Q(((\\E{1000})", "(?:ab|cd|ef){400}", "(?<n>(?:x{0,}){500}){3}", "(a{1000,}){2}",
        "(?:a*?){1000}(?:b+){500}", "(?<a>(?<b>(?<c>(?<d>x{10}){10}){10}){10})"})
    void variantsOfTheAttackAreRefused(String pattern) {
        assertThat(PatternSize.of(pattern, MAX)).isGreaterThan(MAX);
        assertTooLarge(pattern);
    }

    /** The edge: 1,000 instructions of RE2/J's program (its FAIL and MATCH included) pass, 1,001 do not. */
    @Test
    void theLimitIsOneThousandInstructionsOfTheRealProgram() throws AccountMatcher.InvalidPattern {
        record Edge(String below, String at, String above) {
        }
        for (Edge e : List.of(new Edge("a{997}", "a{998}", "a{999}"),
                new Edge("(?<n>a{995})", "(?<n>a{996})", "(?<n>a{997})"),
                new Edge("(?P<n>(?:a{5}){199})", "(?P<n>(?:a{4}){249})", "(?P<n>(?:a{4}){249}b)"),
                new Edge("(?i)(?:(?i:a){1,499})", "(?i)(?:(?i:a){0,499})", "(?i)(?:(?i:a){1,500})"),
                new Edge("\\Q((\\E{996}", "\\Q((\\E{997}", "\\Q((\\E{998}"))) {
            assertThat(PatternSize.of(e.below(), MAX)).as(e.below()).isEqualTo(MAX - 1).isEqualTo(real(e.below()));
            assertThat(PatternSize.of(e.at(), MAX)).as(e.at()).isEqualTo(MAX).isEqualTo(real(e.at()));
            assertThat(PatternSize.of(e.above(), MAX)).as(e.above()).isEqualTo(MAX + 1);
            assertThat(AccountMatcher.filter(true, e.below())).isNotNull();
            assertThat(AccountMatcher.filter(true, e.at())).isNotNull();
            assertTooLarge(e.above());
        }
    }

    @Test
    void countsAsRe2jCompiles() {
        for (String p : List.of("a", "abc", "(?i)abc", "\\Q((((\\E", "[(]{10}", "a|b", "a*b?", "(a)", "(?:a)", "(?P<x>a)",
                "a{2,5}", "a{3,}", "(a*)*", "(?:a?)+", "a{0}", "^$\\b\\B", "[[:alpha:]]+", "\\p{Greek}{7}", "x{2}?y{1,3}?",
                "(?<n>a|bc|[de])", "")) {
            assertThat(PatternSize.of(p, 10_000)).as(p).isGreaterThanOrEqualTo(real(p));
        }
        assertThat(PatternSize.of("((a{1000}){1000}){1000}", 1000)).isEqualTo(1001); // saturates just past the cap
    }

    @Test
    void whatRe2jRefusesIsASyntaxErrorNotASize() {
        for (String p : List.of("(a", "a)", "a**", "a{1001}", "(?<n>a)(?<n>b)", "[z-a]", "\\8", "(?<>a)", "\\pX")) {
            assertThatThrownBy(() -> PatternSize.of(p, MAX)).as(p).isInstanceOf(PatternSyntaxException.class);
            assertThatThrownBy(() -> AccountMatcher.filter(true, p)).as(p).isInstanceOf(AccountMatcher.InvalidPattern.class)
                    .hasMessageContaining("invalid regular expression");
        }
    }

    @Test
    void theBoundIsNeverBelowTheCompiledProgram() {
        System.out.println("PatternSizeTest seed " + SEED);
        Random random = new Random(SEED);
        int compiled = 0;
        for (int i = 0; i < 4000; i++) {
            String p = pattern(random, 3);
            int real;
            try {
                real = real(p);
            } catch (PatternSyntaxException e) {
                continue; // invalid patterns are RE2/J's to refuse
            }
            compiled++;
            assertThat(PatternSize.of(p, Long.MAX_VALUE / 4000)).as("bound for %s (RE2/J: %d instructions)", p, real)
                    .isGreaterThanOrEqualTo(real);
        }
        assertThat(compiled).as("patterns that compiled").isGreaterThan(2000);
    }

    private static int real(String pattern) {
        return PatternSize.compile(pattern).programSize();
    }

    private static void assertTooLarge(String pattern) {
        assertThatThrownBy(() -> AccountMatcher.filter(true, pattern)).as(pattern)
                .isInstanceOf(AccountMatcher.InvalidPattern.class).hasMessageContaining("expression too large")
                .hasMessageContaining(String.valueOf(MAX));
    }

    private static final String[] ATOMS = {"a", "b", ".", "\\d", "\\pL", "[a-z]", "[^x]", "[[:alpha:]]", "\\Qab\\E", "^", "$",
        "\\x{41}", "é", "(?i)k", "[\\]-]"};
    private static final String[] REPEATS = {"", "", "*", "+", "?", "*?", "{3}", "{2,}", "{1,4}", "{0,7}", "{5,5}", "{0}",
        "{2,3}?"};

    private static String pattern(Random r, int depth) {
        StringBuilder b = new StringBuilder();
        int parts = 1 + r.nextInt(3);
        for (int i = 0; i < parts; i++) {
            if (i > 0 && r.nextInt(4) == 0) {
                b.append('|');
            }
            if (depth > 0 && r.nextInt(3) == 0) {
                String open = switch (r.nextInt(5)) {
                    case 0 -> "(";
                    case 1 -> "(?:";
                    case 2 -> "(?i:";
                    case 3 -> "(?<g" + r.nextInt(1000) + ">";
                    default -> "(?P<g" + r.nextInt(1000) + ">";
                };
                b.append(open).append(pattern(r, depth - 1)).append(')');
            } else {
                b.append(ATOMS[r.nextInt(ATOMS.length)]);
            }
            b.append(REPEATS[r.nextInt(REPEATS.length)]);
        }
        return b.toString();
    }
}
