package org.wirechat.server.storage;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.wirechat.server.core.port.StoredMessage;

/** The in-memory inbox both stores keep: what a device is handed, what counts as waiting, what the floor drops. */
class InboxTest {
    private static StoredMessage message(long id, String from, String to) {
        return new StoredMessage(id, from, to, 1_000 + id, "body " + id);
    }

    private static List<Long> ids(List<StoredMessage> messages) {
        return messages.stream().map(StoredMessage::id).toList();
    }

    @Test
    void aDeviceIsNeverHandedItsOwnCopyButTheAccountsOtherDevicesAre() {
        Inbox in = new Inbox();
        in.add(message(1, "bob", "ann"), null);
        in.add(message(2, "ann", "bob"), "phone"); // ann's own message, sent from her phone
        in.add(message(3, "bob", "ann"), null);

        assertThat(ids(in.forDevice("phone", 0, 10))).containsExactly(1L, 3L);
        assertThat(ids(in.forDevice("laptop", 0, 10))).containsExactly(1L, 2L, 3L);
        assertThat(ids(in.forDevice("laptop", 1, 10))).containsExactly(2L, 3L);
        assertThat(ids(in.forDevice("laptop", 0, 2))).as("at most max").containsExactly(1L, 2L);
        assertThat(in.received()).as("copies never count as waiting").isEqualTo(2);
        assertThat(in.size()).isEqualTo(3);
        assertThat(in.isCopy(2)).isTrue();
        assertThat(in.isCopyFrom(2, "laptop")).isFalse();
    }

    @Test
    void dropThroughForgetsTheCopiesItDropsSoTheyStopCountingAgainstTheInbox() {
        Inbox in = new Inbox();
        in.add(message(1, "ann", "bob"), "phone");
        in.add(message(2, "bob", "ann"), null);
        in.add(message(3, "ann", "bob"), "phone");

        in.dropThrough(2);

        assertThat(ids(in.forDevice("laptop", 0, 10))).containsExactly(3L);
        assertThat(in.received()).isZero();
        assertThat(in.isCopy(1)).isFalse();
        in.dropThrough(3);
        assertThat(in.isEmpty()).isTrue();
    }

    @Test
    void resetSortAndRenameKeepWhichMessagesAreCopies() {
        Inbox in = new Inbox();
        in.add(message(9, "x", "y"), null);
        in.reset(List.of(message(4, "ann", "team"), message(2, "ann", "bob")), Map.of(2L, "phone"));
        in.sort();
        in.replaceEach(m -> m.recipient().equals("team") ? new StoredMessage(m.id(), m.sender(), "crew", m.timestampMillis(), m.body()) : m);

        assertThat(in).extracting(StoredMessage::id).containsExactly(2L, 4L);
        assertThat(in).extracting(StoredMessage::recipient).containsExactly("bob", "crew");
        assertThat(ids(in.forDevice("phone", 0, 10))).containsExactly(4L);
        assertThat(in.received()).isEqualTo(1);
    }
}
