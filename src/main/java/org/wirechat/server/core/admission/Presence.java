package org.wirechat.server.core.admission;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.wirechat.server.core.port.Cluster;

/**
 * Which accounts are online: the number of open connections logged in as each, on this server; and,
 * when the store is shared with other servers, what they publish. Changes are published by one
 * background thread that writes the current truth for every account that changed (so bursts coalesce
 * and the order of arrivals and departures cannot be confused).
 */
public final class Presence implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Presence.class);

    private final ConcurrentHashMap<Long, Integer> connections = new ConcurrentHashMap<>();
    private final Cluster cluster;
    private final Set<Long> changed = ConcurrentHashMap.newKeySet();
    private final AtomicBoolean publishQueued = new AtomicBoolean();
    private final ExecutorService publisher;

    /** Presence on this server, and through the cluster on the others (published only when it is shared). */
    public Presence(Cluster cluster) {
        this.cluster = cluster;
        this.publisher = cluster.shared()
                ? Executors.newSingleThreadExecutor(Thread.ofPlatform().name("presence").daemon(true).factory()) : null;
    }

    public void arrive(long accountId) {
        connections.merge(accountId, 1, Integer::sum);
        publishLater(accountId);
    }

    public void leave(long accountId) {
        connections.computeIfPresent(accountId, (id, n) -> n == 1 ? null : n - 1);
        publishLater(accountId);
    }

    boolean isOnline(long accountId) {
        return connections.containsKey(accountId);
    }

    /** Of these accounts, those online here or on another server sharing the store. */
    public Set<Long> online(Collection<Long> accountIds) {
        Set<Long> online = new HashSet<>();
        List<Long> elsewhere = new ArrayList<>();
        for (long id : accountIds) {
            if (isOnline(id)) {
                online.add(id);
            } else {
                elsewhere.add(id);
            }
        }
        if (!elsewhere.isEmpty()) {
            online.addAll(cluster.onlineElsewhere(elsewhere));
        }
        return online;
    }

    private void publishLater(long accountId) {
        if (publisher == null) {
            return; // no other server to tell
        }
        changed.add(accountId);
        if (publishQueued.compareAndSet(false, true)) {
            try {
                publisher.execute(this::publish);
            } catch (RejectedExecutionException e) {
                // closing: the store forgets this server's presence as it closes
            }
        }
    }

    private void publish() {
        publishQueued.set(false); // changes from now on queue another run
        Map<Long, Boolean> now = new HashMap<>();
        for (Long id : List.copyOf(changed)) {
            changed.remove(id);
            now.put(id, isOnline(id)); // the truth at this moment, whatever the order of the changes was
        }
        if (now.isEmpty()) {
            return;
        }
        try {
            cluster.publishPresence(now);
        } catch (RuntimeException e) {
            log.warn("could not publish who is online to the other servers; retrying with the next change", e);
            changed.addAll(now.keySet());
        }
    }

    @Override
    public void close() {
        if (publisher != null) {
            publisher.shutdown();
            try {
                publisher.awaitTermination(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
