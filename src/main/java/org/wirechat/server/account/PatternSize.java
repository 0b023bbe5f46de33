package org.wirechat.server.account;

/**
 * An upper bound on the size of the program RE2/J would compile a pattern into, computed from the
 * pattern's text before anything is compiled. RE2/J matches in linear time, but it expands counted
 * repetition when it compiles: {@code ((a{1000}){1000}){1000}} is 24 bytes and 10⁹ instructions, which
 * takes gigabytes and minutes to build. Go's {@code regexp/syntax} refuses such patterns ("expression
 * too large"); RE2/J has no such check, so this walk does it.
 *
 * <p>The walk over-estimates and never under-estimates (checked against RE2/J's own programs by
 * {@code PatternSizeTest}): every literal, class, anchor and escape counts one instruction, each
 * repetition operator ({@code * + ?}) and each alternative adds two, a group adds two, and
 * {@code x{n,m}} counts {@code max(n, m)} copies of {@code x} and an instruction each ({@code x{n,}}
 * counts {@code n + 1}). Repetitions multiply through the groups they are applied to. Text that is not
 * valid syntax is counted as literals; RE2/J then reports the syntax error itself.
 */
final class PatternSize {
    /** The largest count RE2 accepts in {@code {n,m}}; above it RE2/J refuses the pattern anyway. */
    private static final int MAX_REPEAT = 1000;

    private final String p;
    private final long cap;
    private int i;

    private PatternSize(String pattern, long cap) {
        this.p = pattern;
        this.cap = cap;
    }

    /**
     * The estimated program size, or a number above {@code cap} as soon as it is known to exceed it
     * (the count saturates there, so no nesting can overflow it).
     */
    static long of(String pattern, long cap) {
        PatternSize walk = new PatternSize(pattern, cap);
        long total = 0;
        while (walk.i < pattern.length()) {
            total = walk.add(total, walk.alternation());
            if (walk.i < pattern.length()) { // an unbalanced ')': count it and go on
                walk.i++;
                total = walk.add(total, 1);
            }
        }
        return total;
    }

    /** Reads up to an unmatched ')' or the end; the size of what it read. */
    private long alternation() {
        long total = 0;
        long branch = 0;
        long last = -1; // the size of the last atom, while a repetition may still apply to it
        while (i < p.length()) {
            char c = p.charAt(i);
            switch (c) {
                case ')' -> {
                    return add(total, branch);
                }
                case '|' -> {
                    i++;
                    total = add(add(total, branch), 2);
                    branch = 0;
                    last = -1;
                }
                case '(' -> {
                    i++;
                    if (flagsOnly()) {
                        last = -1;
                        continue;
                    }
                    long group = add(alternation(), 2);
                    if (i < p.length()) {
                        i++; // the ')'
                    }
                    branch = add(branch, group);
                    last = group;
                }
                case '*', '+', '?' -> {
                    i++;
                    if (i < p.length() && p.charAt(i) == '?') {
                        i++; // non-greedy
                    }
                    long repeated = last < 0 ? 2 : add(last, 2);
                    branch = add(branch - Math.max(last, 0), repeated);
                    last = repeated;
                }
                case '{' -> {
                    long copies = repeatCopies();
                    if (copies < 0) {
                        i++;
                        branch = add(branch, 1); // not a repetition: a literal '{'
                        last = 1;
                    } else {
                        long atom = Math.max(last, 1);
                        long repeated = mul(add(atom, 1), Math.max(copies, 1));
                        branch = add(branch - Math.max(last, 0), repeated);
                        last = repeated;
                    }
                }
                case '[' -> {
                    skipClass();
                    branch = add(branch, 1);
                    last = 1;
                }
                case '\\' -> {
                    long n = escape();
                    branch = add(branch, n);
                    last = 1;
                }
                default -> {
                    i++;
                    branch = add(branch, 1);
                    last = 1;
                }
            }
        }
        return add(total, branch);
    }

    /**
     * After a '(': true (and past the ')') for a flag setting such as {@code (?i)}, which is no group;
     * false for a group, with {@link #i} at its first element.
     */
    private boolean flagsOnly() {
        if (i >= p.length() || p.charAt(i) != '?') {
            return false;
        }
        int j = i + 1;
        if (j < p.length() && p.charAt(j) == 'P' && j + 1 < p.length() && p.charAt(j + 1) == '<') {
            int end = p.indexOf('>', j);
            i = end < 0 ? p.length() : end + 1;
            return false;
        }
        while (j < p.length() && p.charAt(j) != ')' && p.charAt(j) != ':') {
            j++;
        }
        if (j >= p.length()) {
            i = j;
            return true;
        }
        i = j + 1;
        return p.charAt(j) == ')';
    }

    /** At a '{': the copies {@code {n}}, {@code {n,}} or {@code {n,m}} makes (and past it), or -1 if it is not one. */
    private long repeatCopies() {
        int j = i + 1;
        int start = j;
        while (j < p.length() && Character.isDigit(p.charAt(j))) {
            j++;
        }
        if (j == start || j - start > 9) {
            return -1;
        }
        long n = Long.parseLong(p, start, j, 10);
        long copies;
        if (j < p.length() && p.charAt(j) == '}') {
            copies = n;
        } else if (j < p.length() && p.charAt(j) == ',') {
            j++;
            int mStart = j;
            while (j < p.length() && Character.isDigit(p.charAt(j))) {
                j++;
            }
            if (j >= p.length() || p.charAt(j) != '}' || j - mStart > 9) {
                return -1;
            }
            copies = j == mStart ? n + 1 : Math.max(n, Long.parseLong(p, mStart, j, 10));
        } else {
            return -1;
        }
        i = j + 1;
        return Math.min(copies, MAX_REPEAT + 1L);
    }

    /** At a '[': past the matching ']' (a leading ']' or '^]' is a literal; escapes and [:name:] are skipped). */
    private void skipClass() {
        int j = i + 1;
        if (j < p.length() && p.charAt(j) == '^') {
            j++;
        }
        if (j < p.length() && p.charAt(j) == ']') {
            j++;
        }
        while (j < p.length() && p.charAt(j) != ']') {
            if (p.charAt(j) == '\\') {
                j += 2;
            } else if (p.startsWith("[:", j)) {
                int end = p.indexOf(":]", j + 2);
                j = end < 0 ? j + 1 : end + 2;
            } else {
                j++;
            }
        }
        i = Math.min(p.length(), j + 1);
    }

    /** At a '\\': past the escape; its size ({@code \Q…\E} quotes one literal per character). */
    private long escape() {
        if (i + 1 >= p.length()) {
            i = p.length();
            return 1;
        }
        char e = p.charAt(i + 1);
        if (e == 'Q') {
            int end = p.indexOf("\\E", i + 2);
            int stop = end < 0 ? p.length() : end;
            long n = Math.max(1, stop - (i + 2));
            i = end < 0 ? p.length() : end + 2;
            return n;
        }
        i += 2;
        if ((e == 'p' || e == 'P' || e == 'x') && i < p.length() && p.charAt(i) == '{') {
            int end = p.indexOf('}', i);
            i = end < 0 ? p.length() : end + 1;
        }
        return 1;
    }

    private long add(long a, long b) {
        return Math.min(cap + 1, a + b);
    }

    private long mul(long a, long b) {
        return a > (cap + 1) / Math.max(b, 1) ? cap + 1 : Math.min(cap + 1, a * b);
    }
}
