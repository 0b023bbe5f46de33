package org.wirechat.server.core.port;

import java.util.List;
import java.util.Optional;

/**
 * What one batch of SENDs is decided against (docs/architecture.md §3): the store's answers to the questions the
 * core's {@code SendRule} asks, as committed and as the batch's acknowledgements leave them, read where state is shared
 * under the locks the store needs. Valid on the store's writer, inside the batch only. A store answers queries here; the
 * rule decides (stored or refused, which outcome, who gets a copy). The messages the rule accepts in the batch are the
 * rule's to count: {@link #waiting} leaves them out.
 */
public interface BatchView {

    /** A live account, found by its lower-case name: its id and its name as stored. */
    record Recipient(long id, String username) {
    }

    /**
     * A live group, found by its lower-case name: the id its messages carry as their conversation (the group's id
     * negated), its name as it is now, and its members now (every account a message stored in this batch reaches,
     * its sender left out).
     */
    record GroupAt(long conversation, String name, List<Long> members) {
        public GroupAt {
            members = List.copyOf(members);
        }
    }

    /** The message stored before with a (sender, client id): a retry is compared with its conversation and body. */
    record Prior(long id, long createdMillis, long conversation, String body) {
    }

    /** The live account with this lower-case name, if any. */
    Optional<Recipient> account(String key);

    /** The live group with this lower-case name ({@code #} first), if any. */
    Optional<GroupAt> group(String key);

    /** The message stored before this batch with this sender and client id, if any. */
    Optional<Prior> prior(long senderId, String clientId);

    /**
     * Messages waiting for the account: above its floor, copies of its own messages not counted, as committed and as
     * this batch's acknowledgements and floor moves leave it (not counting this batch's new messages).
     */
    long waiting(long accountId);

    /**
     * The account's inbox is full: applies what frees it before a SEND is refused — its acknowledgements answered and
     * not yet committed, and its floor moved with the device horizon (a device idle past it no longer holds the inbox
     * full). True if that may have freed room ({@link #waiting} is asked again).
     */
    boolean makeRoom(long accountId, long nowMillis);

    /**
     * Whether a device of the account other than {@code device} holds its messages (it has a mark and was active
     * within the device horizon, a mark this batch writes included): a message sent from {@code device} is then
     * copied to it.
     */
    boolean holdsElsewhere(long accountId, String device, long nowMillis);

    /** The name of an account the batch found (a group member whose inbox is full). */
    String username(long accountId);
}
