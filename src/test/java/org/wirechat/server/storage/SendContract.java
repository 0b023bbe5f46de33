package org.wirechat.server.storage;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.wirechat.server.core.port.SendOutcome;
import org.wirechat.server.core.port.StoredMessage;
import org.wirechat.server.core.rules.GroupChange;
import org.wirechat.server.storage.StoreContract.Who;

/**
 * SEND (the redesign's send batch view, docs/architecture.md §3): resolution, the client-id dedupe within and
 * across batches, the inbox cap at, below and above its edge, a group send all or nothing, copies to the
 * sender's other devices. The first two cases were {@code SendBatchTest}'s.
 */
abstract class SendContract extends ContractArea {

    /** SENDs queued together are decided in one batch exactly as if stored one after another. */
    @Test
    void sendsQueuedTogetherAreDecidedAsIfOneAfterAnother() {
        Who alice = who("alice");
        Who bob = who("bob");
        String b = bob.name();
        List<CompletableFuture<SendOutcome>> f = new ArrayList<>();
        contract().whileWriterHeld(store(), () -> {
            f.add(store().sendLater(alice.id(), b.toLowerCase(), "same", "hi", 10, 2));
            f.add(store().sendLater(alice.id(), b.toUpperCase(), "same", "hi", 11, 2)); // the retry, the name in another case
            f.add(store().sendLater(alice.id(), b, "same", "not hi", 12, 2));
            f.add(store().sendLater(alice.id(), alice.name(), "same", "hi", 13, 2));
            f.add(store().sendLater(alice.id(), b, "next", "second", 14, 2));
            f.add(store().sendLater(alice.id(), b, "third", "one too many", 15, 2));
            f.add(store().sendLater(alice.id(), unique("nobody"), "fourth", "lost?", 16, 2));
            f.add(store().sendLater(bob.id(), alice.name(), "same", "bob's own", 17, 2));
        });
        List<SendOutcome> o = f.stream().map(CompletableFuture::join).toList();
        SendOutcome.Stored first = (SendOutcome.Stored) o.get(0);
        assertThat(first.recipientId()).isEqualTo(bob.id());
        assertThat(o.get(1)).isEqualTo(new SendOutcome.Duplicate(first.id(), 10));
        assertThat(o.get(2)).isInstanceOf(SendOutcome.ClientIdReused.class);
        assertThat(o.get(3)).isInstanceOf(SendOutcome.ClientIdReused.class);
        SendOutcome.Stored second = (SendOutcome.Stored) o.get(4);
        assertThat(second.id()).isGreaterThan(first.id());
        assertThat(o.get(5)).isEqualTo(new SendOutcome.InboxFull(b, 2));
        assertThat(o.get(6)).isInstanceOf(SendOutcome.NoRecipient.class);
        assertThat(((SendOutcome.Stored) o.get(7)).id()).isGreaterThan(second.id());
        assertThat(store().undelivered(bob.id(), 0, 10)).extracting(StoredMessage::body).containsExactly("hi", "second");
        assertThat(store().undeliveredCount(bob.id())).isEqualTo(2);
    }

    /** Found by a full run: an acknowledgement queued just before a SEND, in the same batch, made no room for it. */
    @Test
    void anAcknowledgementQueuedBeforeASendMakesRoomForIt() {
        Who alice = who("alice");
        Who bob = who("bob");
        for (int i = 0; i < 2; i++) {
            StoreContract.stored(store().sendLater(alice.id(), bob.name(), "m" + i, "m" + i, 10, 2).join());
        }
        long firstId = store().undelivered(bob.id(), 0, 10).get(0).id();
        List<CompletableFuture<SendOutcome>> f = new ArrayList<>();
        contract().whileWriterHeld(store(), () -> {
            store().acknowledgeLater(bob.id(), "", firstId, System.currentTimeMillis());
            f.add(store().sendLater(alice.id(), bob.name(), "fits", "fits again", 11, 2));
            f.add(store().sendLater(alice.id(), bob.name(), "full", "full again", 12, 2));
        });
        assertThat(f.get(0).join()).isInstanceOf(SendOutcome.Stored.class);
        assertThat(f.get(1).join()).isEqualTo(new SendOutcome.InboxFull(bob.name(), 2));
        assertThat(store().undelivered(bob.id(), firstId, 10)).extracting(StoredMessage::body).containsExactly("m1", "fits again");
    }

    /** A retry committed in an earlier batch is the same message; the id used otherwise is refused; ids are per sender. */
    @Test
    void aClientIdIsRememberedAcrossBatches() {
        Who alice = who("alice");
        Who bob = who("bob");
        Who carol = who("carol");
        SendOutcome.Stored first = (SendOutcome.Stored) store().send(alice.id(), bob.name(), "c1", "hello", 10, 100);
        assertThat(first).isEqualTo(new SendOutcome.Stored(first.id(), 10, bob.id()));
        assertThat(store().send(alice.id(), bob.name().toLowerCase(), "c1", "hello", 99, 100)).as("a retry, later")
                .isEqualTo(new SendOutcome.Duplicate(first.id(), 10));
        assertThat(store().send(alice.id(), bob.name(), "c1", "hello again", 99, 100)).isEqualTo(new SendOutcome.ClientIdReused());
        assertThat(store().send(alice.id(), carol.name(), "c1", "hello", 99, 100)).isEqualTo(new SendOutcome.ClientIdReused());
        long carols = StoreContract.stored(store().send(carol.id(), bob.name(), "c1", "hello", 99, 100));
        assertThat(carols).as("ids follow the order stored").isGreaterThan(first.id());
        store().acknowledgeLater(bob.id(), "", carols, 100);
        barrier();
        assertThat(store().send(alice.id(), bob.name(), "c1", "hello", 101, 100)).as("a retry after it was received")
                .isEqualTo(new SendOutcome.Duplicate(first.id(), 10));
        assertThat(store().undelivered(bob.id(), 0, 10)).isEmpty();
    }

    /** The inbox cap counts what waits for the account: stored below and at the edge, refused above, room again once received. */
    @Test
    void theInboxCapRefusesAtItsEdgeAndSaysHowManyWait() {
        Who alice = who("alice");
        Who bob = who("bob");
        StoreContract.stored(store().send(alice.id(), bob.name(), "1", "one", 10, 3));
        long second = StoreContract.stored(store().send(alice.id(), bob.name(), "2", "two", 10, 3));
        StoreContract.stored(store().send(alice.id(), bob.name(), "3", "the third fills it", 10, 3));
        assertThat(store().send(alice.id(), bob.name().toLowerCase(), "4", "one too many", 10, 3)).as("named as stored")
                .isEqualTo(new SendOutcome.InboxFull(bob.name(), 3));
        assertThat(store().send(alice.id(), bob.name(), "5", "a lower cap", 10, 2)).isEqualTo(new SendOutcome.InboxFull(bob.name(), 3));
        StoreContract.stored(store().send(alice.id(), bob.name(), "6", "a higher cap", 10, 4));
        store().acknowledgeLater(bob.id(), "", second, 20);
        barrier();
        assertThat(store().undeliveredCount(bob.id())).isEqualTo(2);
        StoreContract.stored(store().send(alice.id(), bob.name(), "4", "one too many, now room", 30, 3));
        assertThat(store().send(alice.id(), bob.name(), "7", "full again", 30, 3)).isEqualTo(new SendOutcome.InboxFull(bob.name(), 3));
    }

    @Test
    void aSendToNoOneOrToAGroupNotOnesOwnIsRefused() {
        Who alice = who("alice");
        Who bob = who("bob");
        String group = "#" + unique("crew");
        changeGroup(store(), new GroupChange.Create(bob.id(), group, 10), 0);
        assertThat(store().send(alice.id(), unique("nobody"), "1", "x", 10, 10)).isEqualTo(new SendOutcome.NoRecipient());
        assertThat(store().send(alice.id(), "#" + unique("none"), "2", "x", 10, 10)).isEqualTo(new SendOutcome.NoRecipient());
        assertThat(store().send(alice.id(), group, "3", "x", 10, 10)).isEqualTo(new SendOutcome.NotAMember());
        assertThat(store().send(alice.id(), bob.name(), "3", "x", 10, 10)).as("the refused ids are free")
                .isInstanceOf(SendOutcome.Stored.class);
    }

    /** A group message is stored for every member it reaches or for none: one full inbox refuses it for all. */
    @Test
    void aGroupSendIsStoredForEveryMemberOrForNone() {
        Who alice = who("alice");
        Who bob = who("bob");
        Who carol = who("carol");
        String group = "#" + unique("crew");
        changeGroup(store(), new GroupChange.Create(alice.id(), group, 10), 0);
        changeGroup(store(), new GroupChange.Add(alice.id(), group, bob.name(), 10, 10), 0);
        changeGroup(store(), new GroupChange.Add(alice.id(), group, carol.name(), 10, 10), 0);
        StoreContract.stored(store().send(bob.id(), carol.name(), "b1", "to carol", 10, 2));
        long full = StoreContract.stored(store().send(bob.id(), carol.name(), "b2", "carol is full", 10, 2));
        assertThat(store().send(alice.id(), group, "g1", "to everyone", 20, 2)).isEqualTo(new SendOutcome.InboxFull(carol.name(), 2));
        assertThat(store().undelivered(bob.id(), 0, 10)).as("nothing for bob either").isEmpty();

        store().acknowledgeLater(carol.id(), "", full, 30);
        barrier();
        SendOutcome o = store().send(alice.id(), group.toUpperCase(), "g1", "to everyone", 40, 2);
        assertThat(o).isInstanceOf(SendOutcome.GroupStored.class);
        SendOutcome.GroupStored g = (SendOutcome.GroupStored) o;
        assertThat(g.recipients()).containsExactlyInAnyOrder(bob.id(), carol.id());
        assertThat(g.copied()).isFalse();
        for (Who member : List.of(bob, carol)) {
            assertThat(store().undelivered(member.id(), 0, 10)).as(member.name())
                    .containsExactly(new StoredMessage(g.id(), alice.name(), group, 40, "to everyone"));
        }
        assertThat(store().undelivered(alice.id(), 0, 10)).as("not in the sender's own inbox").isEmpty();
        assertThat(store().send(alice.id(), group, "g1", "to everyone", 50, 2)).isEqualTo(new SendOutcome.Duplicate(g.id(), 40));
    }

    /**
     * A message sent from one of the sender's devices reaches her other devices holding her messages through
     * her inbox, never the sending device, and counts against nothing; none to oneself, from no device, or
     * for an account with one device.
     */
    @Test
    void copiesGoToTheSendersOtherDevices() {
        Who alice = who("alice");
        Who bob = who("bob");
        Who dave = who("dave");
        store().register(dave.id(), "only", 1);
        SendOutcome.Stored alone = (SendOutcome.Stored) store().sendLater(dave.id(), "only", bob.name(), "d1", "one device", 5, 10).join();
        assertThat(alone).isEqualTo(new SendOutcome.Stored(alone.id(), 5, bob.id(), false));

        store().register(alice.id(), "phone", 1);
        store().register(alice.id(), "laptop", 1);
        SendOutcome.Stored copied = (SendOutcome.Stored) store().sendLater(alice.id(), "phone", bob.name(), "a1", "copied", 10, 10).join();
        assertThat(copied.copied()).isTrue();
        assertThat(store().undelivered(alice.id(), "laptop", 0, 10))
                .containsExactly(new StoredMessage(copied.id(), alice.name(), bob.name(), 10, "copied"));
        assertThat(store().undelivered(alice.id(), "phone", 0, 10)).isEmpty();
        assertThat(store().unread(alice.id(), "laptop")).as("a copy is not counted").isZero();
        assertThat(store().undeliveredCount(alice.id())).isZero();
        assertThat(store().sendLater(bob.id(), "", alice.name(), "b1", "the cap of 1 is free", 11, 1).join())
                .isInstanceOf(SendOutcome.Stored.class);

        SendOutcome.Stored toSelf = (SendOutcome.Stored) store().sendLater(alice.id(), "phone", alice.name(), "a2", "a note", 12, 10).join();
        assertThat(toSelf.copied()).as("in her inbox already").isFalse();
        assertThat(((SendOutcome.Stored) store().sendLater(alice.id(), null, bob.name(), "a3", "no device", 13, 10).join()).copied()).isFalse();
        assertThat(store().undelivered(alice.id(), "phone", 0, 10)).extracting(StoredMessage::body)
                .containsExactly("the cap of 1 is free", "a note");
        assertThat(store().undelivered(alice.id(), "laptop", 0, 10)).extracting(StoredMessage::body)
                .containsExactly("copied", "the cap of 1 is free", "a note");
    }

    /**
     * A sender's other device idle past the horizon holds nothing, so it gets no copy; seen again, it does. Which
     * device holds is the core's decision ({@code SendDecisions.holds}) on both stores: PostgreSQL's probe reads the
     * other devices' latest activity, the log store its marks. The horizon is set for this case alone.
     */
    @Test
    void anOtherDeviceIdlePastTheHorizonGetsNoCopyUntilItIsSeenAgain() {
        withHorizon(Duration.ofSeconds(10), s -> {
            Who alice = contract().who(s, "alice");
            Who bob = contract().who(s, "bob");
            s.register(alice.id(), "phone", 1_000);
            s.register(alice.id(), "laptop", 1_000);
            SendOutcome.Stored idle = (SendOutcome.Stored) s.sendLater(alice.id(), "phone", bob.name(), unique("a"),
                    "the laptop last seen 19 s ago", 20_000, 10).join();
            assertThat(idle.copied()).as("the laptop is past the 10 s horizon").isFalse();
            s.seen(alice.id(), "laptop", 21_000);
            SendOutcome.Stored back = (SendOutcome.Stored) s.sendLater(alice.id(), "phone", bob.name(), unique("a"),
                    "the laptop seen 1 s ago", 22_000, 10).join();
            assertThat(back.copied()).as("the laptop holds again").isTrue();
            assertThat(s.undelivered(alice.id(), "laptop", 0, 10)).extracting(StoredMessage::body)
                    .containsExactly("the laptop seen 1 s ago");
        });
    }

    /**
     * A retry of a group message in the batch that stored it is the same message, by its first's id and time; the id
     * with another body is refused; a member's full inbox in the same batch refuses the group's next message for all.
     */
    @Test
    void aGroupRetryInItsOwnBatchIsTheFirstAndTheCapCountsTheBatch() {
        Who alice = who("alice");
        Who bob = who("bob");
        Who carol = who("carol");
        String group = "#" + unique("crew");
        changeGroup(store(), new GroupChange.Create(alice.id(), group, 10), 0);
        changeGroup(store(), new GroupChange.Add(alice.id(), group, bob.name(), 10, 10), 0);
        changeGroup(store(), new GroupChange.Add(alice.id(), group, carol.name(), 10, 10), 0);
        StoreContract.stored(store().send(bob.id(), carol.name(), "b1", "carol has one", 10, 3));
        List<CompletableFuture<SendOutcome>> f = new ArrayList<>();
        contract().whileWriterHeld(store(), () -> {
            f.add(store().sendLater(alice.id(), group, "g1", "first", 20, 3));
            f.add(store().sendLater(alice.id(), group.toUpperCase(), "g1", "first", 21, 3)); // the retry
            f.add(store().sendLater(alice.id(), group, "g1", "another body", 22, 3));
            f.add(store().sendLater(alice.id(), group, "g2", "fills carol's", 23, 3));
            f.add(store().sendLater(alice.id(), group, "g3", "one too many for carol", 24, 3));
            f.add(store().sendLater(alice.id(), bob.name(), "a1", "bob has room", 25, 3));
        });
        List<SendOutcome> o = f.stream().map(CompletableFuture::join).toList();
        SendOutcome.GroupStored first = (SendOutcome.GroupStored) o.get(0);
        assertThat(first.recipients()).containsExactlyInAnyOrder(bob.id(), carol.id());
        assertThat(o.get(1)).isEqualTo(new SendOutcome.Duplicate(first.id(), 20));
        assertThat(o.get(2)).isInstanceOf(SendOutcome.ClientIdReused.class);
        assertThat(o.get(3)).isInstanceOf(SendOutcome.GroupStored.class);
        assertThat(o.get(4)).isEqualTo(new SendOutcome.InboxFull(carol.name(), 3));
        assertThat(o.get(5)).isInstanceOf(SendOutcome.Stored.class);
        assertThat(store().undelivered(bob.id(), 0, 10)).extracting(StoredMessage::body)
                .containsExactly("first", "fills carol's", "bob has room");
        assertThat(store().undeliveredCount(carol.id())).isEqualTo(3);
    }

    /**
     * An acknowledgement's mark is the newest message it covers, passing the device's own copies that follow it (it
     * never receives those); with every device past a copy, the floor passes it, and a new device starts after it.
     */
    @Test
    void aMarkPassesTheDevicesOwnCopiesAndTheFloorFollows() {
        Who alice = who("alice");
        Who bob = who("bob");
        store().register(alice.id(), "phone", 1);
        store().register(alice.id(), "laptop", 1);
        long one = StoreContract.stored(store().sendLater(bob.id(), "", alice.name(), "b1", "one", 10, 10).join());
        SendOutcome.Stored copy = (SendOutcome.Stored) store().sendLater(alice.id(), "phone", bob.name(), "a1", "copied", 11, 10).join();
        assertThat(copy.copied()).isTrue();
        store().acknowledgeLater(alice.id(), "phone", one, 20);
        store().acknowledgeLater(alice.id(), "laptop", copy.id(), 21);
        barrier();
        assertThat(store().undelivered(alice.id(), "phone", 0, 10)).isEmpty();
        assertThat(store().undelivered(alice.id(), "laptop", 0, 10)).isEmpty();
        assertThat(store().undeliveredCount(alice.id())).isZero();
        store().register(alice.id(), "tablet", 30);
        assertThat(store().undelivered(alice.id(), "tablet", 0, 10)).as("starts at the floor, past the copy").isEmpty();
        long two = StoreContract.stored(store().sendLater(bob.id(), "", alice.name(), "b2", "two", 40, 10).join());
        assertThat(store().undelivered(alice.id(), "tablet", 0, 10)).extracting(StoredMessage::id).containsExactly(two);
        assertThat(store().undelivered(alice.id(), "phone", 0, 10)).extracting(StoredMessage::id).containsExactly(two);
        assertThat(store().undeliveredCount(alice.id())).isEqualTo(1);
    }
}
