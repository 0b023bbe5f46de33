package org.wirechat.server.core.port;

import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * Accounts as the stores keep them (docs/architecture.md §2.4): a row per account, found by its name ignoring
 * case or by an id that is never reused (a new account of a deleted one's name inherits nothing). The store keeps
 * and answers; which accounts a list shows and how it pages is the core's ({@code core.Listing}). Implemented by
 * both stores over the same statements ({@code storage.AccountRows}). Every change is durable when it returns.
 *
 * <p>{@code find} is overloaded with {@link TokenStore#find(byte[])} while one store implements every port ({@code Storage})
 * (until step 5); the group port's finder by name is {@code findGroup} so as not to clash with {@link #find(String)}.
 */
public interface AccountStore {

    /** Creates an account, neither disabled nor without receipts; empty if a live account has the name ignoring case. Atomic. */
    Optional<Account> create(String username, String fullName, String passwordHash, long nowMillis);

    /** The live account of this name, ignoring case. */
    Optional<Account> find(String username);

    /** The live account of this id. */
    Optional<Account> find(long id);

    /**
     * The name index in order: live accounts whose name, ignoring case, sorts after {@code after}'s ({@code ""} for
     * the start), at most {@code max}, without their password hashes ({@code ""}). No filter: the core's.
     */
    List<Account> page(String after, int max);

    /** Replaces the live account's password hash; nothing if there is no such account. */
    void updatePasswordHash(long id, String passwordHash);

    /**
     * A user's change of password (CHANGE_PASSWORD): replaces the live account's password hash and deletes its
     * tokens but the one whose hash is {@code keepToken}, in one transaction (on every server sharing the store);
     * how many tokens it deleted, or empty if there is no such live account (nothing changed).
     */
    OptionalInt changePassword(long id, String passwordHash, byte[] keepToken);

    /** Replaces the live account's full name; false if there is no such live account. */
    boolean setFullName(long id, String fullName);

    /** Disables the account (it cannot log in; now in ms) or enables it ({@code nowMillis} 0); false if there is no such live account. */
    boolean setDisabled(long id, long nowMillis);

    /** Turns the account's delivery receipts on or off; false if there is no such live account. */
    boolean setReceipts(long id, boolean on);

    /**
     * A user's deletion from {@code device} ({@code ""}: the default device): deletes the account, its tokens and its
     * memberships, unless messages wait that the device has not received ({@link Deletion.Waiting}: messages only
     * another device lacks would be lost to a device of an account that is going). Atomic with SENDs: a message
     * stored before it is counted, none is stored to the account after it. The account leaves its groups as
     * {@code departures} says, in the same transaction (the core passes its group rules: a store decides nothing of
     * who inherits a group); if {@code departures} throws, nothing is deleted and its exception reaches the caller.
     */
    Deletion deleteIfNothingWaits(long id, String device, long nowMillis, Departures departures);

    /**
     * An administrator's deletion: the same, refused while messages wait for any device holding them. A method of
     * its own rather than a null device (today's {@code Store.deleteAccount} took null for it), so the port has no
     * null argument.
     */
    Deletion deleteIfNothingWaits(long id, long nowMillis, Departures departures);
}
