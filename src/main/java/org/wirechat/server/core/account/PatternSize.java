package org.wirechat.server.core.account;

import com.google.re2j.Pattern;
import com.google.re2j.PatternSyntaxException;
import com.google.re2j.ProgramBound;

/**
 * The size of the program RE2/J compiles a list-accounts pattern into, known before it is compiled.
 * RE2/J matches in linear time, but it expands counted repetition when it compiles:
 * {@code ((a{1000}){249}){249}} is 24 bytes and 62 million instructions, gigabytes to build. The bound
 * is {@link ProgramBound}'s, computed on RE2/J's own parse tree (so every construct RE2/J accepts is
 * read as RE2/J reads it), for the pattern exactly as {@link #compile} hands it to RE2/J.
 */
final class PatternSize {
    /** How list-accounts patterns are compiled: case-insensitive, and '.' matches a newline too. */
    private static final int FLAGS = Pattern.CASE_INSENSITIVE | Pattern.DOTALL;

    private PatternSize() {
    }

    /**
     * An upper bound on the instructions of {@link #compile}'s program for {@code regex} (RE2/J's fixed
     * FAIL and MATCH included), or {@code cap + 1} as soon as it is known to be above {@code cap}.
     *
     * @throws PatternSyntaxException if RE2/J refuses the pattern
     */
    static long of(String regex, long cap) {
        return ProgramBound.instructions(withFlags(regex), cap);
    }

    /** Compiles {@code regex} as list-accounts does; call it only once {@link #of} is within bounds. */
    static Pattern compile(String regex) {
        return Pattern.compile(regex, FLAGS);
    }

    /** What {@code Pattern.compile(regex, FLAGS)} parses: the flags as a prefix, in RE2/J's order. */
    private static String withFlags(String regex) {
        return "(?s)(?i)" + regex;
    }
}
