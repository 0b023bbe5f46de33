package org.wirechat.server.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import org.junit.jupiter.api.Test;
import org.wirechat.server.core.port.Deletion;
import org.wirechat.server.core.port.GroupInfo;
import org.wirechat.server.core.port.SendOutcome;
import org.wirechat.server.core.port.StoredMessage;
import org.wirechat.server.core.rules.GroupChange;
import org.wirechat.server.core.rules.GroupOutcome;
import org.wirechat.server.core.rules.GroupRules;
import org.wirechat.server.storage.StoreContract.Who;

/** Groups (the redesign's {@code GroupStore}): each change and its refusals, the limits, membership intervals, history. */
abstract class GroupContract extends ContractArea {

    private GroupInfo done(GroupOutcome o) {
        assertThat(o).isInstanceOf(GroupOutcome.Done.class);
        return ((GroupOutcome.Done) o).group();
    }

    private static List<String> members(GroupInfo g) {
        return g.members().stream().map(GroupInfo.Member::username).toList();
    }

    @Test
    void aGroupIsCreatedAddedToRenamedAndHandedOnWhenItsOwnerLeaves() {
        Who alice = who("alice");
        Who bob = who("bob");
        Who carol = who("carol");
        String name = "#" + unique("Crew");
        GroupInfo made = done(changeGroup(store(), new GroupChange.Create(alice.id(), name, 10), 0));
        assertThat(made.name()).isEqualTo(name);
        assertThat(made.ownerId()).isEqualTo(alice.id());
        assertThat(members(made)).containsExactly(alice.name());
        assertThat(changeGroup(store(), new GroupChange.Create(bob.id(), name.toUpperCase(), 10), 0)).isEqualTo(new GroupOutcome.NameTaken());

        assertThat(changeGroup(store(), new GroupChange.Add(alice.id(), name, bob.name().toLowerCase(), 10, 10), 0))
                .isEqualTo(new GroupOutcome.Done(store().findGroup(name).orElseThrow(), bob.name()));
        assertThat(members(done(changeGroup(store(), new GroupChange.Add(bob.id(), name, carol.name(), 10, 10), 0))))
                .as("any member adds").containsExactly(alice.name(), bob.name(), carol.name());
        assertThat(members(done(changeGroup(store(), new GroupChange.Add(bob.id(), name, carol.name(), 10, 10), 0))))
                .as("added again: nothing to do").containsExactly(alice.name(), bob.name(), carol.name());
        assertThat(changeGroup(store(), new GroupChange.Add(alice.id(), name, unique("nobody"), 10, 10), 0))
                .isInstanceOf(GroupOutcome.NoSuchUser.class);
        assertThat(changeGroup(store(), new GroupChange.Rename(bob.id(), name, "#" + unique("mine")), 0))
                .isEqualTo(new GroupOutcome.NotTheOwner(alice.name()));
        assertThat(changeGroup(store(), new GroupChange.Remove(bob.id(), name, carol.name()), 0))
                .isEqualTo(new GroupOutcome.NotTheOwner(alice.name()));

        String renamed = "#" + unique("Renamed");
        assertThat(done(changeGroup(store(), new GroupChange.Rename(alice.id(), name, renamed), 0)).name()).isEqualTo(renamed);
        assertThat(store().findGroup(name)).isEmpty();
        assertThat(store().findGroup(renamed.toLowerCase()).orElseThrow().id()).isEqualTo(made.id());

        GroupInfo handed = done(changeGroup(store(), new GroupChange.Leave(alice.id(), renamed), 0));
        assertThat(handed.ownerId()).as("the longest member").isEqualTo(bob.id());
        assertThat(store().groupsOf(alice.id())).isEmpty();
        assertThat(changeGroup(store(), new GroupChange.Leave(alice.id(), renamed), 0)).isEqualTo(new GroupOutcome.NotAMember(alice.name()));
        assertThat(changeGroup(store(), new GroupChange.Remove(bob.id(), renamed, carol.name()), 0))
                .isEqualTo(new GroupOutcome.Done(store().findGroup(renamed).orElseThrow(), carol.name()));
        assertThat(changeGroup(store(), new GroupChange.Remove(bob.id(), renamed, bob.name()), 0)).as("removing oneself: leaving; the last ends it")
                .isEqualTo(new GroupOutcome.Done(null, bob.name()));
        assertThat(store().findGroup(renamed)).isEmpty();
        assertThat(changeGroup(store(), new GroupChange.Leave(bob.id(), renamed), 0)).isEqualTo(new GroupOutcome.NoSuchGroup());
        GroupInfo again = done(changeGroup(store(), new GroupChange.Create(carol.id(), renamed, 10), 0));
        assertThat(again.id()).as("a new group of a freed name").isNotEqualTo(made.id());
        assertThat(store().groupHistory(again.id(), 0, 10)).isEmpty();
    }

    /** The members per group and groups per user, at, below and above their edges. */
    @Test
    void theGroupLimitsRefuseAtTheirEdges() {
        Who alice = who("alice");
        Who bob = who("bob");
        Who carol = who("carol");
        String crew = "#" + unique("crew");
        String band = "#" + unique("band");
        done(changeGroup(store(), new GroupChange.Create(alice.id(), crew, 2), 0));
        done(changeGroup(store(), new GroupChange.Create(alice.id(), band, 2), 0));
        assertThat(changeGroup(store(), new GroupChange.Create(alice.id(), "#" + unique("third"), 2), 0))
                .isEqualTo(new GroupOutcome.TooManyGroups(alice.name(), 2));
        assertThat(changeGroup(store(), new GroupChange.Add(alice.id(), crew, bob.name(), 2, 10), 0)).isInstanceOf(GroupOutcome.Done.class);
        assertThat(changeGroup(store(), new GroupChange.Add(alice.id(), crew, carol.name(), 2, 10), 0)).isEqualTo(new GroupOutcome.GroupFull(2));
        assertThat(changeGroup(store(), new GroupChange.Add(alice.id(), band, bob.name(), 3, 1), 0))
                .isEqualTo(new GroupOutcome.TooManyGroups(bob.name(), 1));
        assertThat(changeGroup(store(), new GroupChange.Add(alice.id(), band, bob.name(), 3, 2), 0)).isInstanceOf(GroupOutcome.Done.class);
        assertThat(store().groupsOf(bob.id())).extracting(GroupInfo::name).containsExactly(band, crew);
        assertThat(changeGroup(store(), new GroupChange.Add(carol.id(), crew, carol.name(), 10, 10), 0))
                .isEqualTo(new GroupOutcome.NotAMember(carol.name()));
    }

    /** A member receives exactly the group's messages stored between its joining and its leaving; history shows them all. */
    @Test
    void membersReceiveWhatWasSentWhileTheyWereMembers() {
        Who alice = who("alice");
        Who bob = who("bob");
        Who carol = who("carol");
        String crew = "#" + unique("crew");
        GroupInfo g = done(changeGroup(store(), new GroupChange.Create(alice.id(), crew, 10), 0));
        changeGroup(store(), new GroupChange.Add(alice.id(), crew, carol.name(), 10, 10), 0);
        long before = StoreContract.groupStored(store().send(alice.id(), crew, "g1", "before bob", 10, 100));
        changeGroup(store(), new GroupChange.Add(alice.id(), crew, bob.name(), 10, 10), 0);
        long during = StoreContract.groupStored(store().send(carol.id(), crew, "g2", "with bob", 11, 100));
        changeGroup(store(), new GroupChange.Remove(alice.id(), crew, bob.name()), 0);
        long after = StoreContract.groupStored(store().send(alice.id(), crew, "g3", "after bob", 12, 100));

        assertThat(store().undelivered(bob.id(), 0, 10)).extracting(StoredMessage::id).as("kept after his removal").containsExactly(during);
        assertThat(store().undelivered(carol.id(), 0, 10)).extracting(StoredMessage::id).as("not her own").containsExactly(before, after);
        assertThat(store().groupHistory(g.id(), 0, 10)).extracting(StoredMessage::id).containsExactly(after, during, before);
        assertThat(store().groupHistory(g.id(), after, 1))
                .containsExactly(new StoredMessage(during, carol.name(), crew, 11, "with bob"));

        String renamed = "#" + unique("renamed");
        changeGroup(store(), new GroupChange.Rename(alice.id(), crew, renamed), 0);
        assertThat(store().undelivered(carol.id(), 0, 10)).as("waiting messages show the new name")
                .extracting(StoredMessage::recipient).containsOnly(renamed);
        assertThat(store().groupHistory(g.id(), 0, 10)).extracting(StoredMessage::recipient).containsOnly(renamed);
    }

    /**
     * Membership is intervals: a member removed and added again receives the group's messages of both intervals and
     * none of the gap, each once; a receipt counts him only for a message sent while he belonged; the group's history
     * holds all three (HISTORY shows a current member the group's whole history: docs/wire_design.md).
     */
    @Test
    void aMemberRemovedAndAddedAgainReceivesOnlyWhatWasSentWhileHeBelonged() {
        Who alice = who("alice");
        Who bob = who("bob");
        String crew = "#" + unique("crew");
        GroupInfo g = done(changeGroup(store(), new GroupChange.Create(alice.id(), crew, 10), 0));
        changeGroup(store(), new GroupChange.Add(alice.id(), crew, bob.name(), 10, 10), 0);
        long first = StoreContract.groupStored(store().send(alice.id(), crew, "i1", "first interval", 10, 100));
        changeGroup(store(), new GroupChange.Remove(alice.id(), crew, bob.name()), 0);
        long gap = StoreContract.groupStored(store().send(alice.id(), crew, "i2", "while he was out", 11, 100));
        assertThat(members(done(changeGroup(store(), new GroupChange.Add(alice.id(), crew, bob.name(), 10, 10), 0))))
                .as("added again").containsExactly(alice.name(), bob.name());
        long second = StoreContract.groupStored(store().send(alice.id(), crew, "i3", "second interval", 12, 100));

        assertThat(store().undelivered(bob.id(), 0, 10)).extracting(StoredMessage::id).containsExactly(first, second);
        assertThat(store().unread(bob.id(), "")).isEqualTo(2);
        assertThat(store().groupReceipts(g.id(), alice.id(), gap)).as("he was not a member then")
                .hasValueSatisfying(r -> assertThat(r).containsExactly(0, 0));
        assertThat(store().groupReceipts(g.id(), alice.id(), second)).hasValueSatisfying(r -> assertThat(r).containsExactly(1, 0));
        assertThat(store().groupHistory(g.id(), 0, 10)).extracting(StoredMessage::id).containsExactly(second, gap, first);
        assertThat(store().groupsOf(bob.id())).extracting(GroupInfo::id).containsExactly(g.id());
    }

    /** {@code change} is one transaction: work that fails after writing leaves nothing of it, and the failure is the caller's. */
    @Test
    void aChangeWhoseWorkFailsStoresNothing() {
        Who alice = who("alice");
        Who bob = who("bob");
        String crew = "#" + unique("crew");
        changeGroup(store(), new GroupChange.Create(alice.id(), crew, 10), 0);
        IllegalStateException broken = new IllegalStateException("the rule broke after its first write");
        assertThatThrownBy(() -> store().change(tx -> {
            GroupInfo g = tx.group(GroupInfo.key(crew)).orElseThrow();
            tx.join(g.id(), bob.id(), tx.boundary(), 0);
            throw broken;
        })).satisfies(e -> {
            Throwable root = e;
            while (root.getCause() != null) {
                root = root.getCause();
            }
            assertThat(root).as("the work's own failure, whatever the store wraps it in").isSameAs(broken);
        });
        assertThat(members(store().findGroup(crew).orElseThrow())).containsExactly(alice.name());
        assertThat(store().groupsOf(bob.id())).isEmpty();
        assertThat(members(done(changeGroup(store(), new GroupChange.Add(alice.id(), crew, bob.name(), 10, 10), 0))))
                .as("the store still takes changes").containsExactly(alice.name(), bob.name());
    }

    @Test
    void aDeletedAccountLeavesItsGroups() {
        Who alice = who("alice");
        Who bob = who("bob");
        String crew = "#" + unique("crew");
        changeGroup(store(), new GroupChange.Create(alice.id(), crew, 10), 0);
        changeGroup(store(), new GroupChange.Add(alice.id(), crew, bob.name(), 10, 10), 0);
        assertThat(store().deleteIfNothingWaits(alice.id(), 5, GroupRules::leaveAll)).isEqualTo(new Deletion.Deleted());
        GroupInfo left = store().findGroup(crew).orElseThrow();
        assertThat(members(left)).containsExactly(bob.name());
        assertThat(left.ownerId()).isEqualTo(bob.id());
        SendOutcome sent = store().send(bob.id(), crew, "g1", "alone", 10, 100);
        assertThat(sent).isInstanceOf(SendOutcome.GroupStored.class);
        assertThat(((SendOutcome.GroupStored) sent).recipients()).isEmpty();
    }

    /**
     * The departures are the core's and run inside the deletion's transaction: departures that fail after a write
     * leave the account, its tokens and its memberships as they were, and the failure is the caller's.
     */
    @Test
    void aDeletionWhoseDeparturesFailDeletesNothing() {
        Who alice = who("alice");
        Who bob = who("bob");
        String crew = "#" + unique("crew");
        changeGroup(store(), new GroupChange.Create(alice.id(), crew, 10), 0);
        changeGroup(store(), new GroupChange.Add(alice.id(), crew, bob.name(), 10, 10), 0);
        byte[] token = new byte[32];
        ThreadLocalRandom.current().nextBytes(token);
        store().insert(token, alice.id(), "", 1, Long.MAX_VALUE, 10);
        IllegalStateException broken = new IllegalStateException("the departures broke after the first group's");
        assertThatThrownBy(() -> store().deleteIfNothingWaits(alice.id(), 5, (id, groups, tx, now) -> {
            assertThat(groups).as("the store hands over the groups it is in").extracting(GroupInfo::name).containsExactly(crew);
            GroupRules.leaveAll(id, groups, tx, now);
            throw broken;
        })).satisfies(e -> {
            Throwable root = e;
            while (root.getCause() != null) {
                root = root.getCause();
            }
            assertThat(root).as("the departures' own failure, whatever the store wraps it in").isSameAs(broken);
        });
        assertThat(store().find(alice.id())).as("not deleted").isPresent();
        assertThat(store().find(token)).as("its token kept").isPresent();
        GroupInfo kept = store().findGroup(crew).orElseThrow();
        assertThat(members(kept)).containsExactly(alice.name(), bob.name());
        assertThat(kept.ownerId()).isEqualTo(alice.id());
        assertThat(store().deleteIfNothingWaits(alice.id(), 6, GroupRules::leaveAll)).as("the store still deletes")
                .isEqualTo(new Deletion.Deleted());
        assertThat(members(store().findGroup(crew).orElseThrow())).containsExactly(bob.name());
    }
}
