package org.wirechat.server.storage;

import com.google.common.hash.BloomFilter;
import com.google.common.hash.Funnel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Which (sender, client id) pairs may have been used: a Bloom filter over every stored message, so that
 * a SEND with a new client id — nearly every SEND — is decided without asking the history index. "No"
 * is certain; "maybe" (about one time in a hundred, or when the pair was used) is looked up. It never
 * forgets (a message purged by retention stays a "maybe"); it grows by adding a filter twice the size of
 * the last one when that one is full. Confined to the log writer (filled before it starts).
 */
final class SentFilter {
    private static final double FALSE_POSITIVES = 0.01;
    private static final long FIRST_CAPACITY = 1 << 20;
    private static final Funnel<LogMessages.SentKey> FUNNEL = (k, into) ->
            into.putLong(k.senderId()).putString(k.clientId(), StandardCharsets.UTF_8);

    private final List<BloomFilter<LogMessages.SentKey>> filters = new ArrayList<>();
    private long capacity;
    private long inNewest;

    /** A filter sized for at least {@code expected} pairs before it grows. */
    SentFilter(long expected) {
        grow(Math.max(FIRST_CAPACITY, 2 * expected));
    }

    private void grow(long size) {
        filters.add(BloomFilter.create(FUNNEL, size, FALSE_POSITIVES));
        capacity = size;
        inNewest = 0;
    }

    void add(LogMessages.SentKey key) {
        if (inNewest >= capacity) {
            grow(2 * capacity);
        }
        filters.get(filters.size() - 1).put(key);
        inNewest++;
    }

    boolean mightContain(LogMessages.SentKey key) {
        for (BloomFilter<LogMessages.SentKey> f : filters) {
            if (f.mightContain(key)) {
                return true;
            }
        }
        return false;
    }
}
