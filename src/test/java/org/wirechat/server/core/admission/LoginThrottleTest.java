package org.wirechat.server.core.admission;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.wirechat.server.cluster.LocalCluster;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class LoginThrottleTest {
    static final long ALICE = 7;

    /**
     * Regression: two logins from one address, the second counted first with a clock read a few ms
     * later, made the first wait those few ms ("try again in 1 s") although no limit was near.
     */
    @Test
    void anAttemptWhoseClockReadIsOlderThanARacingOnesIsNotRefused() {
        LoginThrottle t = new LoginThrottle(AbuseLimits.DEFAULTS, new LocalCluster());
        LoginThrottle.Wait a = t.begin("alice", ALICE, "10.0.0.1", 1_003);
        LoginThrottle.Wait b = t.begin("bob", 8, "10.0.0.1", 1_000);
        assertThat(a.millis()).isZero();
        assertThat(b.millis()).isZero();
        t.succeeded("alice", ALICE, "10.0.0.1", a, 1_003);
        t.succeeded("bob", 8, "10.0.0.1", b, 1_003);
    }

    @Test
    void attemptsAreCountedWhenTheyBeginAndASuccessTakesItsOwnBack() {
        LoginThrottle t = new LoginThrottle(AbuseLimits.DEFAULTS.withLoginFailures(3, 3, Duration.ofMinutes(15)), new LocalCluster());
        long now = 1_000_000;
        LoginThrottle.Wait first = t.begin("alice", ALICE, "10.0.0.1", now);
        for (int i = 0; i < 2; i++) {
            assertThat(t.begin("alice", ALICE, "10.0.0.1", now).millis()).as("attempt %d", i + 2).isZero(); // three in flight
        }
        assertThat(first.millis()).isZero();
        assertThat(t.begin("alice", ALICE, "10.0.0.1", now).millis()).as("a fourth while three are in flight").isEqualTo(1_000);
        t.succeeded("alice", ALICE, "10.0.0.1", first, now); // one was right: the name and address clear, the address takes back one
        assertThat(t.begin("alice", ALICE, "10.0.0.1", now).millis()).isZero();
        assertThat(t.begin("bob", 8, "10.0.0.1", now).millis()).as("the address has three failures again").isEqualTo(1_000);
    }

    /** 20 failures from elsewhere: an address new to alice waits at most the account-wide maximum, a known one not at all. */
    @Test
    void anAddressTheAccountLoggedInFromNeverWaitsForGuessesFromElsewhere() {
        LoginThrottle t = new LoginThrottle(AbuseLimits.DEFAULTS, new LocalCluster());
        long now = 1_000_000;
        t.succeeded("alice", ALICE, "10.0.0.1", t.begin("alice", ALICE, "10.0.0.1", now), now); // her usual address
        for (int i = 0; i < 20; i++) { // four guessers, five each: only the first five are let through
            long wait = t.begin("alice", ALICE, "10.9.0." + (i / 5), now).millis();
            assertThat(wait > 0).as("guess %d waits", i).isEqualTo(i >= 5);
        }
        for (int i = 0; i < 20; i++) { // keeps the count high: a guess each 30 s
            now += 30_000;
            t.begin("alice", ALICE, "10.9.1." + i, now);
        }
        LoginThrottle.Wait usual = t.begin("alice", ALICE, "10.0.0.1", now);
        assertThat(usual.millis()).as("her usual address").isZero();
        assertThat(usual.known()).isTrue();
        long wait = t.begin("alice", ALICE, "10.5.5.5", now).millis();
        assertThat(wait).as("a new address").isPositive().isLessThanOrEqualTo(AbuseLimits.DEFAULTS.loginAccountWaitMax().toMillis());
        assertThat(t.begin("alice", ALICE, "10.5.5.5", now + wait).millis()).isZero();
    }

    @Test
    void anAddressIsKnownForThirtyDaysAfterItsLastLogin() {
        LoginThrottle t = new LoginThrottle(AbuseLimits.DEFAULTS, new LocalCluster());
        long now = 1_000_000;
        t.succeeded("alice", ALICE, "10.0.0.1", t.begin("alice", ALICE, "10.0.0.1", now), now);
        long days30 = LoginThrottle.KNOWN_FOR.toMillis();
        assertThat(t.begin("alice", ALICE, "10.0.0.1", now + days30).known()).isTrue();
        assertThat(t.begin("alice", ALICE, "10.0.0.1", now + days30 + 1).known()).isFalse();
        assertThat(t.begin("alice", 0, "10.0.0.1", now).known()).as("no account: never known").isFalse();
        assertThat(t.begin("alice", 99, "10.0.0.1", now).known()).as("another account of the name").isFalse();
    }
}
