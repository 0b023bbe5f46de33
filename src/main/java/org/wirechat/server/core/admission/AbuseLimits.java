package org.wirechat.server.core.admission;

import java.time.Duration;

/**
 * The limits that keep one client, or one address, from hurting the others. Validated on construction.
 *
 * @param connectionsPerAddress open connections from one IP address at most
 * @param requestsPerSecond a connection's sustained request rate (token bucket refill)
 * @param requestBurst how many requests a connection may send at once (bucket size)
 * @param loginFailuresPerAccount failed logins for one username from one address before that address must
 *     wait for each further attempt on it; and failed logins for one username from anywhere before every
 *     address not known to the account must wait (at most {@code loginAccountWaitMax})
 * @param loginFailuresPerAddress failed logins from one address (any usernames) before attempts must wait
 * @param loginBackoffMax the longest wait of one address; the wait doubles from 1 s with each further
 *     failure; failures are forgotten after this long without one
 * @param loginAccountWaitMax the longest wait the account-wide bound imposes on an address new to the
 *     account (an address it logged in from lately never waits for it): low, so that guessing from
 *     elsewhere can delay the account's owner that long at most
 * @param accountsPerAddressPerHour account creations from one address per hour (bucket of that size)
 * @param loginsPerAccountPerMinute password checks (logins right or wrong, account deletions) for one
 *     username per minute, on one server (bucket of that size): bounds the hashing one account can cause
 * @param sessionsPerAccount live tokens one account may hold; a login beyond it revokes the oldest
 * @param frameTimeout a frame, once its first byte arrived, must arrive whole within this
 * @param writeTimeout a response must be taken by the client within this, or the connection is closed
 */
public record AbuseLimits(
        int connectionsPerAddress,
        int requestsPerSecond,
        int requestBurst,
        int loginFailuresPerAccount,
        int loginFailuresPerAddress,
        Duration loginBackoffMax,
        int accountsPerAddressPerHour,
        int loginsPerAccountPerMinute,
        int sessionsPerAccount,
        Duration frameTimeout,
        Duration writeTimeout,
        Duration loginAccountWaitMax) {

    public static final AbuseLimits DEFAULTS = new AbuseLimits(256, 500, 1000, 5, 20, Duration.ofMinutes(15), 20, 20, 100,
            Duration.ofSeconds(30), Duration.ofSeconds(30), Duration.ofMinutes(1));

    /** Limits so high they never bite: for tests and benchmarks that are not about abuse. */
    public static final AbuseLimits NONE = new AbuseLimits(1_000_000, 1_000_000_000, 1_000_000_000, 1_000_000, 1_000_000,
            Duration.ofSeconds(1), 1_000_000_000, 1_000_000_000, 1_000_000, Duration.ofHours(1), Duration.ofHours(1),
            Duration.ofMinutes(1));

    /** With the default account-wide wait of one minute at most. */
    public AbuseLimits(int connectionsPerAddress, int requestsPerSecond, int requestBurst, int loginFailuresPerAccount,
            int loginFailuresPerAddress, Duration loginBackoffMax, int accountsPerAddressPerHour, int loginsPerAccountPerMinute,
            int sessionsPerAccount, Duration frameTimeout, Duration writeTimeout) {
        this(connectionsPerAddress, requestsPerSecond, requestBurst, loginFailuresPerAccount, loginFailuresPerAddress,
                loginBackoffMax, accountsPerAddressPerHour, loginsPerAccountPerMinute, sessionsPerAccount, frameTimeout, writeTimeout,
                Duration.ofMinutes(1));
    }

    public AbuseLimits {
        positive(connectionsPerAddress, "connections per address");
        positive(requestsPerSecond, "requests per second");
        positive(requestBurst, "request burst");
        positive(loginFailuresPerAccount, "login failures per account");
        positive(loginFailuresPerAddress, "login failures per address");
        positive(accountsPerAddressPerHour, "accounts per address per hour");
        positive(loginsPerAccountPerMinute, "logins per account per minute");
        positive(sessionsPerAccount, "sessions per account");
        for (Duration d : new Duration[] {loginBackoffMax, frameTimeout, writeTimeout, loginAccountWaitMax}) {
            if (d == null || d.toMillis() < 1) {
                throw new IllegalArgumentException("abuse-limit durations must be at least 1 ms: " + d);
            }
        }
    }

    private static void positive(int v, String what) {
        if (v < 1) {
            throw new IllegalArgumentException(what + " must be at least 1: " + v);
        }
    }

    public AbuseLimits withConnectionsPerAddress(int n) {
        return new AbuseLimits(n, requestsPerSecond, requestBurst, loginFailuresPerAccount, loginFailuresPerAddress,
                loginBackoffMax, accountsPerAddressPerHour, loginsPerAccountPerMinute, sessionsPerAccount, frameTimeout,
                writeTimeout, loginAccountWaitMax);
    }

    public AbuseLimits withRequestRate(int perSecond, int burst) {
        return new AbuseLimits(connectionsPerAddress, perSecond, burst, loginFailuresPerAccount, loginFailuresPerAddress,
                loginBackoffMax, accountsPerAddressPerHour, loginsPerAccountPerMinute, sessionsPerAccount, frameTimeout,
                writeTimeout, loginAccountWaitMax);
    }

    public AbuseLimits withLoginFailures(int perAccount, int perAddress, Duration backoffMax) {
        return new AbuseLimits(connectionsPerAddress, requestsPerSecond, requestBurst, perAccount, perAddress,
                backoffMax, accountsPerAddressPerHour, loginsPerAccountPerMinute, sessionsPerAccount, frameTimeout,
                writeTimeout, loginAccountWaitMax);
    }

    public AbuseLimits withAccountsPerAddressPerHour(int n) {
        return new AbuseLimits(connectionsPerAddress, requestsPerSecond, requestBurst, loginFailuresPerAccount,
                loginFailuresPerAddress, loginBackoffMax, n, loginsPerAccountPerMinute, sessionsPerAccount, frameTimeout,
                writeTimeout, loginAccountWaitMax);
    }

    public AbuseLimits withLogins(int perAccountPerMinute, int sessions) {
        return new AbuseLimits(connectionsPerAddress, requestsPerSecond, requestBurst, loginFailuresPerAccount,
                loginFailuresPerAddress, loginBackoffMax, accountsPerAddressPerHour, perAccountPerMinute, sessions, frameTimeout,
                writeTimeout, loginAccountWaitMax);
    }

    public AbuseLimits withTimeouts(Duration frame, Duration write) {
        return new AbuseLimits(connectionsPerAddress, requestsPerSecond, requestBurst, loginFailuresPerAccount,
                loginFailuresPerAddress, loginBackoffMax, accountsPerAddressPerHour, loginsPerAccountPerMinute, sessionsPerAccount,
                frame, write, loginAccountWaitMax);
    }

    public AbuseLimits withLoginAccountWaitMax(Duration max) {
        return new AbuseLimits(connectionsPerAddress, requestsPerSecond, requestBurst, loginFailuresPerAccount,
                loginFailuresPerAddress, loginBackoffMax, accountsPerAddressPerHour, loginsPerAccountPerMinute, sessionsPerAccount,
                frameTimeout, writeTimeout, max);
    }
}
