package org.wirechat.server;

import java.util.concurrent.ConcurrentHashMap;

/** Which accounts are online: the number of open connections logged in as each. */
final class Presence {
    private final ConcurrentHashMap<Long, Integer> connections = new ConcurrentHashMap<>();

    void arrive(long accountId) {
        connections.merge(accountId, 1, Integer::sum);
    }

    void leave(long accountId) {
        connections.computeIfPresent(accountId, (id, n) -> n == 1 ? null : n - 1);
    }

    boolean isOnline(long accountId) {
        return connections.containsKey(accountId);
    }
}
