package org.wirechat.server.core.admission;

import java.time.Duration;
import java.util.Locale;
import java.util.concurrent.ConcurrentHashMap;
import org.wirechat.server.core.port.Cluster;
import org.wirechat.server.core.port.LoginFailures;

/**
 * Slows password guessing without letting a guesser lock the account's owner out. Three counts of
 * failures, each with its own allowance, after which every further attempt must wait 1 s, doubling:
 * <ul>
 * <li>per username <em>and</em> address: the guesser's own address slows down (to the maximum backoff),
 *     nobody else's;
 * <li>per address, whatever the usernames: one address spraying many names slows down likewise;
 * <li>per username, from addresses the account does not know: bounds how fast many addresses together can
 *     guess one account, but its wait is capped low ({@code loginAccountWaitMax}), and an address the
 *     account logged in from within {@link #KNOWN_FOR} neither counts at it nor waits for it (a login from
 *     there is proof that whoever is there had the password lately; a device id is not, since it is no
 *     secret).
 * </ul>
 * An attempt is counted as a failure <em>when it begins</em>, before its password is checked, and only a
 * success takes that back: so guesses sent in parallel are counted as they arrive, and no more than the
 * allowed number are ever checked at once. A throttled attempt is refused before the password is checked,
 * so it reveals nothing; why it must wait is not told, since that would say which count bit. A success
 * clears the failures of its username and address, takes back its own count at the username and at the
 * address (never the others': owning one account must not reset an address that guesses others, nor the
 * count of guesses others made at the account), and makes the address known to the account. Failures are
 * forgotten after the maximum backoff without one. Unknown usernames are throttled exactly like real
 * ones (an unknown name has no known address). Besides, each username may have at most
 * {@code loginsPerAccountPerMinute} passwords checked a minute on one server, right or wrong (a token
 * bucket), which bounds the hashing one account can cause; a refusal by it is told apart.
 *
 * <p>The per-username and per-username-and-address failures and the known addresses live in the
 * {@link Cluster}: in memory for a server on its own, in the shared store when several servers share one,
 * so guessing through several servers is no faster than through one. The per-address failures and the
 * per-username bucket stay in each server. Memory: one small entry per key with recent failures or checks
 * and per account and address with a recent success; {@link #prune} drops the stale ones.
 */
public final class LoginThrottle {
    /** How long a successful login from an address makes it known to the account. */
    public static final Duration KNOWN_FOR = Duration.ofDays(30);

    /**
     * Why an attempt must wait, if it must: 0 millis when it may go on. {@code known}: it came from an
     * address known to the account, so it was not counted at the username (what {@link #succeeded} must
     * know to take back only what was counted).
     */
    public record Wait(long millis, boolean checksPerMinute, boolean known) {
        public boolean refused() {
            return millis > 0;
        }
    }

    private record State(int failures, long lastFailureMillis, long blockedUntilMillis) {
    }

    /** Keeps the per-username and per-username-and-address state, and the known addresses. */
    private final Cluster cluster;
    private final ConcurrentHashMap<String, State> addresses = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, TokenBucket> checks = new ConcurrentHashMap<>();
    private final int freePerAccount;
    private final int freePerAddress;
    private final long maxMillis;
    private final long accountMaxMillis;
    private final int checksPerMinute;

    /** The per-username state kept by the cluster. */
    public LoginThrottle(AbuseLimits limits, Cluster cluster) {
        this.cluster = cluster;
        this.freePerAccount = limits.loginFailuresPerAccount();
        this.freePerAddress = limits.loginFailuresPerAddress();
        this.maxMillis = limits.loginBackoffMax().toMillis();
        this.accountMaxMillis = Math.min(maxMillis, limits.loginAccountWaitMax().toMillis());
        this.checksPerMinute = limits.loginsPerAccountPerMinute();
    }

    private static String key(String username) {
        return username.toLowerCase(Locale.ROOT);
    }

    /** The key of a username and an address (a space is never part of a username). */
    private static String pair(String key, String address) {
        return key + " " + address;
    }

    /**
     * A password check for {@code username} (account {@code accountId}, 0 if there is none) from
     * {@code address} is about to begin. Returns no wait if it may, and then counts it as a failure until
     * {@link #succeeded} (at the username only from an address the account does not know); otherwise counts
     * nothing and returns the wait.
     */
    public Wait begin(String username, long accountId, String address, long nowMillis) {
        String key = key(username);
        String pair = pair(key, address);
        // asked for unknown names too, so that the answer's timing does not tell whether a name exists
        boolean known = cluster.knownLoginSource(accountId, address, nowMillis - KNOWN_FOR.toMillis()) && accountId > 0;
        long wait = count(pair, freePerAccount, maxMillis, nowMillis);
        if (wait > 0) {
            return new Wait(wait, false, known);
        }
        wait = known ? 0 : count(key, freePerAccount, accountMaxMillis, nowMillis);
        if (wait > 0) {
            takeBack(pair, freePerAccount, maxMillis);
            return new Wait(wait, false, false);
        }
        long[] w = new long[1];
        addresses.compute(address, (k, s) -> {
            w[0] = wait(s, nowMillis);
            return w[0] > 0 ? s : next(s, freePerAddress, maxMillis, nowMillis);
        });
        if (w[0] > 0) {
            takeBack(pair, freePerAccount, maxMillis);
            if (!known) {
                takeBack(key, freePerAccount, accountMaxMillis);
            }
            return new Wait(w[0], false, known);
        }
        long nowNanos = nowMillis * 1_000_000;
        checks.compute(key, (k, b) -> {
            TokenBucket bucket = b != null ? b : new TokenBucket(checksPerMinute, checksPerMinute / 60.0, nowNanos);
            w[0] = (bucket.tryTake(nowNanos) + 999_999) / 1_000_000;
            return bucket;
        });
        if (w[0] > 0) {
            takeBack(pair, freePerAccount, maxMillis);
            if (!known) {
                takeBack(key, freePerAccount, accountMaxMillis);
            }
            addresses.computeIfPresent(address, (k, s) -> previous(s, freePerAddress, maxMillis));
            return new Wait(w[0], true, known);
        }
        return new Wait(0, false, known);
    }

    /** Counts a failure at {@code key} unless it must wait; returns the wait, 0 when counted. */
    private long count(String key, int free, long capMillis, long nowMillis) {
        long[] wait = new long[1];
        cluster.recordLoginFailure(key, f -> { // under the row's lock; may run again on a retried transaction
            State s = f == null ? null : new State(f.failures(), f.lastFailureMillis(), f.blockedUntilMillis());
            wait[0] = wait(s, nowMillis);
            State n = wait[0] > 0 ? s : next(s, free, capMillis, nowMillis);
            return new LoginFailures(n.failures(), n.lastFailureMillis(), n.blockedUntilMillis());
        });
        return wait[0];
    }

    /** Takes back one failure counted at {@code key}. */
    private void takeBack(String key, int free, long capMillis) {
        cluster.recordLoginFailure(key, f -> {
            State p = f == null ? null : previous(new State(f.failures(), f.lastFailureMillis(), f.blockedUntilMillis()), free,
                    capMillis);
            return p == null ? new LoginFailures(0, 0, 0) : new LoginFailures(p.failures(), p.lastFailureMillis(),
                    p.blockedUntilMillis());
        });
    }

    private long wait(State s, long now) {
        if (s == null || now - s.lastFailureMillis() > maxMillis) {
            return 0;
        }
        return Math.max(0, s.blockedUntilMillis() - now);
    }

    private State next(State s, int free, long capMillis, long now) {
        int failures = s == null || now - s.lastFailureMillis() > maxMillis ? 1 : s.failures() + 1;
        return state(failures, now, free, capMillis);
    }

    /** One failure fewer (null when none is left). */
    private State previous(State s, int free, long capMillis) {
        return s.failures() <= 1 ? null : state(s.failures() - 1, s.lastFailureMillis(), free, capMillis);
    }

    /** Blocked only from the allowed number of failures on (0: not blocked, whatever clock a racing attempt read). */
    private static State state(int failures, long lastFailure, int free, long capMillis) {
        long blockedUntil = 0;
        if (failures >= free) {
            int doublings = Math.min(failures - free, 30);
            blockedUntil = lastFailure + Math.min(capMillis, 1000L << doublings);
        }
        return new State(failures, lastFailure, blockedUntil);
    }

    /**
     * The password was right ({@code begun}: what {@link #begin} answered): the failures of this username
     * from this address are cleared, the failure this attempt counted at the username (if it did) and at the
     * address is taken back, and the address is known to the account from now on.
     */
    public void succeeded(String username, long accountId, String address, Wait begun, long nowMillis) {
        String key = key(username);
        cluster.clearLoginFailures(pair(key, address), 0);
        if (!begun.known()) {
            takeBack(key, freePerAccount, accountMaxMillis);
        }
        addresses.computeIfPresent(address, (k, s) -> previous(s, freePerAddress, maxMillis));
        cluster.recordLoginSource(accountId, address, nowMillis);
    }

    /** Forgets keys with no failure for the maximum backoff, full buckets, and addresses known too long ago. */
    public void prune(long nowMillis) {
        cluster.clearLoginFailures(null, nowMillis - maxMillis);
        cluster.forgetLoginSources(nowMillis - KNOWN_FOR.toMillis());
        addresses.values().removeIf(s -> nowMillis - s.lastFailureMillis() > maxMillis);
        long nowNanos = nowMillis * 1_000_000;
        checks.entrySet().removeIf(e -> e.getValue().isFull(nowNanos));
    }

    /** Addresses and per-username buckets currently remembered here (for tests and metrics; the usernames' failures are the cluster's). */
    public int size() {
        return addresses.size() + checks.size();
    }
}
