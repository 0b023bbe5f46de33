package org.wirechat.server.storage;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.wirechat.server.Await;

/**
 * SENDs queued together are decided in one batch exactly as if stored one after another: a retry in the
 * same batch is the same message, a reused client id is refused, the inbox fills at its edge, and ids
 * follow the order they were queued. The writer is held while they are queued, so they make one batch.
 */
abstract class SendBatchTest {
    abstract Store open();

    abstract void whileWriterHeld(Store store, Runnable meanwhile);

    @Test
    void sendsQueuedTogetherAreDecidedAsIfOneAfterAnother() {
        try (Store store = open()) {
            long alice = store.createAccount("alice", "Alice", "h", 0).orElseThrow().id();
            long bob = store.createAccount("Bob", "Bob", "h", 0).orElseThrow().id();
            List<CompletableFuture<SendOutcome>> f = new ArrayList<>();
            whileWriterHeld(store, () -> {
                f.add(store.sendLater(alice, "bob", "same", "hi", 10, 2));
                f.add(store.sendLater(alice, "BOB", "same", "hi", 11, 2)); // the retry, the name in another case
                f.add(store.sendLater(alice, "bob", "same", "not hi", 12, 2));
                f.add(store.sendLater(alice, "alice", "same", "hi", 13, 2));
                f.add(store.sendLater(alice, "bob", "next", "second", 14, 2));
                f.add(store.sendLater(alice, "bob", "third", "one too many", 15, 2));
                f.add(store.sendLater(alice, "nobody", "fourth", "lost?", 16, 2));
                f.add(store.sendLater(bob, "alice", "same", "bob's own", 17, 2));
            });
            List<SendOutcome> o = f.stream().map(CompletableFuture::join).toList();
            SendOutcome.Stored first = (SendOutcome.Stored) o.get(0);
            assertThat(first.recipientId()).isEqualTo(bob);
            assertThat(o.get(1)).isEqualTo(new SendOutcome.Duplicate(first.id(), 10));
            assertThat(o.get(2)).isInstanceOf(SendOutcome.ClientIdReused.class);
            assertThat(o.get(3)).isInstanceOf(SendOutcome.ClientIdReused.class);
            SendOutcome.Stored second = (SendOutcome.Stored) o.get(4);
            assertThat(second.id()).isGreaterThan(first.id());
            assertThat(o.get(5)).isEqualTo(new SendOutcome.InboxFull("Bob", 2));
            assertThat(o.get(6)).isInstanceOf(SendOutcome.NoRecipient.class);
            assertThat(((SendOutcome.Stored) o.get(7)).id()).isGreaterThan(second.id());
            assertThat(store.undelivered(bob, 0, 10)).extracting(StoredMessage::body).containsExactly("hi", "second");
            assertThat(store.undeliveredCount(bob)).isEqualTo(2);
        }
    }

    /** Found by a full run: an acknowledgement queued just before a SEND, in the same batch, made no room for it. */
    @Test
    void anAcknowledgementQueuedBeforeASendMakesRoomForIt() {
        try (Store store = open()) {
            long alice = store.createAccount("alice", "Alice", "h", 0).orElseThrow().id();
            long bob = store.createAccount("bob", "Bob", "h", 0).orElseThrow().id();
            for (int i = 0; i < 2; i++) {
                assertThat(store.sendLater(alice, "bob", "m" + i, "m" + i, 10, 2).join()).isInstanceOf(SendOutcome.Stored.class);
            }
            long firstId = store.undelivered(bob, 0, 10).get(0).id();
            List<CompletableFuture<SendOutcome>> f = new ArrayList<>();
            whileWriterHeld(store, () -> {
                store.acknowledgeLater(bob, firstId);
                f.add(store.sendLater(alice, "bob", "fits", "fits again", 11, 2));
                f.add(store.sendLater(alice, "bob", "full", "full again", 12, 2));
            });
            assertThat(f.get(0).join()).isInstanceOf(SendOutcome.Stored.class);
            assertThat(f.get(1).join()).isEqualTo(new SendOutcome.InboxFull("bob", 2));
            assertThat(store.undelivered(bob, firstId, 10)).extracting(StoredMessage::body).containsExactly("m1", "fits again");
        }
    }

    /**
     * Found by the model suite (SequentialModelProperties): a FETCH right after LOGIN_DEVICE, before the log
     * writer had committed the device's registration, was not counted as the device's last sight, so
     * LIST_DEVICES showed the login's time. The writer is held so the registration waits, as it did under load.
     */
    @Test
    void aDeviceSeenBeforeItsRegistrationIsCommittedIsSeenThen() {
        try (Store store = open()) {
            long alice = store.createAccount("alice", "Alice", "h", 0).orElseThrow().id();
            whileWriterHeld(store, () -> {
                store.register(alice, "phone", 1_000);
                store.seen(alice, "phone", 61_000);
            });
            assertThat(store.devices(alice)).containsExactly(new DeviceSeen("phone", 61_000));
        }
    }

    /**
     * Found by the model suite on PostgreSQL: LIST_DEVICES right after the default device's first
     * acknowledgement was answered did not list it (the acknowledgement was not committed yet). The writer
     * is held so the acknowledgement waits, and the listing is asked meanwhile.
     */
    @Test
    void aDevicesFirstAcknowledgementIsListedOnceAnswered() throws Exception {
        try (Store store = open()) {
            long alice = store.createAccount("alice", "Alice", "h", 0).orElseThrow().id();
            long bob = store.createAccount("bob", "Bob", "h", 0).orElseThrow().id();
            long id = ((SendOutcome.Stored) store.sendLater(bob, "alice", "m", "hi", 10, 5).join()).id();
            CompletableFuture<List<DeviceSeen>> listed = new CompletableFuture<>();
            whileWriterHeld(store, () -> {
                store.acknowledgeLater(alice, "", id, 20);
                Thread lister = Thread.ofPlatform().start(() -> listed.complete(store.devices(alice)));
                Await.until("the listing is answered, or waits", () -> listed.isDone() || lister.getState() == Thread.State.WAITING);
            });
            assertThat(listed.get(30, TimeUnit.SECONDS)).extracting(DeviceSeen::device).containsExactly("");
        }
    }

    /** Not a batch matter, but a store one both stores must do alike: revoking all of an account's tokens (admin reset). */
    @Test
    void everyTokenOfAnAccountIsRevokedAtOnce() {
        try (Store store = open()) {
            long alice = store.createAccount("alice", "Alice", "h", 0).orElseThrow().id();
            long bob = store.createAccount("bob", "Bob", "h", 0).orElseThrow().id();
            store.insertToken(new byte[] {1}, alice, "", 0, Long.MAX_VALUE, 10);
            store.insertToken(new byte[] {2}, alice, "", 0, Long.MAX_VALUE, 10);
            store.insertToken(new byte[] {3}, bob, "", 0, Long.MAX_VALUE, 10);
            assertThat(store.deleteTokensOf(alice)).isEqualTo(2);
            assertThat(store.findToken(new byte[] {1})).isEmpty();
            assertThat(store.findToken(new byte[] {2})).isEmpty();
            assertThat(store.findToken(new byte[] {3})).isPresent();
            assertThat(store.deleteTokensOf(alice)).isZero();
        }
    }

    /**
     * Found by a full run: FETCH acknowledges first and answers after, so a LOGIN right after it must not
     * count what it acknowledged, though the writer has not written the acknowledgement yet.
     */
    @Test
    void anAcknowledgementOnItsWayIsNoLongerCountedOrShown() {
        try (Store store = open()) {
            long alice = store.createAccount("alice", "Alice", "h", 0).orElseThrow().id();
            long bob = store.createAccount("bob", "Bob", "h", 0).orElseThrow().id();
            store.sendLater(alice, "bob", "a", "first", 10, 10).join();
            store.sendLater(alice, "bob", "b", "second", 11, 10).join();
            long firstId = store.undelivered(bob, 0, 10).get(0).id();
            whileWriterHeld(store, () -> {
                store.acknowledgeLater(bob, firstId);
                assertThat(store.unread(bob, "")).as("for the device that acknowledged").isEqualTo(1);
                assertThat(store.undelivered(bob, 0, 10)).extracting(StoredMessage::body).containsExactly("second");
            });
        }
    }
}
