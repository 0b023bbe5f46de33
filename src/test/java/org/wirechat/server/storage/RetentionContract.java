package org.wirechat.server.storage;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.wirechat.server.core.port.Deletion;
import org.wirechat.server.core.port.Storage;
import org.wirechat.server.core.port.StoredMessage;
import org.wirechat.server.core.rules.GroupChange;
import org.wirechat.server.core.rules.GroupOutcome;
import org.wirechat.server.core.rules.GroupRules;
import org.wirechat.server.storage.StoreContract.Who;

/**
 * The retention purge: a message goes once stored before the cutoff and received by everyone it reached — a
 * direct message by its recipient, a group message by every member it reached, a copied one by the sender's
 * other devices too. Were {@code SqliteStoreTest} and {@code RetentionTest}'s cases, which ran the same checks
 * on each store by hand.
 *
 * <p>The purge is store-wide, so these cases have a store of their own, and each its own span of time, below
 * the one before it ({@link #at}): a case's purge reaches back only to times below its cutoff, where no
 * earlier case stored anything. Every time a case gives is in its span: a batch of acknowledgements on
 * PostgreSQL judges the device horizon at the latest time in it, so a wall-clock time beside these would
 * make devices look idle.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class RetentionContract extends ContractArea {
    private Storage s;
    private long base = 1_000_000_000_000L;

    @BeforeAll
    void openOwn() {
        s = contract().open();
    }

    @AfterAll
    void closeOwn() {
        if (s != null) {
            s.close();
        }
    }

    /** A case's start: its times are {@link #at} offsets from a base below every earlier case's times. */
    private void next() {
        base -= 1_000_000_000L;
    }

    private long at(long offset) {
        return base + offset;
    }

    /** The purge after what was acknowledged is settled (the log store purges its history index). */
    private int purge(long cutoff) throws InterruptedException {
        contract().barrier(s);
        contract().settle(s);
        return s.purgeDeliveredBefore(at(cutoff));
    }

    @Test
    void onlyDeliveredMessagesOlderThanTheCutoffArePurged() throws InterruptedException {
        next();
        Who alice = contract().who(s, "alice");
        Who bob = contract().who(s, "bob");
        s.send(alice.id(), bob.name(), "c1", "old, read", at(1_000), 100);
        long second = StoreContract.stored(s.send(alice.id(), bob.name(), "c2", "old, read too", at(2_000), 100));
        s.send(alice.id(), bob.name(), "c3", "new, unread", at(9_000), 100);
        s.send(bob.id(), alice.name(), "c4", "old, never read", at(1_500), 100);
        s.acknowledgeLater(bob.id(), "", second, at(3_000)); // bob has read the first two (acknowledgements are cumulative)
        assertThat(purge(5_000)).isEqualTo(2);
        assertThat(s.history(bob.id(), alice.id(), 0, 10)).extracting(StoredMessage::body)
                .containsExactly("old, never read", "new, unread");
        assertThat(s.undelivered(bob.id(), 0, 10)).extracting(StoredMessage::body).containsExactly("new, unread");
        assertThat(s.undelivered(alice.id(), 0, 10)).extracting(StoredMessage::body).containsExactly("old, never read");
        assertThat(s.undeliveredCount(bob.id())).isEqualTo(1);
        assertThat(purge(5_000)).as("again: nothing").isZero();
    }

    /** A group message is purged once every member it reached has it, and not before. */
    @Test
    void aGroupMessageIsPurgedOnceEveryMemberItReachedHasIt() throws InterruptedException {
        next();
        Who alice = contract().who(s, "alice");
        Who bob = contract().who(s, "bob");
        Who carol = contract().who(s, "carol");
        String crew = "#" + unique("crew");
        GroupOutcome.Done made = (GroupOutcome.Done) changeGroup(s, new GroupChange.Create(alice.id(), crew, 100), 0);
        changeGroup(s, new GroupChange.Add(alice.id(), crew, bob.name(), 100, 100), 0);
        changeGroup(s, new GroupChange.Add(alice.id(), crew, carol.name(), 100, 100), 0);
        long old = StoreContract.groupStored(s.send(alice.id(), crew, "g1", "old group message", at(1_000), 100));
        s.send(alice.id(), crew, "g2", "new group message", at(9_000), 100);
        s.acknowledgeLater(bob.id(), "", old, at(2_000));
        assertThat(purge(5_000)).as("carol has not received it").isZero();
        s.acknowledgeLater(carol.id(), "", old, at(2_000));
        assertThat(purge(5_000)).as("every member it reached has it").isEqualTo(1);
        assertThat(s.groupHistory(made.group().id(), 0, 10)).extracting(StoredMessage::body).containsExactly("new group message");
    }

    /**
     * The case where the two stores' statements differ (docs/architecture.md §1.3): the log store's index has
     * no floor row for an account that never acknowledged anything (it counts as 0), PostgreSQL makes one with
     * every account. A member that never acknowledged keeps the message; one deleted, or one that left before
     * it, does not; nor does the sender.
     */
    @Test
    void aGroupMessageWaitsForAMemberThatNeverAcknowledgedButNotForOneDeletedOrGone() throws InterruptedException {
        next();
        Who alice = contract().who(s, "alice");
        Who bob = contract().who(s, "bob");
        Who carol = contract().who(s, "carol");
        Who dave = contract().who(s, "dave");
        String crew = "#" + unique("crew");
        changeGroup(s, new GroupChange.Create(alice.id(), crew, 100), 0);
        for (Who m : new Who[] {bob, carol, dave}) {
            changeGroup(s, new GroupChange.Add(alice.id(), crew, m.name(), 100, 100), 0);
        }
        s.register(carol.id(), "phone", at(500));
        s.register(carol.id(), "laptop", at(500));
        long old = StoreContract.groupStored(s.send(alice.id(), crew, "g1", "old", at(1_000), 100));
        changeGroup(s, new GroupChange.Remove(alice.id(), crew, dave.name()), 0); // he keeps it in his inbox
        s.acknowledgeLater(bob.id(), "", old, at(2_000));
        assertThat(purge(5_000)).as("carol and dave never acknowledged anything").isZero();
        s.acknowledgeLater(dave.id(), "", old, at(2_000));
        s.acknowledgeLater(carol.id(), "phone", old, at(2_000));
        assertThat(purge(5_000)).as("carol's laptop still lacks it").isZero();
        assertThat(s.deleteIfNothingWaits(carol.id(), "phone", at(6_000), GroupRules::leaveAll)).as("her phone has everything")
                .isEqualTo(new Deletion.Deleted());
        assertThat(purge(5_000)).as("every live member it reached has it").isEqualTo(1);
    }

    /** A message its recipient has received is kept while a copy of it waits for one of the sender's other devices. */
    @Test
    void aCopiedMessageIsKeptUntilTheSendersOtherDevicesHaveIt() throws InterruptedException {
        next();
        Who alice = contract().who(s, "alice");
        Who bob = contract().who(s, "bob");
        s.register(alice.id(), "phone", at(1));
        s.register(alice.id(), "laptop", at(1));
        long old = StoreContract.stored(s.sendLater(alice.id(), "phone", bob.name(), "p1", "old, copied", at(1_000), 100).join());
        s.acknowledgeLater(bob.id(), "", old, at(2_000));
        assertThat(purge(5_000)).as("bob has it, alice's laptop not yet").isZero();
        s.acknowledgeLater(alice.id(), "laptop", old, at(3_000));
        s.acknowledgeLater(alice.id(), "phone", old, at(3_000));
        assertThat(purge(5_000)).as("every device has it").isEqualTo(1);
        assertThat(s.history(alice.id(), bob.id(), 0, 10)).extracting(StoredMessage::body).isEmpty();
    }
}
