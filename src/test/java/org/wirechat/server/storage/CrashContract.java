package org.wirechat.server.storage;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.wirechat.server.core.port.Account;
import org.wirechat.server.core.port.GroupInfo;
import org.wirechat.server.core.port.SendOutcome;
import org.wirechat.server.core.port.Storage;
import org.wirechat.server.core.port.StoredMessage;
import org.wirechat.server.core.port.TokenRow;
import org.wirechat.server.core.rules.GroupChange;
import org.wirechat.server.storage.StoreContract.Who;

/**
 * Restarts and crashes: everything answered is there after either, acknowledgements committed before an
 * answered write stay made, a retry is still recognised, and no id is given out twice. These cases share a
 * store of their own (each crashes or restarts it), so the other areas' shared store is never broken by one.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class CrashContract extends ContractArea {
    private Storage s;

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

    @Test
    void everythingAnsweredSurvivesACrash() throws Exception {
        Who alice = contract().who(s, "alice");
        Who bob = contract().who(s, "bob");
        Who carol = contract().who(s, "carol");
        byte[] token = unique("token").getBytes();
        s.insert(token, alice.id(), "phone", 1, StoreContract.NEVER, 10);
        s.register(alice.id(), "phone", 1);
        s.register(alice.id(), "laptop", 1);
        String crew = "#" + unique("crew");
        changeGroup(s, new GroupChange.Create(alice.id(), crew, 10), 2);
        changeGroup(s, new GroupChange.Add(alice.id(), crew, bob.name(), 10, 10), 2);
        changeGroup(s, new GroupChange.Add(alice.id(), crew, carol.name(), 10, 10), 2);
        long read = StoreContract.stored(s.send(alice.id(), bob.name(), "a1", "read before the crash", 10, 100));
        SendOutcome.Stored copied = (SendOutcome.Stored) s.sendLater(alice.id(), "phone", bob.name(), "a2", "copied", 11, 100).join();
        long group = StoreContract.groupStored(s.send(alice.id(), crew, "g1", "to the crew", 12, 100));
        s.acknowledgeLater(bob.id(), "", read, 13);
        s.acknowledgeLater(carol.id(), "", group, 13);
        contract().barrier(s); // the acknowledgements are committed once it is answered

        s = contract().crash(s);

        assertThat(s.find(alice.name())).map(Account::id).contains(alice.id());
        assertThat(s.find(token)).contains(new TokenRow(alice.id(), "phone", 1, StoreContract.NEVER));
        assertThat(s.findGroup(crew).orElseThrow().members()).extracting(GroupInfo.Member::username)
                .containsExactly(alice.name(), bob.name(), carol.name());
        assertThat(s.undelivered(bob.id(), 0, 10)).extracting(StoredMessage::id).containsExactly(copied.id(), group);
        assertThat(s.undelivered(carol.id(), 0, 10)).isEmpty();
        assertThat(s.undelivered(alice.id(), "laptop", 0, 10)).extracting(StoredMessage::id).containsExactly(copied.id());
        assertThat(s.undelivered(alice.id(), "phone", 0, 10)).isEmpty();
        assertThat(s.history(alice.id(), bob.id(), 0, 10)).extracting(StoredMessage::body).containsExactly("copied", "read before the crash");
        assertThat(s.send(alice.id(), bob.name(), "a1", "read before the crash", 99, 100)).as("a retry")
                .isEqualTo(new SendOutcome.Duplicate(read, 10));
        assertThat(s.send(alice.id(), crew, "g1", "something else", 99, 100)).isEqualTo(new SendOutcome.ClientIdReused());
        assertThat(StoreContract.stored(s.send(bob.id(), alice.name(), "b1", "after", 99, 100))).as("no id twice")
                .isGreaterThan(group);
    }

    /** A start rebuilds each member's inbox through its membership intervals and its floor (was RetentionTest's, the log store's alone). */
    @Test
    void aRestartRebuildsEachMembersInboxThroughItsIntervalsAndFloor() throws Exception {
        Who alice = contract().who(s, "alice");
        Who bob = contract().who(s, "bob");
        Who carol = contract().who(s, "carol");
        String crew = "#" + unique("crew");
        changeGroup(s, new GroupChange.Create(alice.id(), crew, 100), 0);
        changeGroup(s, new GroupChange.Add(alice.id(), crew, bob.name(), 100, 100), 0);
        changeGroup(s, new GroupChange.Add(alice.id(), crew, carol.name(), 100, 100), 0);
        long g1 = StoreContract.groupStored(s.send(alice.id(), crew, "g1", "g1", 1, 100));
        s.acknowledgeLater(bob.id(), "", g1, System.currentTimeMillis());
        s.send(alice.id(), crew, "g2", "g2", 2, 100);
        s.send(alice.id(), bob.name(), "d1", "d1", 3, 100);
        changeGroup(s, new GroupChange.Remove(alice.id(), crew, carol.name()), 4);
        s.send(alice.id(), crew, "g3", "g3", 5, 100);
        contract().settle(s); // all of it in the log store's index: the start reads it from there

        s = contract().reopen(s);

        assertThat(s.undelivered(bob.id(), 0, 10)).extracting(StoredMessage::body).containsExactly("g2", "d1", "g3");
        assertThat(s.undelivered(carol.id(), 0, 10)).as("removed after g2").extracting(StoredMessage::body).containsExactly("g1", "g2");
        assertThat(s.undelivered(carol.id(), 0, 10)).extracting(StoredMessage::recipient).containsOnly(crew);
    }
}
