package org.wirechat.server.core.port;

import java.text.Normalizer;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A SEARCH_MESSAGES query as both stores run it (docs/wire_design.md §5, "Search words"): its words, folded,
 * each matched as a whole word of a message or, written with a trailing {@code *}, as the start of one; a
 * message matches when every word does. The same folding splits a body into words here ({@link #matches}, for
 * what a store has not indexed yet) as SQLite's {@code unicode61 remove_diacritics 2} tokenizer and
 * PostgreSQL's {@code unaccent} and {@code lower} do in the stores' indexes: a word is a run of letters, digits
 * and combining marks; its accents are removed and its case folded.
 */
public final class SearchQuery {
    /** The most words a query may have. */
    public static final int WORDS_MAX = 10;

    private static final Pattern MARKS = Pattern.compile("\\p{M}+");

    /** One word of the query: its folded text and whether it matches the start of a word only. */
    public record Term(String text, boolean prefix) {
    }

    private final List<Term> terms;

    private SearchQuery(List<Term> terms) {
        this.terms = List.copyOf(terms);
    }

    /**
     * The query's words.
     *
     * @throws IllegalArgumentException the text has no word (empty, or only punctuation and spaces) or more
     *         than {@link #WORDS_MAX}; its message says which, for the caller
     */
    public static SearchQuery parse(String text) {
        List<Term> terms = new ArrayList<>();
        Set<Term> seen = new LinkedHashSet<>();
        int i = 0;
        while (i < text.length()) {
            int start = i;
            while (i < text.length() && isWordChar(text.codePointAt(i))) {
                i += Character.charCount(text.codePointAt(i));
            }
            if (i > start) {
                boolean prefix = i < text.length() && text.charAt(i) == '*';
                String folded = fold(text.substring(start, i));
                if (!folded.isEmpty() && seen.add(new Term(folded, prefix))) {
                    terms.add(new Term(folded, prefix));
                }
            } else {
                i += Character.charCount(text.codePointAt(i));
            }
        }
        if (terms.isEmpty()) {
            throw new IllegalArgumentException("the query has no word to search for (letters or digits)");
        }
        if (terms.size() > WORDS_MAX) {
            throw new IllegalArgumentException("a query has at most " + WORDS_MAX + " words, not " + terms.size());
        }
        return new SearchQuery(terms);
    }

    public List<Term> terms() {
        return terms;
    }

    /** Whether every word of the query is a word of {@code body} (or, with {@code *}, starts one). */
    public boolean matches(String body) {
        List<String> words = words(body);
        for (Term t : terms) {
            boolean found = false;
            for (String w : words) {
                if (t.prefix() ? w.startsWith(t.text()) : w.equals(t.text())) {
                    found = true;
                    break;
                }
            }
            if (!found) {
                return false;
            }
        }
        return true;
    }

    /** The folded words of a text, in order. */
    static List<String> words(String text) {
        List<String> out = new ArrayList<>();
        int i = 0;
        while (i < text.length()) {
            int start = i;
            while (i < text.length() && isWordChar(text.codePointAt(i))) {
                i += Character.charCount(text.codePointAt(i));
            }
            if (i > start) {
                String folded = fold(text.substring(start, i));
                if (!folded.isEmpty()) {
                    out.add(folded);
                }
            } else {
                i += Character.charCount(text.codePointAt(i));
            }
        }
        return out;
    }

    /** A letter, a digit (any number) or a combining mark: what a word is made of. */
    private static boolean isWordChar(int cp) {
        return switch (Character.getType(cp)) {
            case Character.UPPERCASE_LETTER, Character.LOWERCASE_LETTER, Character.TITLECASE_LETTER, Character.MODIFIER_LETTER,
                    Character.OTHER_LETTER, Character.DECIMAL_DIGIT_NUMBER, Character.LETTER_NUMBER, Character.OTHER_NUMBER,
                    Character.NON_SPACING_MARK, Character.COMBINING_SPACING_MARK, Character.ENCLOSING_MARK -> true;
            default -> false;
        };
    }

    /** Accents removed (decomposed, marks dropped), lower case in the root locale. */
    private static String fold(String word) {
        return MARKS.matcher(Normalizer.normalize(word, Normalizer.Form.NFD)).replaceAll("").toLowerCase(Locale.ROOT);
    }

    @Override
    public String toString() {
        return "SearchQuery" + terms;
    }
}
