package org.wirechat.server.account;

import com.google.re2j.Pattern;
import com.google.re2j.PatternSyntaxException;
import java.util.function.Predicate;
import org.wirechat.protocol.ErrorCode;
import org.wirechat.protocol.PatternMode;
import org.wirechat.protocol.ProtocolException;
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

    public static Predicate<Account> compile(PatternMode mode, String pattern) throws ProtocolException {
        if (pattern.isEmpty()) {
            return a -> true;
        }
        Pattern compiled = pattern(mode, pattern);
        return a -> compiled.matches(a.username()) || compiled.matches(a.fullName());
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
        try {
            return compile(regex ? PatternMode.REGEX : PatternMode.WILDCARD, pattern);
        } catch (ProtocolException e) {
            throw new InvalidPattern(e.detail());
        }
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
            Pattern compiled = pattern(PatternMode.WILDCARD, wildcard);
            return s -> compiled.matcher(s).matches();
        } catch (ProtocolException e) {
            throw new IllegalArgumentException(e.getMessage());
        }
    }

    private static Pattern pattern(PatternMode mode, String pattern) throws ProtocolException {
        String regex = switch (mode) {
            case WILDCARD -> wildcardToRegex(pattern);
            case REGEX -> pattern;
        };
        try {
            if (PatternSize.of(regex, MAX_PROGRAM) > MAX_PROGRAM) {
                throw new ProtocolException(ErrorCode.INVALID_PATTERN, "expression too large: compiled, it would be over "
                        + MAX_PROGRAM + " instructions (nest fewer counted repetitions, or use smaller counts)");
            }
            return PatternSize.compile(regex);
        } catch (PatternSyntaxException e) {
            throw new ProtocolException(ErrorCode.INVALID_PATTERN, "invalid regular expression: " + e.getDescription());
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
