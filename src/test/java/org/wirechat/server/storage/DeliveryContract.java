package org.wirechat.server.storage;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.wirechat.server.Await;
import org.wirechat.server.core.port.DeviceSeen;
import org.wirechat.server.core.port.SendOutcome;
import org.wirechat.server.core.port.Storage;
import org.wirechat.server.core.port.StoredMessage;
import org.wirechat.server.core.rules.GroupChange;
import org.wirechat.server.storage.StoreContract.Who;

/**
 * Fetching and acknowledging per device, the account's floor, device registration and listing, the device
 * horizon and missed counts, and history (the redesign's {@code MessageStore} past the send).
 */
abstract class DeliveryContract extends ContractArea {

    private long send(Storage s, Who from, Who to, String body, long now) {
        return StoreContract.stored(s.send(from.id(), to.name(), unique("c"), body, now, 100));
    }

    /** Each device has its own mark; the account's count is what some holding device lacks (its floor). */
    @Test
    void eachDeviceAcknowledgesForItselfAndTheFloorIsTheLowestMark() {
        Who alice = who("alice");
        Who bob = who("bob");
        store().register(bob.id(), "phone", 1);
        store().register(bob.id(), "laptop", 1);
        long first = send(store(), alice, bob, "first", 10);
        long second = send(store(), alice, bob, "second", 11);
        store().acknowledgeLater(bob.id(), "phone", first, 20);
        assertThat(store().undelivered(bob.id(), "phone", 0, 10)).extracting(StoredMessage::id).containsExactly(second);
        assertThat(store().undelivered(bob.id(), "laptop", 0, 10)).extracting(StoredMessage::id).containsExactly(first, second);
        assertThat(store().unread(bob.id(), "phone")).isEqualTo(1);
        assertThat(store().unread(bob.id(), "laptop")).isEqualTo(2);
        barrier();
        assertThat(store().undeliveredCount(bob.id())).as("the laptop holds both").isEqualTo(2);

        store().acknowledgeLater(bob.id(), "laptop", second, 30);
        barrier();
        assertThat(store().undeliveredCount(bob.id())).as("the phone still lacks the second").isEqualTo(1);
        store().acknowledgeLater(bob.id(), "phone", second, 40);
        barrier();
        assertThat(store().undeliveredCount(bob.id())).isZero();
        assertThat(store().undelivered(bob.id(), "laptop", 0, 10)).isEmpty();
        assertThat(store().undelivered(bob.id(), "phone", 0, 10)).isEmpty();
    }

    /**
     * A device acknowledging one message at a time while another holds the floor far behind: each mark's count is the
     * count at its id (PostgreSQL counts on from the device's own mark, not from the floor), so when the floor moves
     * to that mark the account's count is right — direct and group messages alike.
     */
    @Test
    void aMarkAheadOfTheFloorCountsTheMessagesAtItAndTheFloorTakesThatCount() {
        Who alice = who("alice");
        Who bob = who("bob");
        store().register(bob.id(), "phone", 1);
        store().register(bob.id(), "laptop", 1);
        String crew = "#" + unique("crew");
        changeGroup(store(), new GroupChange.Create(alice.id(), crew, 2), 0);
        changeGroup(store(), new GroupChange.Add(alice.id(), crew, bob.name(), 2, 2), 0);
        List<Long> ids = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            long now = 10 + i;
            ids.add(i % 2 == 0 ? send(store(), alice, bob, "d" + i, now)
                    : StoreContract.groupStored(store().send(alice.id(), crew, unique("g"), "g" + i, now, 100)));
        }
        for (int i = 0; i < 4; i++) { // the phone, one at a time; the laptop holds the floor at none
            store().acknowledgeLater(bob.id(), "phone", ids.get(i), 20 + i);
            barrier();
            assertThat(store().unread(bob.id(), "phone")).isEqualTo(5 - i);
        }
        assertThat(store().undeliveredCount(bob.id())).as("the laptop holds all six").isEqualTo(6);
        store().acknowledgeLater(bob.id(), "laptop", ids.get(5), 30);
        barrier();
        assertThat(store().undeliveredCount(bob.id())).as("the floor at the phone's mark, with its count").isEqualTo(2);
        long seventh = send(store(), alice, bob, "d6", 31);
        assertThat(store().undeliveredCount(bob.id())).isEqualTo(3);
        store().acknowledgeLater(bob.id(), "phone", seventh, 32);
        barrier();
        assertThat(store().undeliveredCount(bob.id())).as("the floor at the laptop's mark").isEqualTo(1);
        assertThat(store().unread(bob.id(), "laptop")).isEqualTo(1);
        assertThat(store().unread(bob.id(), "phone")).isZero();
    }

    @Test
    void undeliveredStartsAfterTheGivenIdOldestFirstAtMostMax() {
        Who alice = who("alice");
        Who bob = who("bob");
        long first = send(store(), alice, bob, "first", 10);
        long second = send(store(), alice, bob, "second", 11);
        long third = send(store(), alice, bob, "third", 12);
        assertThat(store().undelivered(bob.id(), 0, 2)).extracting(StoredMessage::body).containsExactly("first", "second");
        assertThat(store().undelivered(bob.id(), first, 1)).extracting(StoredMessage::body).containsExactly("second");
        assertThat(store().undelivered(bob.id(), "", second, 10))
                .containsExactly(new StoredMessage(third, alice.name(), bob.name(), 12, "third"));
        assertThat(store().undelivered(alice.id(), 0, 10)).isEmpty();
    }

    /**
     * Found by the model suite (SequentialModelProperties; was SendBatchTest's): a FETCH right after
     * LOGIN_DEVICE, before the log writer had committed the device's registration, was not counted as the
     * device's last sight, so LIST_DEVICES showed the login's time. The writer is held so the registration
     * waits, as it did under load (the login is answered once it is stored: its FETCH, by an earlier login of
     * the device, is made meanwhile).
     */
    @Test
    void aDeviceSeenBeforeItsRegistrationIsCommittedIsSeenThen() throws Exception {
        Who alice = who("alice");
        AtomicReference<CompletableFuture<Void>> registered = new AtomicReference<>();
        contract().whileWriterHeld(store(), () -> {
            registered.set(Registrations.queued(store(), alice.id(), "phone", 1_000));
            store().seen(alice.id(), "phone", 61_000);
        });
        registered.get().get(30, TimeUnit.SECONDS);
        assertThat(store().devices(alice.id())).containsExactly(new DeviceSeen("phone", 61_000));
    }

    /**
     * Found by the model suite on PostgreSQL (was SendBatchTest's): LIST_DEVICES right after the default
     * device's first acknowledgement was answered did not list it (the acknowledgement was not committed
     * yet). The writer is held so the acknowledgement waits, and the listing is asked meanwhile.
     */
    @Test
    void aDevicesFirstAcknowledgementIsListedOnceAnswered() throws Exception {
        Who alice = who("alice");
        Who bob = who("bob");
        long id = send(store(), bob, alice, "hi", 10);
        CompletableFuture<List<DeviceSeen>> listed = new CompletableFuture<>();
        contract().whileWriterHeld(store(), () -> {
            store().acknowledgeLater(alice.id(), "", id, 20);
            Thread lister = Thread.ofPlatform().start(() -> listed.complete(store().devices(alice.id())));
            Await.until("the listing is answered, or waits", () -> listed.isDone() || lister.getState() == Thread.State.WAITING);
        });
        assertThat(listed.get(30, TimeUnit.SECONDS)).extracting(DeviceSeen::device).containsExactly("");
    }

    /**
     * Found by a full run (was SendBatchTest's): FETCH acknowledges first and answers after, so a LOGIN right
     * after it must not count what it acknowledged, though the writer has not written the acknowledgement yet.
     */
    @Test
    void anAcknowledgementOnItsWayIsNoLongerCountedOrShown() {
        Who alice = who("alice");
        Who bob = who("bob");
        long firstId = send(store(), alice, bob, "first", 10);
        send(store(), alice, bob, "second", 11);
        contract().whileWriterHeld(store(), () -> {
            store().acknowledgeLater(bob.id(), "", firstId, System.currentTimeMillis());
            assertThat(store().unread(bob.id(), "")).as("for the device that acknowledged").isEqualTo(1);
            assertThat(store().undelivered(bob.id(), 0, 10)).extracting(StoredMessage::body).containsExactly("second");
        });
    }

    /** A device registered after others acknowledged starts at the floor they leave, and is listed with when it was seen. */
    @Test
    void aNewDeviceStartsAtTheFloorAndIsListed() {
        Who alice = who("alice");
        Who bob = who("bob");
        long first = send(store(), alice, bob, "first", 10);
        send(store(), alice, bob, "second", 11);
        assertThat(store().devices(bob.id())).as("the default device holds nothing before it acknowledges").isEmpty();
        store().acknowledgeLater(bob.id(), "", first, 20);
        store().register(bob.id(), "tablet", 30); // after the acknowledgement, with no barrier between
        assertThat(store().undelivered(bob.id(), "tablet", 0, 10)).extracting(StoredMessage::body).containsExactly("second");
        assertThat(store().unread(bob.id(), "tablet")).isEqualTo(1);
        assertThat(store().missed(bob.id(), "tablet")).isZero();
        store().seen(bob.id(), "tablet", 40);
        assertThat(store().devices(bob.id())).extracting(DeviceSeen::device).containsExactlyInAnyOrder("", "tablet");
        assertThat(store().devices(bob.id())).filteredOn(d -> d.device().equals("tablet"))
                .extracting(DeviceSeen::lastSeenMillis).containsExactly(40L);
        store().register(bob.id(), "tablet", 50); // again: it keeps its mark
        assertThat(store().undelivered(bob.id(), "tablet", 0, 10)).extracting(StoredMessage::body).containsExactly("second");
        assertThat(store().missed(bob.id(), "never seen")).isZero();
    }

    /**
     * A device idle past the horizon stops holding the account's messages (at an acknowledgement, and on the
     * full-inbox path); back, it starts at the floor and is told how many it missed. The horizon is the
     * store's: set for this case alone (cases run one at a time) and put back to the default after it.
     */
    @Test
    void aDeviceIdlePastTheHorizonStopsHoldingAndIsToldWhatItMissed() {
        withHorizon(Duration.ofSeconds(10), s -> {
            Who alice = contract().who(s, "alice");
            Who bob = contract().who(s, "bob");
            s.register(bob.id(), "phone", 0);
            s.register(bob.id(), "laptop", 0);
            send(s, alice, bob, "one", 1_000);
            long two = send(s, alice, bob, "two", 2_000);
            s.acknowledgeLater(bob.id(), "phone", two, 5_000);
            contract().barrier(s);
            assertThat(s.undeliveredCount(bob.id())).as("the laptop, seen 5 s ago, holds them").isEqualTo(2);

            assertThat(s.send(alice.id(), bob.name(), "3", "three", 20_000, 2)).as("full: the laptop holds; recomputed at 20 s, it does not")
                    .isInstanceOf(SendOutcome.Stored.class);
            assertThat(s.undeliveredCount(bob.id())).isEqualTo(1);
            long four = send(s, alice, bob, "four", 21_000);
            s.acknowledgeLater(bob.id(), "phone", four, 22_000);
            contract().barrier(s);
            assertThat(s.undeliveredCount(bob.id())).isZero();

            assertThat(s.missed(bob.id(), "laptop")).isEqualTo(4);
            s.seen(bob.id(), "laptop", 23_000);
            assertThat(s.undelivered(bob.id(), "laptop", 0, 10)).isEmpty();
            long five = send(s, alice, bob, "five", 24_000);
            assertThat(s.undelivered(bob.id(), "laptop", 0, 10)).extracting(StoredMessage::id).containsExactly(five);
            assertThat(s.undeliveredCount(bob.id())).isEqualTo(1);
        });
    }

    /** A conversation, both directions, newest first, before an id, at most max; nothing of other conversations. */
    @Test
    void historyIsTheConversationNewestFirst() {
        Who alice = who("alice");
        Who bob = who("bob");
        Who carol = who("carol");
        long m1 = send(store(), alice, bob, "a to b", 10);
        long m2 = send(store(), bob, alice, "b to a", 11);
        send(store(), alice, carol, "a to c", 12);
        long m3 = send(store(), alice, bob, "a to b again", 13);
        store().acknowledgeLater(bob.id(), "", m3, 14); // received messages stay in history
        barrier();
        assertThat(store().history(alice.id(), bob.id(), 0, 10)).containsExactly(
                new StoredMessage(m3, alice.name(), bob.name(), 13, "a to b again"),
                new StoredMessage(m2, bob.name(), alice.name(), 11, "b to a"),
                new StoredMessage(m1, alice.name(), bob.name(), 10, "a to b"));
        assertThat(store().history(bob.id(), alice.id(), m3, 1)).extracting(StoredMessage::id).containsExactly(m2);
        assertThat(store().history(bob.id(), carol.id(), 0, 10)).isEmpty();
    }
}
