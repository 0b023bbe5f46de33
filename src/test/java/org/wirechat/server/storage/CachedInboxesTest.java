package org.wirechat.server.storage;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.wirechat.server.core.port.StoredMessage;

/** The rules that keep PostgreSQL's in-memory inboxes whole, without a database. */
@Timeout(60)
class CachedInboxesTest {
    private static final long BOB = 7;

    private static StoredMessage m(long id) {
        return new StoredMessage(id, "alice", "bob", id, "m" + id);
    }

    /** An inbox read as holding messages 10 and 11, the row's newest being 11. */
    private static CachedInboxes readWhole() {
        CachedInboxes c = new CachedInboxes();
        assertThat(c.read(BOB, "phone", 0, 10)).as("nothing cached yet: read the database").isNull();
        CachedInboxes.Ticket t = c.ticket(BOB);
        c.install(BOB, t, 0, 11, List.of(m(10), m(11)), java.util.Map.of());
        return c;
    }

    @Test
    void aMessageStoredRightAfterTheNewestIsServedFromMemory() {
        CachedInboxes c = readWhole();
        c.stored(BOB, 11, m(12), null);
        assertThat(c.read(BOB, "phone", 0, 10)).extracting(StoredMessage::id).containsExactly(10L, 11L, 12L);
        assertThat(c.read(BOB, "phone", 11, 10)).as("a device that has 11 is shown what follows").extracting(StoredMessage::id)
                .containsExactly(12L);
        assertThat(c.read(BOB, "phone", 0, 10)).as("reading takes nothing away: another device may still need it")
                .extracting(StoredMessage::id).containsExactly(10L, 11L, 12L);
        c.acknowledged(BOB, 11); // the account's floor: no device waits for 10 or 11
        assertThat(c.read(BOB, "phone", 0, 10)).as("below the floor: the database knows").isNull();
        assertThat(c.read(BOB, "phone", 11, 10)).extracting(StoredMessage::id).containsExactly(12L);
    }

    @Test
    void aMessageStoredAfterOneThisServerNeverSawForgetsTheInbox() {
        CachedInboxes c = readWhole();
        c.stored(BOB, 13, m(14), null); // 12 or 13 was stored by another server
        assertThat(c.read(BOB, "phone", 11, 10)).isNull();
        c.stored(BOB, 14, m(15), null);
        assertThat(c.read(BOB, "phone", 11, 10)).as("forgotten until read again").isNull();
    }

    @Test
    void aMessageAlreadyReadIsNotAddedTwice() {
        CachedInboxes c = readWhole();
        c.stored(BOB, 10, m(11), null); // told after the read that found it
        assertThat(c.read(BOB, "phone", 0, 10)).extracting(StoredMessage::id).containsExactly(10L, 11L);
    }

    @Test
    void commitsToldOutOfOrderOnlyForgetTheInbox() {
        CachedInboxes c = readWhole();
        c.stored(BOB, 12, m(13), null);
        c.stored(BOB, 11, m(12), null);
        assertThat(c.read(BOB, "phone", 0, 10)).isNull();
    }

    @Test
    void aReadThatRacedACommitIsNotInstalled() {
        CachedInboxes c = new CachedInboxes();
        CachedInboxes.Ticket t = c.ticket(BOB);
        c.stored(BOB, 11, m(12), null); // committed while the read ran: the read may or may not have seen it
        c.install(BOB, t, 0, 11, List.of(m(10), m(11)), java.util.Map.of());
        assertThat(c.read(BOB, "phone", 0, 10)).isNull();
    }

    @Test
    void anotherServersMailOrALostNotificationLinkForgetsTheInbox() {
        CachedInboxes c = readWhole();
        c.changedElsewhere(BOB);
        assertThat(c.read(BOB, "phone", 0, 10)).isNull();
        CachedInboxes d = readWhole();
        d.forgetAll();
        assertThat(d.read(BOB, "phone", 0, 10)).isNull();
    }

    @Test
    void anAcknowledgementOfThisServerHidesWhatItCovers() {
        CachedInboxes c = readWhole();
        c.acknowledged(BOB, 10);
        assertThat(c.read(BOB, "phone", 10, 10)).extracting(StoredMessage::id).containsExactly(11L);
        assertThat(c.read(BOB, "phone", 0, 10)).isNull();
    }

    @Test
    void aFetchGetsAtMostWhatItAsked() {
        CachedInboxes c = readWhole();
        assertThat(c.read(BOB, "phone", 0, 1)).extracting(StoredMessage::id).containsExactly(10L);
    }

    @Test
    void aBigInboxIsNotHeldInMemory() {
        CachedInboxes c = readWhole();
        for (long id = 12; id < 12 + CachedInboxes.MAX_MESSAGES; id++) {
            c.stored(BOB, id - 1, m(id), null);
        }
        assertThat(c.read(BOB, "phone", 0, 10)).isNull();
    }

    @Test
    void anIdleInboxIsDroppedAndAReadBegunBeforeIsNotInstalledIntoItsSuccessor() {
        CachedInboxes c = new CachedInboxes();
        CachedInboxes.Ticket t = c.ticket(BOB);
        c.dropIdle(System.nanoTime() + CachedInboxes.IDLE_NANOS + 1);
        assertThat(c.size()).isZero();
        c.ticket(BOB); // a new entry, generation 0 like the dropped one
        c.install(BOB, t, 0, 11, List.of(m(10), m(11)), java.util.Map.of());
        assertThat(c.read(BOB, "phone", 0, 10)).isNull();
    }

    @Test
    void aCopyOfTheAccountsOwnMessageIsHeldForItsOtherDevicesNeverTheOneThatSentIt() {
        CachedInboxes c = readWhole();
        c.stored(BOB, 11, m(12), "phone");
        c.stored(BOB, 12, m(13), null);
        assertThat(c.read(BOB, "phone", 11, 10)).extracting(StoredMessage::id).containsExactly(13L);
        assertThat(c.read(BOB, "laptop", 11, 10)).extracting(StoredMessage::id).containsExactly(12L, 13L);
        CachedInboxes.Ticket t = c.ticket(BOB);
        c.install(BOB, t, 11, 13, List.of(m(12), m(13)), java.util.Map.of(13L, "laptop")); // as a read finds them
        assertThat(c.read(BOB, "phone", 11, 10)).extracting(StoredMessage::id).containsExactly(12L, 13L);
        assertThat(c.read(BOB, "laptop", 11, 10)).extracting(StoredMessage::id).containsExactly(12L);
        c.acknowledged(BOB, 13);
        c.stored(BOB, 13, m(14), "phone");
        assertThat(c.read(BOB, "laptop", 13, 10)).extracting(StoredMessage::id).containsExactly(14L);
        assertThat(c.read(BOB, "phone", 13, 10)).isEmpty();
    }
}
