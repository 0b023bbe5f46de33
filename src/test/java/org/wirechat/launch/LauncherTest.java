package org.wirechat.launch;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class LauncherTest {
    @Test
    void readsTheFeatureReleaseOfEverySpellingOfTheVersion() {
        assertThat(Launcher.feature("1.8")).isEqualTo(8);
        assertThat(Launcher.feature("11")).isEqualTo(11);
        assertThat(Launcher.feature("17")).isEqualTo(17);
        assertThat(Launcher.feature("21")).isEqualTo(21);
        assertThat(Launcher.feature("25.0.1")).isEqualTo(25);
        assertThat(Launcher.feature("nonsense")).isZero();
        assertThat(Launcher.feature(System.getProperty("java.specification.version"))).isGreaterThanOrEqualTo(Launcher.MIN_JAVA);
    }
}
