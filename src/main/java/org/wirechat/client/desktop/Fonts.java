package org.wirechat.client.desktop;

import java.awt.Font;
import java.awt.GraphicsEnvironment;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Emoji and other characters the interface font lacks, drawn in an installed font that has them instead
 * of as empty boxes: a message is cut into runs, each with the family to draw it in ({@code null}: the
 * component's own). Where no installed font has a character, it stays in the own font (a box, as before).
 */
final class Fonts {
    /** A piece of text and the font family to draw it in, {@code null} for the component's own. */
    record Run(String text, String family) {
    }

    /** Fonts with emoji or many symbols, tried first, in this order; then every other installed family. */
    static final List<String> PREFERRED = List.of("Noto Color Emoji", "Noto Emoji", "Segoe UI Emoji", "Apple Color Emoji",
            "Twemoji", "EmojiOne Color", "Symbola", "Noto Sans Symbols 2", "Noto Sans Symbols", "DejaVu Sans");
    /** Joiners, variation selectors and skin-tone modifiers belong to the character before them. */
    private static final Set<Integer> JOINING = Set.of(0x200D, 0xFE0E, 0xFE0F, 0x20E3);

    private List<Font> candidates;
    private final Map<Integer, String> found = new HashMap<>();

    /** The installed fonts, looked up when first needed. */
    Fonts() {
    }

    /** These fonts only (for tests). */
    Fonts(List<Font> candidates) {
        this.candidates = List.copyOf(candidates);
    }

    List<Run> runs(Font base, String text) {
        List<Run> runs = new ArrayList<>();
        StringBuilder current = new StringBuilder();
        String currentFamily = null;
        for (int i = 0; i < text.length(); ) {
            int cp = text.codePointAt(i);
            i += Character.charCount(cp);
            String family;
            if (current.length() > 0 && (JOINING.contains(cp) || (cp >= 0x1F3FB && cp <= 0x1F3FF))) {
                family = currentFamily; // part of the character before it
            } else {
                family = base.canDisplay(cp) ? null : fallback(cp);
            }
            if (current.length() > 0 && !Objects.equals(family, currentFamily)) {
                runs.add(new Run(current.toString(), currentFamily));
                current.setLength(0);
            }
            currentFamily = family;
            current.appendCodePoint(cp);
        }
        if (current.length() > 0) {
            runs.add(new Run(current.toString(), currentFamily));
        }
        return runs;
    }

    /** The first candidate that has the character, or {@code null} (remembered either way). */
    private String fallback(int cp) {
        return found.computeIfAbsent(cp, c -> {
            for (Font f : candidates()) {
                if (f.canDisplay(c)) {
                    return f.getFamily();
                }
            }
            return null;
        });
    }

    private List<Font> candidates() {
        if (candidates == null) {
            List<Font> fonts = new ArrayList<>();
            List<String> installed = List.of(GraphicsEnvironment.getLocalGraphicsEnvironment().getAvailableFontFamilyNames());
            for (String name : PREFERRED) {
                if (installed.contains(name)) {
                    fonts.add(new Font(name, Font.PLAIN, 12));
                }
            }
            for (String name : installed) {
                if (!PREFERRED.contains(name)) {
                    fonts.add(new Font(name, Font.PLAIN, 12));
                }
            }
            candidates = fonts;
        }
        return candidates;
    }
}
