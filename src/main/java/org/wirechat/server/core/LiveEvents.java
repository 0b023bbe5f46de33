package org.wirechat.server.core;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.wirechat.server.core.ChatResult.TypingEvent;

/**
 * The live events that are never stored (typing; docs/conversations_design.md §6), held in memory for each device
 * that SYNCs: an event posted to an account is queued for each of its devices that asked SYNC lately, and handed by
 * the device's next SYNC unless it expired first. A device that stopped asking (for longer than {@code horizon}) is
 * forgotten, with what waited for it. Each device's queue holds at most {@link #PER_DEVICE} events, the oldest
 * dropped first: they are hints.
 */
final class LiveEvents {
    static final int PER_DEVICE = 32;

    private record Queued(TypingEvent event, long expiresAtMillis) {
    }

    private static final class Device {
        final ArrayDeque<Queued> queue = new ArrayDeque<>();
        long lastAskedMillis;
    }

    private final ConcurrentHashMap<Long, Map<String, Device>> accounts = new ConcurrentHashMap<>();
    private final long horizonMillis;

    LiveEvents(long horizonMillis) {
        this.horizonMillis = horizonMillis;
    }

    /**
     * The events waiting for the device, oldest first, each with the time it has left (unexpired ones only), and
     * registers the device as asking now.
     */
    List<TypingEvent> take(long accountId, String device, long nowMillis) {
        Device[] mine = new Device[1];
        accounts.compute(accountId, (id, known) -> { // atomic with forgetting an empty account (forget)
            Map<String, Device> devices = known == null ? new ConcurrentHashMap<>() : known;
            Device d = devices.computeIfAbsent(device, x -> new Device());
            synchronized (d) {
                d.lastAskedMillis = nowMillis;
            }
            mine[0] = d;
            return devices;
        });
        Device d = mine[0];
        synchronized (d) {
            if (d.queue.isEmpty()) {
                return List.of();
            }
            List<TypingEvent> out = new ArrayList<>(d.queue.size());
            for (Queued q : d.queue) {
                long left = q.expiresAtMillis() - nowMillis;
                if (!q.event().typing()) {
                    out.add(q.event());
                } else if (left > 0) {
                    TypingEvent e = q.event();
                    out.add(new TypingEvent(e.from(), e.conversation(), true, left));
                }
            }
            d.queue.clear();
            return out;
        }
    }

    /** Queues {@code event} for each device of the account that asked within the horizon; true if any did. */
    boolean post(long accountId, TypingEvent event, long nowMillis) {
        Map<String, Device> devices = accounts.get(accountId);
        if (devices == null) {
            return false;
        }
        boolean any = false;
        for (var entry : devices.entrySet()) {
            Device d = entry.getValue();
            synchronized (d) {
                if (nowMillis - d.lastAskedMillis > horizonMillis) {
                    devices.remove(entry.getKey(), d);
                    continue;
                }
                // a newer event of the same person in the same conversation replaces the older one
                d.queue.removeIf(q -> q.event().from().equals(event.from()) && q.event().conversation().equals(event.conversation()));
                if (d.queue.size() >= PER_DEVICE) {
                    d.queue.removeFirst();
                }
                d.queue.addLast(new Queued(event, nowMillis + event.expiresInMillis()));
                any = true;
            }
        }
        forget(accountId);
        return any;
    }

    /** Forgets the devices that stopped asking (the housekeeping's sweep). */
    void sweep(long nowMillis) {
        for (var entry : accounts.entrySet()) {
            entry.getValue().values().removeIf(d -> {
                synchronized (d) {
                    return nowMillis - d.lastAskedMillis > horizonMillis;
                }
            });
            forget(entry.getKey());
        }
    }

    /** Drops the account's entry if no device of it is left. */
    private void forget(long accountId) {
        accounts.computeIfPresent(accountId, (id, devices) -> devices.isEmpty() ? null : devices);
    }

    /** Accounts with a device registered (for tests and metrics). */
    int accounts() {
        return accounts.size();
    }

    /** Devices registered: those that SYNCed within the horizon (for tests and metrics). */
    int devices() {
        return accounts.values().stream().mapToInt(Map::size).sum();
    }
}
