package org.wirechat.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.wirechat.server.ServerFixture.PASSWORD;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.wirechat.protocol.ErrorCode;
import org.wirechat.protocol.Request;
import org.wirechat.protocol.Response;
import org.wirechat.server.core.admission.AbuseLimits;

/**
 * The victim's view of password guessing: an attacker looping wrong passwords for alice from other
 * addresses (127.0.0.2…, loopback) cannot keep alice out. Default limits; the server's clock is moved by
 * hand. SQLite here; {@code PostgresLockoutTest} runs the same on PostgreSQL, where the per-username
 * state and the known addresses live in the database.
 */
@Timeout(120)
class LockoutTest {
    static final String USUAL = "127.0.0.1";
    static final long ACCOUNT_WAIT_MAX = AbuseLimits.DEFAULTS.loginAccountWaitMax().toMillis();

    Backend backend() {
        return Backend.SQLITE;
    }

    @TempDir
    Path dir;
    ServerFixture fx;
    final List<TestConnection> open = new ArrayList<>();

    @AfterEach
    void stop() {
        open.forEach(TestConnection::close);
        if (fx != null) {
            fx.close();
        }
    }

    private TestConnection from(String address) {
        TestConnection c = fx.connectFrom(address);
        open.add(c);
        return c;
    }

    /** alice's account, logged in once from her usual address. */
    private TestConnection start() {
        fx = new ServerFixture(backend(), dir, b -> b.abuse(AbuseLimits.DEFAULTS));
        TestConnection alice = from(USUAL);
        fx.register(alice, "alice");
        return alice;
    }

    /**
     * 4 wrong passwords every 240 s from each attacker address (each in turn, once a minute from each),
     * for 20 minutes; then alice logs in from her usual address right after each guess: every one of her
     * 120 logins succeeds. Before, the per-username count refused 120 of 120.
     */
    private void ownerAlwaysGetsIn(int attackers) {
        TestConnection alice = start();
        List<TestConnection> guessers = new ArrayList<>();
        for (int a = 0; a < attackers; a++) {
            guessers.add(from("127.0.0." + (2 + a)));
        }
        int in = 0;
        int warmUp = 20 * attackers;
        for (int round = 0; round < warmUp + 120; round++) {
            fx.clock.advance(Duration.ofSeconds(60 / attackers));
            Response guess = guessers.get(round % attackers).call(new Request.Login("alice", "wrong guess " + round));
            assertThat(guess).as("a guess is refused one way or the other").isInstanceOf(Response.Error.class);
            assertThat(((Response.Error) guess).code()).isIn(ErrorCode.BAD_CREDENTIALS, ErrorCode.RATE_LIMITED);
            if (round >= warmUp && alice.call(new Request.Login("alice", PASSWORD)) instanceof Response.LoggedIn) {
                in++;
            }
        }
        assertThat(in).as("alice's logins from her usual address that succeeded").isEqualTo(120);
    }

    @Test
    void anAttackerGuessingFromOneAddressCannotLockTheOwnerOut() {
        ownerAlwaysGetsIn(1);
    }

    @Test
    void anAttackerGuessingFromThreeAddressesCannotLockTheOwnerOut() {
        ownerAlwaysGetsIn(3);
    }

    /**
     * From an address new to her account, alice may have to wait for the guesses made from elsewhere, but
     * never more than the account-wide maximum, and then she gets in.
     */
    @Test
    void fromANewAddressTheOwnerWaitsAtMostTheAccountWideMaximum() {
        start();
        TestConnection guesser = from("127.0.0.2");
        TestConnection guesser2 = from("127.0.0.3");
        long longest = 0;
        for (int round = -20; round < 30; round++) { // 20 minutes of guessing before alice comes
            for (TestConnection g : List.of(guesser, guesser2)) {
                fx.clock.advance(Duration.ofSeconds(30));
                g.call(new Request.Login("alice", "wrong guess " + round));
            }
            if (round < 0) {
                continue;
            }
            TestConnection alice = from("127.0.1." + (1 + round)); // another new address each time
            Response r = alice.call(new Request.Login("alice", PASSWORD));
            if (r instanceof Response.Error e) {
                assertThat(e.code()).as(e.reason()).isEqualTo(ErrorCode.RATE_LIMITED);
                long wait = Long.parseLong(e.details().get(0));
                assertThat(wait).as("the wait told").isBetween(1L, ACCOUNT_WAIT_MAX);
                longest = Math.max(longest, wait);
                fx.clock.advance(Duration.ofMillis(wait));
                r = alice.call(new Request.Login("alice", PASSWORD));
            }
            assertThat(r).as("round %d: in after the wait", round).isInstanceOf(Response.LoggedIn.class);
        }
        assertThat(longest).as("the account-wide bound did bite").isPositive();
    }

    /**
     * Many addresses together guess no faster than the account-wide bound: 10 addresses × 5 guesses at one
     * instant, and only the first 5 are checked. alice, from her usual address, still gets in.
     */
    @Test
    void guessesFromManyAddressesAreBoundedTogetherButNotForTheOwner() {
        TestConnection alice = start();
        int checked = 0;
        int refused = 0;
        for (int a = 0; a < 10; a++) {
            TestConnection g = from("127.0.0." + (2 + a));
            for (int i = 0; i < 5; i++) {
                ErrorCode code = ((Response.Error) g.call(new Request.Login("alice", "wrong guess " + a + "." + i))).code();
                if (code == ErrorCode.BAD_CREDENTIALS) {
                    checked++;
                } else {
                    assertThat(code).isEqualTo(ErrorCode.RATE_LIMITED);
                    refused++;
                }
            }
        }
        assertThat(checked).as("guesses checked").isEqualTo(AbuseLimits.DEFAULTS.loginFailuresPerAccount());
        assertThat(refused).isEqualTo(50 - checked);
        alice.ok(new Request.Login("alice", PASSWORD), Response.LoggedIn.class);
    }

    /** A guesser's own address slows down to the full backoff (15 minutes), whoever else logs in. */
    @Test
    void theGuessersOwnAddressStillSlowsDownToTheFullBackoff() {
        TestConnection alice = start();
        TestConnection g = from("127.0.0.2");
        long wait = 0;
        for (int i = 0; i < 40 && wait < AbuseLimits.DEFAULTS.loginBackoffMax().toMillis(); i++) {
            Response r = g.call(new Request.Login("alice", "wrong guess " + i));
            if (r instanceof Response.Error e && e.code() == ErrorCode.RATE_LIMITED) {
                wait = Long.parseLong(e.details().get(0));
                fx.clock.advance(Duration.ofMillis(wait));
                alice.ok(new Request.Login("alice", PASSWORD), Response.LoggedIn.class); // the owner does not reset the guesser
            }
        }
        assertThat(wait).isEqualTo(AbuseLimits.DEFAULTS.loginBackoffMax().toMillis());
    }
}
