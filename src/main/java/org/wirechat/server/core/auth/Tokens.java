package org.wirechat.server.core.auth;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.Base64;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Predicate;
import java.util.function.Function;
import org.wirechat.server.core.port.StorageUnavailableException;
import org.wirechat.server.core.port.TokenRow;
import org.wirechat.server.core.port.TokenStore;

/**
 * Session tokens: 256 random bits, base64url (43 characters). Only the SHA-256 of a token is stored
 * and cached. A token expires when unused for the idle lifetime, and in any case at its maximum
 * lifetime; each use extends it. The stored expiry is moved at most once per {@link #PERSIST_STEP}
 * (a crash can cost a token that much of its life, never more).
 *
 * <p>The cache maps token hash to entry. A revocation deletes from the store first, then bumps
 * {@link #revocations}, then drops cache entries; a loader that read the store while a revocation ran
 * sees the counter move and reloads, so a revoked token can never be re-cached.
 *
 * <p>A token issued while the store refuses writes (disk full, read-only, unreachable) is not refused: it is
 * kept in this server's memory, {@link #unstored}, valid here at once, and stored as soon as the store takes
 * writes again (at the next login, or the next {@link #sweep}). Until then a crash or a stop loses it — its
 * client is asked to log in again, nothing else is lost — and other servers sharing the store do not know
 * it. A revocation of such a token needs no write: it was never stored.
 */
public final class Tokens {
    static final Duration PERSIST_STEP = Duration.ofMinutes(1);
    private static final int TOKEN_BYTES = 32;

    private final TokenStore store;
    private final Clock clock;
    private final long idleMillis;
    private final long maxMillis;
    private final int maxPerAccount;
    private final SecureRandom random = new SecureRandom();
    private final ConcurrentHashMap<String, Entry> cache = new ConcurrentHashMap<>();
    private final AtomicLong revocations = new AtomicLong();
    /** Tokens issued while the store refused writes, by key, oldest first; guarded by {@link #unstoredLock}. */
    private final LinkedHashMap<String, Entry> unstored = new LinkedHashMap<>();
    /** Held while an unstored token is being stored or revoked, so a revocation never misses a store in flight. */
    private final ReentrantLock unstoredLock = new ReentrantLock();

    private static final class Entry {
        final long accountId;
        final String device;
        final long createdAt;
        final byte[] hash;
        final String key;
        volatile long lastUsed;
        volatile long persistedExpiry;
        /** Set when the entry leaves the cache: a {@link Memo} holding it must look again. */
        volatile boolean dropped;

        Entry(long accountId, String device, long createdAt, byte[] hash, String key, long lastUsed, long persistedExpiry) {
            this.accountId = accountId;
            this.device = device;
            this.createdAt = createdAt;
            this.hash = hash;
            this.key = key;
            this.lastUsed = lastUsed;
            this.persistedExpiry = persistedExpiry;
        }
    }

    /**
     * One connection's memory of the token it last presented, so that a connection sending the same
     * token again does not hash it again. Safe to share between threads (a gRPC connection's calls run at
     * once): the token and its entry are one value, written and read in one step, so a call never pairs
     * its token with the entry of another token presented on the same connection. An entry dropped from
     * the cache (revoked, expired, account deleted) is never trusted through a memo.
     */
    public static final class Memo {
        private volatile Known known;

        /**
         * Whether this memo knows {@code token} and trusts it still: checking it then reads no store (unless it has
         * expired since it was last used, when the store is asked once whether another server extended it).
         */
        public boolean knows(String token) {
            return trusted(token) != null;
        }

        /** The entry of {@code token} if this memo holds it and it was not dropped since; else null. */
        private Entry trusted(String token) {
            Known k = known;
            return k != null && !k.entry.dropped && k.token.equals(token) ? k.entry : null;
        }
    }

    /** A token and its cache entry, as a {@link Memo} holds them (no {@code toString}: the token is a secret). */
    private static final class Known {
        final String token;
        final Entry entry;

        Known(String token, Entry entry) {
            this.token = token;
            this.entry = entry;
        }
    }

    /**
     * A new token and when it expires unless used; {@code stored}: in the store, or only in this server's
     * memory until the store takes writes again.
     */
    public record Issued(String token, long expiresAtMillis, boolean stored) {
        @Override
        public String toString() {
            return "Issued[token=<redacted>, expiresAtMillis=" + expiresAtMillis + ", stored=" + stored + "]";
        }
    }

    public Tokens(TokenStore store, Clock clock, Duration idleLifetime, Duration maxLifetime) {
        this(store, clock, idleLifetime, maxLifetime, Integer.MAX_VALUE);
    }

    /** {@code maxPerAccount}: live tokens one account may hold; issuing one more revokes its oldest. */
    public Tokens(TokenStore store, Clock clock, Duration idleLifetime, Duration maxLifetime, int maxPerAccount) {
        this.maxPerAccount = maxPerAccount;
        this.store = store;
        this.clock = clock;
        this.idleMillis = idleLifetime.toMillis();
        this.maxMillis = maxLifetime.toMillis();
    }

    /** A valid token's account and the device it was issued to ({@code ""}: the account's default device, LOGIN's). */
    public record Session(long accountId, String device) {
    }

    /** A token of the account's default device (LOGIN). */
    public Issued issue(long accountId) {
        return issue(accountId, "");
    }

    /**
     * A token bound to {@code device} (LOGIN_DEVICE). While the store refuses writes the token is kept in
     * memory until it takes them (see the class comment), so a login does not wait for the disk.
     */
    public Issued issue(long accountId, String device) {
        storeUnstored();
        byte[] raw = new byte[TOKEN_BYTES];
        random.nextBytes(raw);
        String token = Base64.getUrlEncoder().withoutPadding().encodeToString(raw);
        long now = clock.millis();
        long expiry = Math.min(now + idleMillis, now + maxMillis);
        byte[] hash = sha256(token);
        String key = HexFormat.of().formatHex(hash);
        Entry entry = new Entry(accountId, device, now, hash, key, now, expiry);
        boolean stored = true;
        try {
            for (byte[] revoked : store.insert(hash, accountId, device, now, expiry, maxPerAccount)) {
                forget(revoked); // the account's oldest sessions beyond the cap end now
            }
        } catch (StorageUnavailableException e) {
            stored = false;
            unstoredLock.lock();
            try {
                unstored.put(key, entry);
            } finally {
                unstoredLock.unlock();
            }
        }
        cache.put(key, entry);
        return new Issued(token, expiry, stored);
    }

    /** Stores the tokens issued while the store refused writes, oldest first, until it refuses again. */
    private void storeUnstored() {
        if (!unstoredLock.tryLock()) {
            return; // another thread is at it
        }
        try {
            for (var it = unstored.values().iterator(); it.hasNext(); ) {
                Entry e = it.next();
                if (!e.dropped) { // dropped: expired or its account deleted before it could be stored
                    for (byte[] revoked : store.insert(e.hash, e.accountId, e.device, e.createdAt, expiry(e), maxPerAccount)) {
                        forget(revoked);
                    }
                    e.persistedExpiry = expiry(e);
                }
                it.remove();
            }
        } catch (StorageUnavailableException e) {
            // still refused: kept for the next try
        } finally {
            unstoredLock.unlock();
        }
    }

    /** Tokens issued while the store refused writes and not stored yet (for tests and metrics). */
    public int unstoredCount() {
        unstoredLock.lock();
        try {
            return unstored.size();
        } finally {
            unstoredLock.unlock();
        }
    }

    /** The token's account if the token is valid now; extends its life. */
    public OptionalLong authenticate(String token) {
        return authenticate(token, null);
    }

    /** Like {@link #authenticate(String)}, skipping the hash when {@code memo} already knows this token. */
    public OptionalLong authenticate(String token, Memo memo) {
        Optional<Session> s = session(token, memo);
        return s.isPresent() ? OptionalLong.of(s.get().accountId()) : OptionalLong.empty();
    }

    /** The token's account and device if the token is valid now; extends its life. */
    public Optional<Session> session(String token, Memo memo) {
        lookups.increment();
        Entry e = memo == null ? null : memo.trusted(token);
        if (e == null) {
            hashes.increment();
            byte[] hash = sha256(token);
            String key = HexFormat.of().formatHex(hash);
            e = cache.get(key);
            if (e == null) {
                e = load(key, hash);
                if (e == null) {
                    return Optional.empty();
                }
            }
            if (memo != null) {
                memo.known = new Known(token, e);
            }
        }
        long now = clock.millis();
        if (now >= expiry(e)) {
            drop(e);
            // another server sharing the store may have used (and so extended) it since this one cached it
            e = load(e.key, e.hash);
            if (e == null || now >= expiry(e)) {
                if (e != null) {
                    drop(e);
                }
                return Optional.empty();
            }
            if (memo != null) {
                memo.known = new Known(token, e);
            }
        }
        e.lastUsed = now;
        long wanted = expiry(e);
        if (wanted - e.persistedExpiry >= PERSIST_STEP.toMillis()) {
            e.persistedExpiry = wanted;
            store.extendLater(e.hash, wanted);
        }
        return Optional.of(new Session(e.accountId, e.device));
    }

    /** Tokens checked so far (for the metrics). */
    public long lookups() {
        return lookups.sum();
    }

    /** Of those, how many the cache did not answer and the store was asked (for the metrics). */
    public long storeReads() {
        return storeReads.sum();
    }

    /** Of those, how many hashed the token: no {@link Memo} knew it (for the metrics and tests). */
    public long hashes() {
        return hashes.sum();
    }

    private final LongAdder lookups = new LongAdder();
    private final LongAdder hashes = new LongAdder();
    private final LongAdder storeReads = new LongAdder();

    private Entry load(String key, byte[] hash) {
        storeReads.increment();
        while (true) {
            long seen = revocations.get();
            Optional<TokenRow> row = store.find(hash);
            if (row.isEmpty()) {
                return null;
            }
            TokenRow r = row.get();
            Entry fresh = new Entry(r.accountId(), r.device(), r.createdAtMillis(), hash, key, r.expiresAtMillis() - idleMillis,
                    r.expiresAtMillis());
            Entry e = cache.putIfAbsent(key, fresh);
            if (e == null) {
                e = fresh;
            }
            if (revocations.get() == seen) {
                return e;
            }
            drop(e); // a revocation ran meanwhile: look again
        }
    }

    /** Removes the entry from the cache and makes every memo holding it look again. */
    private void drop(Entry e) {
        e.dropped = true;
        cache.remove(e.key, e);
    }

    private long expiry(Entry e) {
        return Math.min(e.lastUsed + idleMillis, e.createdAt + maxMillis);
    }

    /**
     * Revokes one token (logout): deleted from the store, or, if it was issued while the store refused writes
     * and is not stored yet, forgotten without a write.
     *
     * @throws StorageUnavailableException the store refuses writes: the token was not revoked
     */
    public void revoke(String token) {
        byte[] hash = sha256(token);
        String key = HexFormat.of().formatHex(hash);
        boolean neverStored;
        unstoredLock.lock();
        try {
            neverStored = unstored.remove(key) != null;
        } finally {
            unstoredLock.unlock();
        }
        if (!neverStored) {
            store.delete(hash);
        }
        revocations.incrementAndGet();
        Entry e = cache.remove(key);
        if (e != null) {
            e.dropped = true;
        }
    }

    /** Forgets a token another server revoked (the store has already deleted it). */
    public void forget(byte[] tokenHash) {
        revocations.incrementAndGet();
        Entry e = cache.remove(HexFormat.of().formatHex(tokenHash));
        if (e != null) {
            e.dropped = true;
        }
    }

    /**
     * Forgets every cached token, so each is read from the store again when next used — but those not yet
     * stored, which only this cache holds.
     */
    public void forgetAll() {
        Set<String> keep;
        unstoredLock.lock();
        try {
            keep = new HashSet<>(unstored.keySet());
        } finally {
            unstoredLock.unlock();
        }
        dropCached(e -> !keep.contains(e.key));
    }

    /** Drops the cached entries {@code which} selects (a memo holding one then looks again); counts a revocation. */
    private void dropCached(Predicate<Entry> which) {
        revocations.incrementAndGet();
        cache.values().removeIf(e -> {
            if (!which.test(e)) {
                return false;
            }
            e.dropped = true;
            return true;
        });
    }

    /**
     * Ends every session of the account but {@code keep}'s (a change of password): {@code deleteOthers} deletes the
     * stored ones, given the kept token's hash, and returns how many, or empty when the account is gone (it may
     * throw; either way nothing here changes); the account's tokens only this server holds (issued while the store
     * refused writes) are dropped too, so none is stored later. Returns how many sessions ended.
     */
    public OptionalInt endOtherSessions(long accountId, String keep, Function<byte[], OptionalInt> deleteOthers) {
        byte[] keptHash = sha256(keep);
        String keptKey = HexFormat.of().formatHex(keptHash);
        int ended;
        unstoredLock.lock(); // no unstored token of the account is stored while the others are deleted
        try {
            OptionalInt deleted = deleteOthers.apply(keptHash);
            if (deleted.isEmpty()) {
                return deleted;
            }
            ended = deleted.getAsInt();
            for (var it = unstored.values().iterator(); it.hasNext(); ) {
                Entry e = it.next();
                if (e.accountId == accountId && !e.key.equals(keptKey)) {
                    it.remove();
                    ended++;
                }
            }
        } finally {
            unstoredLock.unlock();
        }
        dropCached(e -> e.accountId == accountId && !e.key.equals(keptKey));
        return OptionalInt.of(ended);
    }

    /** Forgets every cached token of an account whose tokens the store has already deleted. */
    public void forgetAccount(long accountId) {
        dropCached(e -> e.accountId == accountId);
    }

    /** Stores the tokens issued while the store refused writes, if it takes them now; drops expired tokens from the cache and the store. */
    public int sweep() {
        storeUnstored();
        long now = clock.millis();
        cache.values().removeIf(e -> {
            boolean expired = now >= expiry(e);
            e.dropped |= expired;
            return expired;
        });
        // A stored expiry lags the true one by less than PERSIST_STEP, so only rows older than that are surely dead.
        return store.deleteExpired(now - PERSIST_STEP.toMillis());
    }

    static byte[] sha256(String token) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.US_ASCII));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }
}
