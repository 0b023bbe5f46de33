package org.wirechat.server.abuse;

import java.util.Locale;
import java.util.concurrent.ConcurrentHashMap;
import org.wirechat.server.storage.LoginFailures;
import org.wirechat.server.storage.SharedStore;

/**
 * Slows password guessing, per username and per source address. After the allowed number of failures,
 * every further attempt must wait: 1 s after the first extra failure, doubling up to the maximum.
 * A throttled attempt is refused <em>before</em> the password is checked, so it reveals nothing. A
 * success clears the username's failures (not the address's: owning one account must not reset an
 * address that guesses others). Failures are forgotten after the maximum backoff without one.
 * Unknown usernames are throttled exactly like real ones. Memory: one small entry per key with recent
 * failures; {@link #prune} drops the stale ones.
 *
 * <p>With a store shared by several servers, the per-username state lives in the store, so guessing one
 * account's password through several servers is no faster than through one; the per-address state
 * stays in each server.
 */
public final class LoginThrottle {
    private record State(int failures, long lastFailureMillis, long blockedUntilMillis) {
    }

    private final ConcurrentHashMap<String, State> accounts = new ConcurrentHashMap<>();
    /** The shared store keeping the per-username state, or {@code null} to keep it in {@link #accounts}. */
    private final SharedStore shared;
    private final ConcurrentHashMap<String, State> addresses = new ConcurrentHashMap<>();
    private final int freePerAccount;
    private final int freePerAddress;
    private final long maxMillis;

    public LoginThrottle(AbuseLimits limits) {
        this(limits, null);
    }

    /** With a store shared by several servers (not {@code null}), the per-username state is kept there. */
    public LoginThrottle(AbuseLimits limits, SharedStore shared) {
        this.shared = shared;
        this.freePerAccount = limits.loginFailuresPerAccount();
        this.freePerAddress = limits.loginFailuresPerAddress();
        this.maxMillis = limits.loginBackoffMax().toMillis();
    }

    private static String key(String username) {
        return username.toLowerCase(Locale.ROOT);
    }

    /** 0 if an attempt may be made now; otherwise the milliseconds to wait. */
    public long waitMillis(String username, String address, long nowMillis) {
        return Math.max(wait(accountState(key(username)), nowMillis), wait(addresses.get(address), nowMillis));
    }

    private State accountState(String key) {
        if (shared == null) {
            return accounts.get(key);
        }
        return shared.loginFailures(key).map(f -> new State(f.failures(), f.lastFailureMillis(), f.blockedUntilMillis()))
                .orElse(null);
    }

    private long wait(State s, long now) {
        if (s == null || now - s.lastFailureMillis() > maxMillis) {
            return 0;
        }
        return Math.max(0, s.blockedUntilMillis() - now);
    }

    public void failed(String username, String address, long nowMillis) {
        if (shared == null) {
            accounts.compute(key(username), (k, s) -> next(s, freePerAccount, nowMillis));
        } else {
            shared.recordLoginFailure(key(username), f -> {
                State n = next(f == null ? null : new State(f.failures(), f.lastFailureMillis(), f.blockedUntilMillis()),
                        freePerAccount, nowMillis);
                return new LoginFailures(n.failures(), n.lastFailureMillis(), n.blockedUntilMillis());
            });
        }
        addresses.compute(address, (k, s) -> next(s, freePerAddress, nowMillis));
    }

    private State next(State s, int free, long now) {
        int failures = s == null || now - s.lastFailureMillis() > maxMillis ? 1 : s.failures() + 1;
        long blockedUntil = now;
        if (failures >= free) {
            int doublings = Math.min(failures - free, 30);
            blockedUntil = now + Math.min(maxMillis, 1000L << doublings);
        }
        return new State(failures, now, blockedUntil);
    }

    public void succeeded(String username) {
        if (shared == null) {
            accounts.remove(key(username));
        } else {
            shared.clearLoginFailures(key(username), 0);
        }
    }

    /** Forgets keys with no failure for the maximum backoff. */
    public void prune(long nowMillis) {
        accounts.values().removeIf(s -> nowMillis - s.lastFailureMillis() > maxMillis);
        if (shared != null) {
            shared.clearLoginFailures(null, nowMillis - maxMillis);
        }
        addresses.values().removeIf(s -> nowMillis - s.lastFailureMillis() > maxMillis);
    }

    /** Keys currently remembered (for tests and metrics). */
    public int size() {
        return accounts.size() + addresses.size();
    }
}
