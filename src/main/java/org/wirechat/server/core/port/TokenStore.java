package org.wirechat.server.core.port;

import java.util.List;
import java.util.Optional;

/**
 * Session tokens as the stores keep them (docs/architecture.md §2.4): only the SHA-256 of a token, its account,
 * device and times. Implemented by both stores over the same statements ({@code storage.TokenRows}).
 */
public interface TokenStore {

    /**
     * Stores a new token; if the account then holds more than {@code maxPerAccount} tokens, its oldest
     * others are deleted in the same transaction. Returns the hashes of those deleted (revoked).
     */
    List<byte[]> insert(byte[] hash, long accountId, String device, long createdAtMillis, long expiresAtMillis,
            int maxPerAccount);

    /** The token of a live account; empty if there is none (or its account was deleted). */
    Optional<TokenRow> find(byte[] hash);

    /** Moves a token's stored expiry later; not awaited: a crash may lose the extension, never the token. */
    void extendLater(byte[] hash, long expiresAtMillis);

    /** Deletes one token (logout); nothing if there is none. */
    void delete(byte[] hash);

    /** Revokes every token of the account (on every server sharing the store); returns how many there were. */
    int deleteOf(long accountId);

    /** Deletes the tokens whose stored expiry is at or before {@code nowMillis}; returns how many. */
    int deleteExpired(long nowMillis);
}
