package org.wirechat.server.abuse;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class LoginThrottleTest {
    /**
     * Regression: two logins from one address, the second counted first with a clock read a few ms
     * later, made the first wait those few ms ("try again in 1 s") although no limit was near.
     */
    @Test
    void anAttemptWhoseClockReadIsOlderThanARacingOnesIsNotRefused() {
        LoginThrottle t = new LoginThrottle(AbuseLimits.DEFAULTS);
        assertThat(t.begin("alice", "10.0.0.1", 1_003)).isZero();
        assertThat(t.begin("bob", "10.0.0.1", 1_000)).isZero();
        t.succeeded("alice", "10.0.0.1");
        t.succeeded("bob", "10.0.0.1");
    }

    @Test
    void attemptsAreCountedWhenTheyBeginAndASuccessTakesItsOwnBack() {
        LoginThrottle t = new LoginThrottle(AbuseLimits.DEFAULTS.withLoginFailures(3, 3, Duration.ofMinutes(15)));
        long now = 1_000_000;
        for (int i = 0; i < 3; i++) {
            assertThat(t.begin("alice", "10.0.0.1", now)).as("attempt %d", i + 1).isZero(); // three in flight
        }
        assertThat(t.begin("alice", "10.0.0.1", now)).as("a fourth while three are in flight").isEqualTo(1_000);
        t.succeeded("alice", "10.0.0.1"); // one of them was right: the name is cleared, the address takes back one
        assertThat(t.begin("alice", "10.0.0.1", now)).isZero();
        assertThat(t.begin("bob", "10.0.0.1", now)).as("the address has three failures again").isEqualTo(1_000);
    }
}
