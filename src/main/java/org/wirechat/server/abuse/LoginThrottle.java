package org.wirechat.server.abuse;

import java.util.Locale;
import java.util.concurrent.ConcurrentHashMap;
import org.wirechat.server.cluster.Cluster;
import org.wirechat.server.cluster.LocalCluster;
import org.wirechat.server.cluster.LoginFailures;

/**
 * Slows password guessing, per username and per source address. After the allowed number of failures,
 * every further attempt must wait: 1 s after the first extra failure, doubling up to the maximum.
 * An attempt is counted as a failure <em>when it begins</em>, before its password is checked, and only
 * a success takes that back: so guesses sent in parallel are counted as they arrive, and no more than
 * the allowed number are ever checked at once. A throttled attempt is refused before the password is
 * checked, so it reveals nothing. A success clears the username's failures (and takes back its own at
 * the address, not the others: owning one account must not reset an address that guesses others).
 * Failures are forgotten after the maximum backoff without one. Unknown usernames are throttled exactly
 * like real ones. Besides, each username may have at most {@code loginsPerAccountPerMinute} passwords
 * checked a minute, right or wrong (a token bucket), which bounds the hashing one account can cause.
 * Memory: one small entry per key with recent failures or checks; {@link #prune} drops the stale ones.
 *
 * <p>The per-username failures live in the {@link Cluster}: in memory for a server on its own, in the
 * shared store when several servers share one, so guessing one account's password through several
 * servers is no faster than through one. The per-address failures and the per-username bucket stay in
 * each server.
 */
public final class LoginThrottle {
    private record State(int failures, long lastFailureMillis, long blockedUntilMillis) {
    }

    /** Keeps the per-username state. */
    private final Cluster cluster;
    private final ConcurrentHashMap<String, State> addresses = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<String, TokenBucket> checks = new ConcurrentHashMap<>();
    private final int freePerAccount;
    private final int freePerAddress;
    private final long maxMillis;
    private final int checksPerMinute;

    /** A server on its own. */
    public LoginThrottle(AbuseLimits limits) {
        this(limits, new LocalCluster());
    }

    /** The per-username state kept by the cluster. */
    public LoginThrottle(AbuseLimits limits, Cluster cluster) {
        this.cluster = cluster;
        this.freePerAccount = limits.loginFailuresPerAccount();
        this.freePerAddress = limits.loginFailuresPerAddress();
        this.maxMillis = limits.loginBackoffMax().toMillis();
        this.checksPerMinute = limits.loginsPerAccountPerMinute();
    }

    private static String key(String username) {
        return username.toLowerCase(Locale.ROOT);
    }

    /**
     * A password check for {@code username} from {@code address} is about to begin. Returns 0 if it may,
     * and then counts it as a failure until {@link #succeeded}; otherwise counts nothing and returns the
     * milliseconds to wait. Why it must wait is not told: that would say which limit bit.
     */
    public long begin(String username, String address, long nowMillis) {
        String key = key(username);
        long[] wait = new long[1];
        countUnlessBlocked(key, nowMillis, wait);
        if (wait[0] > 0) {
            return wait[0];
        }
        addresses.compute(address, (k, s) -> {
            wait[0] = wait(s, nowMillis);
            return wait[0] > 0 ? s : next(s, freePerAddress, nowMillis);
        });
        if (wait[0] > 0) {
            takeBack(key, null);
            return wait[0];
        }
        long nowNanos = nowMillis * 1_000_000;
        checks.compute(key, (k, b) -> {
            TokenBucket bucket = b != null ? b : new TokenBucket(checksPerMinute, checksPerMinute / 60.0, nowNanos);
            wait[0] = (bucket.tryTake(nowNanos) + 999_999) / 1_000_000;
            return bucket;
        });
        if (wait[0] > 0) {
            takeBack(key, address);
            return wait[0];
        }
        return 0;
    }

    /** Counts a failure for the username unless it must wait; the wait goes in {@code wait[0]}. */
    private void countUnlessBlocked(String key, long nowMillis, long[] wait) {
        cluster.recordLoginFailure(key, f -> { // under the row's lock; may run again on a retried transaction
            State s = f == null ? null : new State(f.failures(), f.lastFailureMillis(), f.blockedUntilMillis());
            wait[0] = wait(s, nowMillis);
            State n = wait[0] > 0 ? s : next(s, freePerAccount, nowMillis);
            return new LoginFailures(n.failures(), n.lastFailureMillis(), n.blockedUntilMillis());
        });
    }

    /** Takes back an attempt that was refused after it was counted: at the username, and at the address if given. */
    private void takeBack(String key, String address) {
        cluster.recordLoginFailure(key, f -> {
            State p = f == null ? null : previous(new State(f.failures(), f.lastFailureMillis(), f.blockedUntilMillis()),
                    freePerAccount);
            return p == null ? new LoginFailures(0, 0, 0) : new LoginFailures(p.failures(), p.lastFailureMillis(),
                    p.blockedUntilMillis());
        });
        if (address != null) {
            addresses.computeIfPresent(address, (k, s) -> previous(s, freePerAddress));
        }
    }

    private long wait(State s, long now) {
        if (s == null || now - s.lastFailureMillis() > maxMillis) {
            return 0;
        }
        return Math.max(0, s.blockedUntilMillis() - now);
    }

    private State next(State s, int free, long now) {
        int failures = s == null || now - s.lastFailureMillis() > maxMillis ? 1 : s.failures() + 1;
        return state(failures, now, free);
    }

    /** One failure fewer (null when none is left). */
    private State previous(State s, int free) {
        return s.failures() <= 1 ? null : state(s.failures() - 1, s.lastFailureMillis(), free);
    }

    /** Blocked only from the allowed number of failures on (0: not blocked, whatever clock a racing attempt read). */
    private State state(int failures, long lastFailure, int free) {
        long blockedUntil = 0;
        if (failures >= free) {
            int doublings = Math.min(failures - free, 30);
            blockedUntil = lastFailure + Math.min(maxMillis, 1000L << doublings);
        }
        return new State(failures, lastFailure, blockedUntil);
    }

    /**
     * The password was right: the username's failures are cleared, and the failure this attempt counted
     * at the address is taken back.
     */
    public void succeeded(String username, String address) {
        cluster.clearLoginFailures(key(username), 0);
        addresses.computeIfPresent(address, (k, s) -> previous(s, freePerAddress));
    }

    /** Forgets keys with no failure for the maximum backoff, and full buckets. */
    public void prune(long nowMillis) {
        cluster.clearLoginFailures(null, nowMillis - maxMillis);
        addresses.values().removeIf(s -> nowMillis - s.lastFailureMillis() > maxMillis);
        long nowNanos = nowMillis * 1_000_000;
        checks.entrySet().removeIf(e -> e.getValue().isFull(nowNanos));
    }

    /** Addresses and per-username buckets currently remembered here (for tests and metrics; the usernames' failures are the cluster's). */
    public int size() {
        return addresses.size() + checks.size();
    }
}
