package com.google.re2j;

/**
 * wirechat's, not RE2/J's: an upper bound on the number of instructions RE2/J 1.8 compiles a pattern
 * into, computed on RE2/J's own parse tree before anything large is allocated.
 *
 * <p>RE2/J compiles in three steps ({@code RE2.compileImpl}): {@code Parser.parse} builds a tree that
 * is linear in the pattern's length; {@code Simplify} rewrites each counted repetition {@code x{n,m}}
 * into copies of {@code x} that share one subtree, so it stays small too; then {@code Compiler} walks
 * that shared tree as if every copy were its own and emits one instruction per visit — which is where
 * {@code ((a{1000}){249}){249}} asks for 62 million instructions and gigabytes. Go's
 * {@code regexp/syntax} refuses such patterns while parsing ({@code checkSize}, "expression too large");
 * RE2/J 1.8 has no such check, and its parse tree is package-private — hence this class in RE2/J's
 * package (a split package on the class path; the server's shaded jar holds both).
 *
 * <p>The count follows {@code Compiler.compile} and {@code Simplify.simplify} op by op (the same
 * formulas as Go's {@code calcSize}); where a rewrite may make the program smaller (an empty or nullable
 * operand, {@code (?:a+)+}), the count keeps the larger figure, so it is never below the real program.
 */
public final class ProgramBound {
    /** RE2/J's program always holds a FAIL instruction first and a MATCH instruction last. */
    private static final int FIXED = 2;
    /** Deeper trees are refused outright, as Go refuses them ("expression nests too deeply"). */
    private static final int MAX_DEPTH = 1000;

    private final long over;

    private ProgramBound(long cap) {
        this.over = cap + 1;
    }

    /**
     * The bound for {@code regex} as {@code Pattern.compile(regex)} (no flags argument: put them in the
     * pattern, e.g. {@code (?is)}) would compile it, or {@code cap + 1} as soon as it is known to be above
     * {@code cap} (the count saturates there, so no nesting can overflow it).
     *
     * @throws PatternSyntaxException as {@code Pattern.compile} would, for a pattern RE2/J refuses
     */
    public static long instructions(String regex, long cap) {
        if (cap < 0 || cap > Long.MAX_VALUE / 2000) {
            throw new IllegalArgumentException("cap out of range: " + cap);
        }
        ProgramBound bound = new ProgramBound(cap);
        return bound.add(bound.size(Parser.parse(regex, RE2.PERL), 0), FIXED);
    }

    private long size(Regexp re, int depth) {
        if (depth > MAX_DEPTH) {
            return over;
        }
        return switch (re.op) {
            case NO_MATCH -> 0;
            case EMPTY_MATCH, CHAR_CLASS, ANY_CHAR_NOT_NL, ANY_CHAR, BEGIN_LINE, END_LINE, BEGIN_TEXT, END_TEXT,
                    WORD_BOUNDARY, NO_WORD_BOUNDARY -> 1;
            case LITERAL -> Math.max(1, re.runes.length);
            case CAPTURE -> add(size(re.subs[0], depth + 1), 2);
            case STAR -> add(size(re.subs[0], depth + 1), 2); // a nullable operand costs two: quest(plus(x))
            case PLUS, QUEST -> add(size(re.subs[0], depth + 1), 1);
            case CONCAT -> re.subs.length == 0 ? 1 : sum(re, depth);
            case ALTERNATE -> re.subs.length == 0 ? 1 : add(sum(re, depth), re.subs.length - 1);
            case REPEAT -> repeat(re, depth);
            // parse never leaves a pseudo-op in its tree; should it, refuse rather than guess
            case LEFT_PAREN, VERTICAL_BAR -> over;
        };
    }

    /** {@code Simplify}: x{0} is empty; x{0,} is x*; x{1,} is x+; x{n,} is n-1 copies and x+; x{n,m} is xx(x(x)?)?. */
    private long repeat(Regexp re, int depth) {
        if (re.min == 0 && re.max == 0) {
            return 1;
        }
        long sub = size(re.subs[0], depth + 1);
        if (re.max == -1) {
            return re.min == 0 ? add(sub, 2) : add(mul(sub, re.min), 1);
        }
        return Math.max(1, add(mul(sub, re.max), re.max - re.min));
    }

    private long sum(Regexp re, int depth) {
        long total = 0;
        for (Regexp sub : re.subs) {
            total = add(total, size(sub, depth + 1));
        }
        return total;
    }

    private long add(long a, long b) {
        return Math.min(over, a + b);
    }

    private long mul(long a, long n) {
        return n != 0 && a > over / n ? over : Math.min(over, a * n);
    }
}
