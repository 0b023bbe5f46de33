package org.wirechat.server.storage;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.wirechat.server.core.port.Storage;
import org.wirechat.server.core.rules.GroupChange;
import org.wirechat.server.core.rules.GroupOutcome;
import org.wirechat.server.storage.StoreContract.Who;

/** Delivery receipts (the redesign's {@code ReceiptStore}): the oldest waiting message, and a group message's counts. */
abstract class ReceiptContract extends ContractArea {

    /** The oldest of the sender's messages no device of the recipient acknowledged; acknowledgements on their way count. */
    @Test
    void theOldestWaitingMessageFromASender() {
        Who alice = who("alice");
        Who bob = who("bob");
        Who carol = who("carol");
        store().register(bob.id(), "phone", 1);
        store().register(bob.id(), "laptop", 1);
        long first = StoreContract.stored(store().send(alice.id(), bob.name(), "a1", "first", 10, 100));
        StoreContract.stored(store().send(carol.id(), bob.name(), "c1", "carol's", 11, 100));
        long second = StoreContract.stored(store().send(alice.id(), bob.name(), "a2", "second", 12, 100));
        assertThat(store().oldestWaiting(bob.id(), alice.id())).isEqualTo(first);
        store().acknowledgeLater(bob.id(), "phone", first, 20);
        assertThat(store().oldestWaiting(bob.id(), alice.id())).as("one device has it").isEqualTo(second);
        store().acknowledgeLater(bob.id(), "laptop", second, 21);
        assertThat(store().oldestWaiting(bob.id(), alice.id())).isZero();
        assertThat(store().oldestWaiting(alice.id(), bob.id())).as("nothing sent that way").isZero();
    }

    /** Of the members the message reached that share receipts, how many there are and how many have it (committed). */
    @Test
    void aGroupMessagesReceiptsCountTheMembersItReachedThatShareThem() {
        Who alice = who("alice");
        Who bob = who("bob");
        Who carol = who("carol");
        Who dave = who("dave");
        String crew = "#" + unique("crew");
        long group = ((GroupOutcome.Done) changeGroup(store(), new GroupChange.Create(alice.id(), crew, 10), 0)).group().id();
        changeGroup(store(), new GroupChange.Add(alice.id(), crew, bob.name(), 10, 10), 0);
        changeGroup(store(), new GroupChange.Add(alice.id(), crew, carol.name(), 10, 10), 0);
        long g = StoreContract.groupStored(store().send(alice.id(), crew, "g1", "hello", 10, 100));
        changeGroup(store(), new GroupChange.Add(alice.id(), crew, dave.name(), 10, 10), 0); // after it: not reached
        assertThat(store().groupReceipts(group, alice.id(), g)).hasValueSatisfying(r -> assertThat(r).containsExactly(2, 0));

        store().acknowledgeLater(bob.id(), "", g, 20);
        barrier();
        assertThat(store().groupReceipts(group, alice.id(), g)).hasValueSatisfying(r -> assertThat(r).containsExactly(2, 1));
        store().setReceipts(carol.id(), false);
        assertThat(store().groupReceipts(group, alice.id(), g)).hasValueSatisfying(r -> assertThat(r).containsExactly(1, 1));
        assertThat(store().groupReceipts(group, bob.id(), g)).as("not bob's message").isEmpty();
        long direct = StoreContract.stored(store().send(alice.id(), bob.name(), "d1", "direct", 30, 100));
        assertThat(store().groupReceipts(group, alice.id(), direct)).as("not a message to the group").isEmpty();
    }

    /**
     * The stores differed: the log store counted an acknowledgement still on its way, PostgreSQL (and Storage's
     * Javadoc) only a committed one — the one answer every PostgreSQL server gives alike, since none sees another's
     * acknowledgements on their way. Now both count it once committed.
     */
    @Test
    void aGroupReceiptCountsAnAcknowledgementOnceCommittedNotOnItsWay() {
        Who alice = who("alice");
        Who bob = who("bob");
        String crew = "#" + unique("crew");
        long group = ((GroupOutcome.Done) changeGroup(store(), new GroupChange.Create(alice.id(), crew, 10), 0)).group().id();
        changeGroup(store(), new GroupChange.Add(alice.id(), crew, bob.name(), 10, 10), 0);
        long g = StoreContract.groupStored(store().send(alice.id(), crew, "g1", "hello", 10, 100));
        contract().whileWriterHeld(store(), () -> {
            store().acknowledgeLater(bob.id(), "", g, 20);
            assertThat(store().groupReceipts(group, alice.id(), g)).hasValueSatisfying(r -> assertThat(r).containsExactly(1, 0));
        });
        barrier();
        assertThat(store().groupReceipts(group, alice.id(), g)).hasValueSatisfying(r -> assertThat(r).containsExactly(1, 1));
    }
}
