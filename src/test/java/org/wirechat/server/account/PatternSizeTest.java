package org.wirechat.server.account;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.re2j.Pattern;
import com.google.re2j.PatternSyntaxException;
import java.lang.reflect.Field;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The bound must never be below the program RE2/J really compiles (else a pattern could slip past it):
 * checked against RE2/J's own instruction count, read by reflection, for thousands of patterns built
 * from a small grammar with nesting, classes, escapes, alternation and every repetition form.
 */
class PatternSizeTest {
    private static final long SEED = 20261127L;
    private static final int FIXED = 2;

    @Test
    void theEstimateIsNeverBelowTheCompiledProgram() throws Exception {
        System.out.println("PatternSizeTest seed " + SEED);
        Random random = new Random(SEED);
        int compiled = 0;
        for (int i = 0; i < 4000; i++) {
            String p = pattern(random, 3);
            Pattern re;
            try {
                re = Pattern.compile(p, Pattern.CASE_INSENSITIVE | Pattern.DOTALL);
            } catch (PatternSyntaxException e) {
                continue; // invalid patterns are RE2/J's to refuse
            }
            compiled++;
            int real = instructions(re);
            // RE2/J's program also holds a fixed start and end (a fail and a match instruction), not counted
            assertThat(PatternSize.of(p, Long.MAX_VALUE / 4) + FIXED).as("estimate for %s (RE2/J: %d instructions)", p, real)
                    .isGreaterThanOrEqualTo(real);
        }
        assertThat(compiled).as("patterns that compiled").isGreaterThan(2000);
    }

    @Test
    void countsAsTheSpecSays() {
        assertThat(PatternSize.of("a{500}", 10_000)).isEqualTo(1000);
        assertThat(PatternSize.of("a{501}", 10_000)).isEqualTo(1002);
        assertThat(PatternSize.of("(?i)abc", 10_000)).isEqualTo(3);
        assertThat(PatternSize.of("\\Q((((\\E", 10_000)).isEqualTo(4);
        assertThat(PatternSize.of("[(]{10}", 10_000)).isEqualTo(20);
        assertThat(PatternSize.of("a|b", 10_000)).isEqualTo(4);
        assertThat(PatternSize.of("a*b?", 10_000)).isEqualTo(6);
        assertThat(PatternSize.of("((a{1000}){1000}){1000}", 1000)).isEqualTo(1001); // saturates just past the cap
    }

    private static int instructions(Pattern re) throws ReflectiveOperationException {
        Field re2 = Pattern.class.getDeclaredField("re2");
        re2.setAccessible(true);
        Object r = re2.get(re);
        Field prog = r.getClass().getDeclaredField("prog");
        prog.setAccessible(true);
        Object pr = prog.get(r);
        Field size = pr.getClass().getDeclaredField("instSize");
        size.setAccessible(true);
        return size.getInt(pr);
    }

    private static final String[] ATOMS = {"a", "b", ".", "\\d", "\\pL", "[a-z]", "[^x]", "[[:alpha:]]", "\\Qab\\E", "^", "$",
        "\\x{41}", "é"};
    private static final String[] REPEATS = {"", "", "*", "+", "?", "*?", "{3}", "{2,}", "{1,4}", "{0,7}", "{5,5}", "{0}"};

    private static String pattern(Random r, int depth) {
        StringBuilder b = new StringBuilder();
        int parts = 1 + r.nextInt(3);
        for (int i = 0; i < parts; i++) {
            if (i > 0 && r.nextInt(4) == 0) {
                b.append('|');
            }
            if (depth > 0 && r.nextInt(3) == 0) {
                String open = switch (r.nextInt(3)) {
                    case 0 -> "(";
                    case 1 -> "(?:";
                    default -> "(?P<g" + r.nextInt(100) + ">";
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
