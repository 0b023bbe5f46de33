package org.wirechat.server.core.account;

import com.google.re2j.Pattern;
import com.google.re2j.PatternSyntaxException;
import java.util.function.Predicate;
import org.wirechat.server.core.port.Account;

/**
 * Compiles a list-accounts pattern into a filter over username and full name. Both modes run on
 * RE2/J, whose matching is linear in the input, so no pattern can make the server spin; and a pattern
 * whose compiled program would exceed {@link #MAX_PROGRAM} instructions (counted repetition nested in
 * counted repetition) is refused, from RE2/J's parse tree, before RE2/J expands it.
 */
public final class AccountMatcher {
    /** The largest program a pattern may compile to, RE2/J's instructions (see {@link PatternSize}). */
    public static final int MAX_PROGRAM = 1_000;

    private AccountMatcher() {
    }

    /** A pattern LIST_ACCOUNTS refuses (INVALID_PATTERN), with the user's text of why. */
    public static final class InvalidPattern extends Exception {
        private final String detail;

        InvalidPattern(String detail) {
            super(detail, null, false, false);
            this.detail = detail;
        }

        public String detail() {
            return detail;
        }
    }

    /** LIST_ACCOUNTS' filter for the chat core: {@code regex}, else a wildcard. */
    public static Predicate<Account> filter(boolean regex, String pattern) throws InvalidPattern {
        if (pattern.isEmpty()) {
            return a -> true;
        }
        Pattern compiled = pattern(regex, pattern);
        return a -> compiled.matches(a.username()) || compiled.matches(a.fullName());
    }

    /**
     * The admin socket's {@code users list}: a wildcard over usernames alone, on the same linear matcher
     * and within the same limit as LIST_ACCOUNTS (java.util.regex would backtrack on {@code *a*a*…*b}).
     *
     * @throws IllegalArgumentException for a pattern LIST_ACCOUNTS would refuse, saying why
     */
    public static Predicate<CharSequence> usernames(String wildcard) {
        if (wildcard.isEmpty()) {
            return s -> true;
        }
        try {
            Pattern compiled = pattern(false, wildcard);
            return s -> compiled.matcher(s).matches();
        } catch (InvalidPattern e) {
            throw new IllegalArgumentException("invalid pattern: " + e.detail()); // as LIST_ACCOUNTS says it
        }
    }

    private static Pattern pattern(boolean isRegex, String pattern) throws InvalidPattern {
        String regex = isRegex ? pattern : wildcardToRegex(pattern);
        try {
            if (PatternSize.of(regex, MAX_PROGRAM) > MAX_PROGRAM) {
                throw new InvalidPattern("expression too large: compiled, it would be over "
                        + MAX_PROGRAM + " instructions (nest fewer counted repetitions, or use smaller counts)");
            }
            return PatternSize.compile(regex);
        } catch (PatternSyntaxException e) {
            throw new InvalidPattern("invalid regular expression: " + e.getDescription());
        }
    }

    static String wildcardToRegex(String wildcard) {
        StringBuilder regex = new StringBuilder();
        StringBuilder literal = new StringBuilder();
        for (int i = 0; i < wildcard.length(); i++) {
            char c = wildcard.charAt(i);
            if (c == '*' || c == '?') {
                if (!literal.isEmpty()) {
                    regex.append(Pattern.quote(literal.toString()));
                    literal.setLength(0);
                }
                regex.append(c == '*' ? ".*" : ".");
            } else {
                literal.append(c);
            }
        }
        if (!literal.isEmpty()) {
            regex.append(Pattern.quote(literal.toString()));
        }
        return regex.toString();
    }
}
