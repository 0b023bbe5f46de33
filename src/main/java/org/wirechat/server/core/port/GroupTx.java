package org.wirechat.server.core.port;

import java.util.Optional;

/**
 * What the group rules ({@code core.rules.GroupRules}) need of a store, inside the one transaction that makes a
 * change ({@link GroupStore#change}). A store's failure is its own unchecked exception, as for every other store
 * call: the store rolls the transaction back and answers as it answers any storage fault.
 */
public interface GroupTx {
    /** An account's id and its name as it spells it. */
    record Named(long id, String username) {
    }

    /**
     * The live group of this key ({@link GroupInfo#key}), its members in the order they joined; locked against
     * sends where the store locks.
     */
    Optional<GroupInfo> group(String key);

    /** The live account of this lower-case name. */
    Optional<Named> account(String key);

    /** The account's name as it spells it ({@code ""} if there is no such account). */
    String username(long accountId);

    /** How many live groups the account is a member of. */
    int groupsOf(long accountId);

    /** The id every message stored before this change has (at most), and every one stored after it exceeds. */
    long boundary();

    /** A new group with its owner as first member, joined after {@code boundary}; -1 if a live group has the key. */
    long create(String name, String key, long ownerId, long boundary, long nowMillis);

    /** The account becomes a member: it receives the group's messages with ids above {@code boundary}. */
    void join(long groupId, long accountId, long boundary, long nowMillis);

    /** The member leaves: it receives none of the group's messages with ids above {@code boundary}. */
    void leave(long groupId, long accountId, long boundary);

    void owner(long groupId, long ownerId);

    /** False if another live group has the key. */
    boolean rename(long groupId, String name, String key);

    /** The group ends: its name becomes free. */
    void end(long groupId, long nowMillis);
}
