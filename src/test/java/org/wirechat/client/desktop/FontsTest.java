package org.wirechat.client.desktop;

import static org.assertj.core.api.Assertions.assertThat;

import java.awt.Font;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Emoji the interface font lacks are drawn in a font that has them. */
@Timeout(60)
class FontsTest {
    /** A font that draws nothing beyond the Basic Multilingual Plane, like many interface fonts and emoji. */
    private static final Font PLAIN = new Font(Font.DIALOG, Font.PLAIN, 12) {
        @Override
        public boolean canDisplay(int codePoint) {
            return codePoint < 0x10000 && codePoint != 0x2764;
        }
    };

    private static Font having(String family, int from, int to) {
        return new Font(Font.DIALOG, Font.PLAIN, 12) {
            @Override
            public boolean canDisplay(int codePoint) {
                return codePoint >= from && codePoint <= to;
            }

            @Override
            public String getFamily() {
                return family;
            }
        };
    }

    @Test
    void emojiGoToTheFirstFontThatHasThemWithTheirJoinersAndModifiers() {
        Fonts fonts = new Fonts(List.of(having("Symbols", 0x2700, 0x27BF), having("Emoji", 0x1F000, 0x1FAFF)));
        assertThat(fonts.runs(PLAIN, "hi 👋🏽 all ❤️ ok")).containsExactly(
                new Fonts.Run("hi ", null),
                new Fonts.Run("👋🏽", "Emoji"), // the skin tone stays with its hand
                new Fonts.Run(" all ", null),
                new Fonts.Run("❤️", "Symbols"), // the variation selector stays with its heart
                new Fonts.Run(" ok", null));
    }

    @Test
    void withNoFontThatHasItTheTextStaysInOne() {
        Fonts fonts = new Fonts(List.of(having("Symbols", 0x2700, 0x27BF)));
        assertThat(fonts.runs(PLAIN, "a 🦜 b")).containsExactly(new Fonts.Run("a 🦜 b", null));
        assertThat(fonts.runs(PLAIN, "")).isEmpty();
    }
}
