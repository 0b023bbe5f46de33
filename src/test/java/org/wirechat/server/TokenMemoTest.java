package org.wirechat.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.wirechat.server.core.auth.Tokens;
import org.wirechat.server.core.rules.Decisions;
import org.wirechat.server.data.DataDirectory;
import org.wirechat.server.storage.SqliteStore;

/**
 * A token memo is one connection's: a gRPC connection's calls run at once on several threads and share it. A token
 * presented again through it is not hashed again, and however its calls interleave, each is answered for its own
 * token — never with the account of another token presented on the same connection meanwhile.
 */
@Timeout(60)
class TokenMemoTest {
    @TempDir
    Path dir;
    SqliteStore store;
    Tokens tokens;
    final MutableClock clock = new MutableClock();

    @BeforeEach
    void open() {
        store = DataDirectory.open(Decisions.RULES, dir, e -> { });
        tokens = new Tokens(store, clock, Duration.ofDays(1), Duration.ofDays(30));
    }

    @AfterEach
    void close() {
        store.close();
    }

    long account(String name) {
        return store.create(name, name + " Example", "not-a-hash", clock.millis()).orElseThrow().id();
    }

    static Optional<Long> accountOf(Optional<Tokens.Session> s) {
        return s.map(Tokens.Session::accountId);
    }

    @Test
    void aTokenPresentedAgainThroughItsMemoIsHashedOnce() {
        long alice = account("alice");
        String token = tokens.issue(alice).token();
        Tokens.Memo memo = new Tokens.Memo();
        assertThat(memo.knows(token)).isFalse();
        long before = tokens.hashes();
        for (int i = 0; i < 20; i++) {
            assertThat(accountOf(tokens.session(token, memo))).contains(alice);
        }
        assertThat(tokens.hashes() - before).isEqualTo(1);
        assertThat(memo.knows(token)).isTrue();
        assertThat(memo.knows(tokens.issue(alice).token())).as("another token of the same account").isFalse();
    }

    @Test
    void aRevokedTokenIsNoLongerKnownThroughItsMemo() {
        long alice = account("alice");
        String token = tokens.issue(alice).token();
        Tokens.Memo memo = new Tokens.Memo();
        assertThat(accountOf(tokens.session(token, memo))).contains(alice);
        tokens.revoke(token);
        assertThat(memo.knows(token)).isFalse();
        assertThat(tokens.session(token, memo)).isEmpty();
    }

    @Test
    void aMemoSharedByConcurrentCallsNeverAnswersATokenWithAnotherTokensAccount() throws Exception {
        long[] accounts = {account("alice"), account("bob")};
        String[] issued = {tokens.issue(accounts[0]).token(), tokens.issue(accounts[1]).token()};
        Tokens.Memo shared = new Tokens.Memo();
        int threads = 8;
        int rounds = 200_000;
        CountDownLatch go = new CountDownLatch(1);
        AtomicLong wrong = new AtomicLong();
        AtomicLong refused = new AtomicLong();
        List<Thread> running = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            int first = t;
            running.add(Thread.ofPlatform().start(() -> {
                try {
                    go.await();
                } catch (InterruptedException e) {
                    return;
                }
                for (int i = 0; i < rounds; i++) { // each thread alternates, so the memo changes hands all the time
                    int who = (first + i) % 2;
                    Optional<Tokens.Session> s = tokens.session(issued[who], shared);
                    if (s.isEmpty()) {
                        refused.incrementAndGet();
                    } else if (s.get().accountId() != accounts[who]) {
                        wrong.incrementAndGet();
                    }
                }
            }));
        }
        go.countDown();
        for (Thread t : running) {
            t.join();
        }
        assertThat(wrong.get()).as("calls answered with the other token's account").isZero();
        assertThat(refused.get()).as("valid tokens refused").isZero();
    }
}
