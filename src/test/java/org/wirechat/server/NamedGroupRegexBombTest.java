package org.wirechat.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.wirechat.protocol.ErrorCode;
import org.wirechat.protocol.PatternMode;
import org.wirechat.protocol.Request;
import org.wirechat.protocol.Response;
import org.wirechat.server.account.AccountMatcher;

/**
 * Issue 33: LIST_ACCOUNTS with the 27 bytes {@code (?<n>((a{1000}){249}){249})} slipped past the size
 * check (it skipped named groups), and RE2/J built a program of 62 million instructions: an
 * OutOfMemoryError per request, and the server stopped when one landed in the deadline sweep. Now every
 * such request is answered INVALID_PATTERN while PINGs from others keep being answered.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class NamedGroupRegexBombTest {
    private static final List<String> ATTACKS = List.of("(?<n>((a{1000}){249}){249})", "(?P<n>((a{1000}){249}){249})",
            "(?<n>(?<m>(?<o>a{1000}){249}){249})", "(?i)(?<n>(?:(?i:a{1000}){249}){249})", "(?<n>((a{2,1000}){2,249}){2,249})");
    private static final int ATTACKERS = 6;
    private static final int ROUNDS = 3;

    @TempDir
    Path dir;
    ServerFixture fx;
    final ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();

    @AfterEach
    void stop() {
        threads.shutdownNow();
        if (fx != null) {
            fx.close();
        }
    }

    @Test
    void aNamedGroupRegexBombFromSeveralConnectionsIsRefusedAndTheServerKeepsAnswering() throws Exception {
        fx = new ServerFixture(dir);
        String token;
        try (TestConnection c = fx.connect()) {
            token = fx.register(c, "alice");
        }
        try (TestConnection other = fx.connect()) {
            AtomicBoolean done = new AtomicBoolean();
            Future<Integer> pings = threads.submit(() -> {
                int n = 0;
                while (!done.get()) {
                    other.ok(new Request.Ping(), Response.Pong.class);
                    n++;
                }
                return n;
            });
            CountDownLatch gate = new CountDownLatch(1);
            List<Future<Integer>> attackers = new ArrayList<>();
            for (int i = 0; i < ATTACKERS; i++) {
                attackers.add(threads.submit(() -> {
                    try (TestConnection c = fx.connect()) {
                        gate.await();
                        int refused = 0;
                        for (int r = 0; r < ROUNDS; r++) {
                            for (String p : ATTACKS) {
                                Response.Error e = c.error(ServerFixture.list(token, PatternMode.REGEX, p, "", 10),
                                        ErrorCode.INVALID_PATTERN);
                                assertThat(e.reason()).as(p).contains("expression too large")
                                        .contains(String.valueOf(AccountMatcher.MAX_PROGRAM));
                                refused++;
                            }
                        }
                        c.ok(ServerFixture.list(token, PatternMode.REGEX, "(?<n>al{1,3}ice)", "", 10), Response.Accounts.class);
                        return refused;
                    }
                }));
            }
            gate.countDown();
            for (Future<Integer> a : attackers) {
                assertThat(a.get()).isEqualTo(ROUNDS * ATTACKS.size());
            }
            done.set(true);
            assertThat(pings.get()).as("PINGs answered during the attack").isPositive();
            other.ok(new Request.Ping(), Response.Pong.class);
        }
        assertThat(fx.server().failure()).as("what stopped the server").isEmpty();
        try (TestConnection fresh = fx.connect()) {
            fresh.ok(new Request.Ping(), Response.Pong.class);
            Response.Accounts found = fresh.ok(ServerFixture.list(token, PatternMode.REGEX, "(?<n>a{0,5}lice)", "", 10),
                    Response.Accounts.class);
            assertThat(found.accounts()).hasSize(1);
        }
    }
}
