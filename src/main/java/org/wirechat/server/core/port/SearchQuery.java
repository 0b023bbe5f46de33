package org.wirechat.server.core.port;

import java.text.Normalizer;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * A SEARCH_MESSAGES query as both stores run it (docs/wire_design.md §5, "Search words"): its words, folded,
 * each matched as a whole word of a message or, written with a trailing {@code *}, as the start of one; a
 * message matches when every word does. The same folding splits a body into words here ({@link #matches}, for
 * what a store has not indexed yet) as SQLite's {@code unicode61 remove_diacritics 2} tokenizer and
 * PostgreSQL's {@code unaccent} and {@code lower} do in the stores' indexes: a word is a run of letters, digits
 * and combining accents; the accents of Latin letters are removed and its case folded.
 */
public final class SearchQuery {
    /** The most words a query may have. */
    public static final int WORDS_MAX = 10;

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
        Set<Term> terms = new LinkedHashSet<>();
        scan(text, (folded, end) -> terms.add(new Term(folded, end < text.length() && text.charAt(end) == '*')));
        if (terms.isEmpty()) {
            throw new IllegalArgumentException("the query has no word to search for (letters or digits)");
        }
        if (terms.size() > WORDS_MAX) {
            throw new IllegalArgumentException("a query has at most " + WORDS_MAX + " words, not " + terms.size());
        }
        return new SearchQuery(new ArrayList<>(terms));
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
        scan(text, (folded, end) -> out.add(folded));
        return out;
    }

    /** What a scan tells of each word: its folded text and the index just after it. */
    private interface WordSink {
        void word(String folded, int end);
    }

    /** Each word of {@code text}, in order, folded (a word that folds to nothing is left out). */
    private static void scan(String text, WordSink sink) {
        int i = 0;
        while (i < text.length()) {
            int start = i;
            while (i < text.length() && isWordChar(text.codePointAt(i))) {
                i += Character.charCount(text.codePointAt(i));
            }
            if (i > start) {
                String folded = fold(text.substring(start, i));
                if (!folded.isEmpty()) {
                    sink.word(folded, i);
                }
            } else {
                i += Character.charCount(text.codePointAt(i));
            }
        }
    }

    /**
     * What a word is made of, as SQLite's {@code unicode61} tokenizer has it with {@code remove_diacritics}: a letter
     * (L*), a number (N*), a private-use character (Co), or a combining diacritical mark (U+0300–U+036F); anything
     * else — other marks included — separates words.
     */
    private static boolean isWordChar(int cp) {
        return switch (Character.getType(cp)) {
            case Character.UPPERCASE_LETTER, Character.LOWERCASE_LETTER, Character.TITLECASE_LETTER, Character.MODIFIER_LETTER,
                    Character.OTHER_LETTER, Character.DECIMAL_DIGIT_NUMBER, Character.LETTER_NUMBER, Character.OTHER_NUMBER,
                    Character.PRIVATE_USE -> true;
            case Character.NON_SPACING_MARK -> cp >= 0x300 && cp <= 0x36F;
            default -> false;
        };
    }

    /**
     * A word folded: the accents of Latin letters removed (decomposed, and the combining diacritical marks that follow
     * a Latin letter dropped — as {@code remove_diacritics 2} does; other scripts keep theirs), recomposed, in lower
     * case (the root locale).
     */
    private static String fold(String word) {
        String decomposed = Normalizer.normalize(word, Normalizer.Form.NFD);
        StringBuilder b = new StringBuilder(decomposed.length());
        boolean afterLatin = false;
        for (int i = 0; i < decomposed.length(); ) {
            int cp = decomposed.codePointAt(i);
            i += Character.charCount(cp);
            boolean diacritic = cp >= 0x300 && cp <= 0x36F;
            if (diacritic && afterLatin) {
                continue;
            }
            if (!diacritic) {
                afterLatin = Character.UnicodeScript.of(cp) == Character.UnicodeScript.LATIN;
            }
            b.appendCodePoint(cp);
        }
        return Normalizer.normalize(b, Normalizer.Form.NFC).toLowerCase(Locale.ROOT);
    }

    @Override
    public String toString() {
        return "SearchQuery" + terms;
    }
}
