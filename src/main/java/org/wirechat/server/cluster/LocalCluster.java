package org.wirechat.server.cluster;

import java.util.Collection;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.UnaryOperator;
import org.wirechat.server.core.port.Cluster;
import org.wirechat.server.core.port.LiveNotice;
import org.wirechat.server.core.port.LoginFailures;

/**
 * The cluster of a server on its own (SQLite): nobody else to hear from or tell, and the failed logins
 * and the addresses accounts logged in from kept in memory (a restart forgets them). Thread-safe.
 */
public final class LocalCluster implements Cluster {
    private final ConcurrentHashMap<String, LoginFailures> failures = new ConcurrentHashMap<>();
    /** "account id, space, address" to the last successful login from there. */
    private final ConcurrentHashMap<String, Long> sources = new ConcurrentHashMap<>();

    @Override
    public boolean shared() {
        return false;
    }

    @Override
    public void listen(Changes changes) {
        // no other server changes anything
    }

    @Override
    public void tellLive(Collection<Long> accountIds, LiveNotice notice) {
        // nobody to tell
    }

    @Override
    public void publishPresence(Map<Long, Boolean> onlineHere) {
        // nobody to tell
    }

    @Override
    public Set<Long> onlineElsewhere(Collection<Long> accountIds) {
        return Set.of();
    }

    @Override
    public Optional<LoginFailures> loginFailures(String usernameKey) {
        return Optional.ofNullable(failures.get(usernameKey));
    }

    /** Atomic per username; {@code next} returning a state of no failures forgets the username. */
    @Override
    public LoginFailures recordLoginFailure(String usernameKey, UnaryOperator<LoginFailures> next) {
        LoginFailures[] result = new LoginFailures[1];
        failures.compute(usernameKey, (k, f) -> {
            result[0] = next.apply(f);
            return result[0] == null || result[0].failures() == 0 ? null : result[0];
        });
        return result[0];
    }

    @Override
    public void clearLoginFailures(String usernameKey, long beforeMillis) {
        if (usernameKey != null) {
            failures.remove(usernameKey);
        } else {
            failures.values().removeIf(f -> f.lastFailureMillis() < beforeMillis);
        }
    }

    @Override
    public void recordLoginSource(long accountId, String address, long atMillis) {
        sources.merge(accountId + " " + address, atMillis, Math::max);
    }

    @Override
    public boolean knownLoginSource(long accountId, String address, long sinceMillis) {
        Long last = sources.get(accountId + " " + address);
        return last != null && last >= sinceMillis;
    }

    @Override
    public void forgetLoginSources(long beforeMillis) {
        sources.values().removeIf(last -> last < beforeMillis);
    }

    /** Keys with failures remembered (for tests and metrics). */
    public int size() {
        return failures.size();
    }
}
