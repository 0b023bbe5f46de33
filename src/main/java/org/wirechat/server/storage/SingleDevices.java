package org.wirechat.server.storage;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * PostgreSQL mode: the accounts this server knows to have a device mark for one device only, and which —
 * so that a SEND from that device, which has no other device to copy it to (docs/conversations_design.md
 * §1), is decided without probing the account's marks. Measured: the probe, one per sender in every batch,
 * took the batch's lock statement from 0.27 to 0.48 ms (pg_stat_statements, {@code scripts/bench-postgresql}).
 *
 * <p>A mark for another device ends what is known: this server's own LOGIN_DEVICE tells {@link #changed}
 * once its row is committed, and every server is told by the notification {@code d:ACCOUNT}, sent in the
 * transaction that made the row; a lost notification connection forgets everything. What a probe found
 * is kept only if nothing changed for the account since the probe began ({@link #generation}), so a
 * change is never overwritten by an older probe. What stays open: between another server's commit of a
 * new device and this server hearing of it (milliseconds), a SEND here is not copied to that device.
 */
final class SingleDevices {
    /** Accounts remembered at most (then forgotten, all at once). */
    static final int MAX = 100_000;

    private final ConcurrentHashMap<Long, String> alone = new ConcurrentHashMap<>();
    private final ConcurrentHashMap<Long, Long> changedAt = new ConcurrentHashMap<>();
    private final AtomicLong generation = new AtomicLong();
    private volatile long allChangedAt;

    /** Taken before a probe: what it finds is kept only if nothing changed since. */
    long generation() {
        return generation.get();
    }

    /** Whether the account is known to have a mark for {@code device} only (or none): a SEND from it is not copied. */
    boolean alone(long accountId, String device) {
        return device.equals(alone.get(accountId));
    }

    /** A probe begun at {@code generation} found no mark of the account for a device other than {@code device}. */
    void probed(long accountId, String device, long generation) {
        if (alone.size() >= MAX) {
            changedAll();
        }
        alone.put(accountId, device);
        if (changedAt.getOrDefault(accountId, 0L) > generation || allChangedAt > generation) {
            alone.remove(accountId, device); // changed meanwhile: the probe is older than the change
        }
    }

    /** The account has a mark for a new device (committed). */
    void changed(long accountId) {
        changedAt.put(accountId, generation.incrementAndGet());
        alone.remove(accountId);
        if (changedAt.size() >= MAX) {
            changedAll();
        }
    }

    /** Anything may have changed (notifications were lost). */
    void changedAll() {
        allChangedAt = generation.incrementAndGet();
        alone.clear();
        changedAt.clear();
    }
}
