package org.wirechat.server.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.wirechat.server.core.port.Account;
import org.wirechat.server.core.port.Deletion;
import org.wirechat.server.core.port.SendOutcome;
import org.wirechat.server.core.port.StoredMessage;
import org.wirechat.server.core.rules.GroupRules;
import org.wirechat.server.storage.StoreContract.Who;

/**
 * Accounts ({@code core.port.AccountStore}): create, find by name or id, the name index's pages, password, disable,
 * receipts, delete. Whether an account is disabled and whether it shares receipts are read with its row.
 */
abstract class AccountContract extends ContractArea {

    @Test
    void anAccountIsFoundByItsNameIgnoringCaseAndByItsId() {
        String name = "Alice" + unique("");
        Account made = store().create(name, "Alice Liddell", "hash-1", 5).orElseThrow();
        assertThat(made).isEqualTo(new Account(made.id(), name, "Alice Liddell", "hash-1", false, true));
        assertThat(store().find(name.toLowerCase())).contains(made);
        assertThat(store().find(name.toUpperCase())).contains(made);
        assertThat(store().find(made.id())).contains(made);
        assertThat(store().find(unique("nobody"))).isEmpty();
        assertThat(store().find(Long.MAX_VALUE)).isEmpty();
    }

    @Test
    void aNameTakenIgnoringCaseIsRefused() {
        Who alice = who("alice");
        assertThat(store().create(alice.name().toUpperCase(), "Another", "h", 1)).isEmpty();
        assertThat(store().find(alice.name()).orElseThrow().id()).isEqualTo(alice.id());
    }

    @Test
    void thePasswordHashIsReplaced() {
        Who alice = who("alice");
        store().updatePasswordHash(alice.id(), "new-hash");
        assertThat(store().find(alice.id()).orElseThrow().passwordHash()).isEqualTo("new-hash");
        store().updatePasswordHash(Long.MAX_VALUE, "nobody's"); // no such account: nothing
        assertThat(store().find(Long.MAX_VALUE)).isEmpty();
    }

    /** A user's change of password: the hash replaced and every token of the account but the kept one deleted, at once. */
    @Test
    void aChangeOfPasswordReplacesTheHashAndDeletesEveryOtherTokenOfTheAccount() {
        Who alice = who("alice");
        Who bob = who("bob");
        byte[] kept = unique("token").getBytes();
        byte[] phone = unique("token").getBytes();
        byte[] laptop = unique("token").getBytes();
        byte[] bobs = unique("token").getBytes();
        store().insert(kept, alice.id(), "", 0, StoreContract.NEVER, 10);
        store().insert(phone, alice.id(), "phone", 0, StoreContract.NEVER, 10);
        store().insert(laptop, alice.id(), "laptop", 0, StoreContract.NEVER, 10);
        store().insert(bobs, bob.id(), "", 0, StoreContract.NEVER, 10);

        assertThat(store().changePassword(alice.id(), "changed-hash", kept)).hasValue(2);

        assertThat(store().find(alice.id()).orElseThrow().passwordHash()).isEqualTo("changed-hash");
        assertThat(store().find(kept)).as("the caller's session stays").isPresent();
        assertThat(store().find(phone)).isEmpty();
        assertThat(store().find(laptop)).isEmpty();
        assertThat(store().find(bobs)).as("another account's").isPresent();
        assertThat(store().find(bob.id()).orElseThrow().passwordHash()).isNotEqualTo("changed-hash");
        assertThat(store().changePassword(alice.id(), "again", kept)).as("none left to delete").hasValue(0);
    }

    @Test
    void aChangeOfPasswordOfNoLiveAccountChangesNothing() {
        Who alice = who("alice");
        byte[] token = unique("token").getBytes();
        store().insert(token, alice.id(), "", 0, StoreContract.NEVER, 10);
        assertThat(store().changePassword(Long.MAX_VALUE, "nobody's", token)).isEmpty();
        assertThat(store().find(token)).isPresent();
        assertThat(store().deleteIfNothingWaits(alice.id(), 1_000, GroupRules::leaveAll)).isEqualTo(new Deletion.Deleted());
        assertThat(store().changePassword(alice.id(), "after", token)).as("deleted").isEmpty();
    }

    @Test
    void theFullNameIsReplacedForTheLiveAccountOnly() {
        Who alice = who("alice");
        assertThat(store().setFullName(alice.id(), "Émile Zola 中文")).isTrue();
        assertThat(store().find(alice.id()).orElseThrow().fullName()).isEqualTo("Émile Zola 中文");
        assertThat(store().setFullName(Long.MAX_VALUE, "Nobody")).isFalse();
        assertThat(store().deleteIfNothingWaits(alice.id(), 1_000, GroupRules::leaveAll)).isEqualTo(new Deletion.Deleted());
        assertThat(store().setFullName(alice.id(), "After")).as("deleted").isFalse();
    }

    /** The name index in order after a name (ignoring case), at most so many, live accounts only, with their flags, no hash. */
    @Test
    void pagesOfTheNameIndexAreInOrderAfterANameAtMostMax() {
        String prefix = unique("list") + "_"; // no other case's name sorts between this and its accounts
        Map<String, Long> ids = new HashMap<>();
        for (String n : List.of("Carol", "alice", "Bob", "dave", "Eve")) {
            ids.put(n, store().create(prefix + n, n, "hash-" + n, 0).orElseThrow().id());
        }
        assertThat(store().page(prefix, 4)).extracting(Account::username)
                .containsExactly(prefix + "alice", prefix + "Bob", prefix + "Carol", prefix + "dave");
        assertThat(store().page(prefix.toUpperCase() + "BOB", 2)).as("after a name, ignoring case").extracting(Account::username)
                .containsExactly(prefix + "Carol", prefix + "dave");
        assertThat(store().page(prefix, 0)).isEmpty();

        assertThat(store().setDisabled(ids.get("Bob"), 1_000)).isTrue();
        assertThat(store().setReceipts(ids.get("Carol"), false)).isTrue();
        assertThat(store().deleteIfNothingWaits(ids.get("dave"), 2_000, GroupRules::leaveAll)).isEqualTo(new Deletion.Deleted());
        assertThat(store().page(prefix, 4)).as("flags with the row; no password hash; the deleted left out").containsExactly(
                new Account(ids.get("alice"), prefix + "alice", "alice", "", false, true),
                new Account(ids.get("Bob"), prefix + "Bob", "Bob", "", true, true),
                new Account(ids.get("Carol"), prefix + "Carol", "Carol", "", false, false),
                new Account(ids.get("Eve"), prefix + "Eve", "Eve", "", false, true));
    }

    @Test
    void anAccountIsDisabledAndEnabledAndStaysFoundMeanwhile() {
        Who alice = who("alice");
        assertThat(store().find(alice.id()).orElseThrow().disabled()).isFalse();
        assertThat(store().setDisabled(alice.id(), 1_000)).isTrue();
        assertThat(store().find(alice.id()).orElseThrow().disabled()).isTrue();
        assertThat(store().find(alice.name()).orElseThrow().disabled()).isTrue();
        assertThat(store().setDisabled(alice.id(), 0)).isTrue();
        assertThat(store().find(alice.name()).orElseThrow().disabled()).isFalse();
        assertThat(store().setDisabled(Long.MAX_VALUE, 1_000)).as("no such account").isFalse();
    }

    @Test
    void receiptsAreOnUntilTurnedOff() {
        Who alice = who("alice");
        assertThat(store().find(alice.id()).orElseThrow().receipts()).isTrue();
        assertThat(store().setReceipts(alice.id(), false)).isTrue();
        assertThat(store().find(alice.id()).orElseThrow().receipts()).isFalse();
        assertThat(store().find(alice.name()).orElseThrow().receipts()).isFalse();
        assertThat(store().setReceipts(alice.id(), true)).isTrue();
        assertThat(store().find(alice.name()).orElseThrow().receipts()).isTrue();
        assertThat(store().setReceipts(Long.MAX_VALUE, false)).isFalse();
    }

    /** Disabling and receipts are two columns of one row: changing one leaves the other. */
    @Test
    void disabledAndReceiptsAreReadTogetherAndApart() {
        Who alice = who("alice");
        store().setDisabled(alice.id(), 1_000);
        store().setReceipts(alice.id(), false);
        Account both = store().find(alice.name()).orElseThrow();
        assertThat(both.disabled()).isTrue();
        assertThat(both.receipts()).isFalse();
        store().setDisabled(alice.id(), 0);
        assertThat(store().find(alice.id())).hasValueSatisfying(a -> {
            assertThat(a.disabled()).isFalse();
            assertThat(a.receipts()).isFalse();
        });
        store().setReceipts(alice.id(), true);
        store().setDisabled(alice.id(), 2_000);
        assertThat(store().find(alice.id())).hasValueSatisfying(a -> {
            assertThat(a.disabled()).isTrue();
            assertThat(a.receipts()).isTrue();
        });
    }

    @Test
    void aDeletedAccountIsGoneWithItsTokensAndANewOneOfItsNameInheritsNothing() {
        Who alice = who("alice");
        Who bob = who("bob");
        byte[] token = unique("t").getBytes();
        store().insert(token, alice.id(), "", 0, StoreContract.NEVER, 10);
        StoreContract.stored(store().send(alice.id(), bob.name(), "c1", "from the old alice", 10, 100));
        StoreContract.stored(store().send(bob.id(), alice.name(), "c2", "to the old alice", 10, 100));
        long toOld = store().undelivered(alice.id(), 0, 10).getFirst().id();
        store().acknowledgeLater(alice.id(), "", toOld, 20);

        assertThat(store().deleteIfNothingWaits(alice.id(), 30, GroupRules::leaveAll)).isEqualTo(new Deletion.Deleted());
        assertThat(store().find(alice.name())).isEmpty();
        assertThat(store().find(alice.id())).isEmpty();
        assertThat(store().find(token)).isEmpty();
        assertThat(store().deleteIfNothingWaits(alice.id(), 40, GroupRules::leaveAll)).isEqualTo(new Deletion.Gone());
        assertThat(store().deleteIfNothingWaits(alice.id(), "", 40, GroupRules::leaveAll)).isEqualTo(new Deletion.Gone());
        assertThat(store().send(bob.id(), alice.name(), "c3", "to nobody", 50, 100)).isEqualTo(new SendOutcome.NoRecipient());

        Account again = store().create(alice.name(), "New", "h", 60).orElseThrow();
        assertThat(again.id()).isNotEqualTo(alice.id());
        assertThat(store().undelivered(again.id(), 0, 10)).isEmpty();
        assertThat(store().history(again.id(), bob.id(), 0, 10)).isEmpty();
        assertThat(store().send(bob.id(), alice.name(), "c2", "to the old alice", 70, 100)).as("a client id used for the old one")
                .isInstanceOf(SendOutcome.ClientIdReused.class);
        assertThat(store().undelivered(bob.id(), 0, 10)).extracting(StoredMessage::body).containsExactly("from the old alice");
    }

    /** Deletion waits for what the deleting device has not received; an administrator's (no device) for every device. */
    @Test
    void deletionIsRefusedWhileMessagesWaitForTheDeletingDevice() {
        Who alice = who("alice");
        Who bob = who("bob");
        store().register(bob.id(), "phone", 1);
        store().register(bob.id(), "laptop", 1);
        long first = stored(alice, bob, "first");
        long second = stored(alice, bob, "second");
        assertThat(store().deleteIfNothingWaits(bob.id(), 10, GroupRules::leaveAll)).isEqualTo(new Deletion.Waiting(2));
        assertThat(store().deleteIfNothingWaits(bob.id(), "phone", 10, GroupRules::leaveAll)).isEqualTo(new Deletion.Waiting(2));
        assertThatThrownBy(() -> store().deleteIfNothingWaits(bob.id(), null, 10, GroupRules::leaveAll)).as("no device is the administrator's method")
                .isInstanceOf(NullPointerException.class);

        store().acknowledgeLater(bob.id(), "phone", first, 20); // acknowledged, then the deletion: no barrier between
        assertThat(store().deleteIfNothingWaits(bob.id(), "phone", 21, GroupRules::leaveAll)).isEqualTo(new Deletion.Waiting(1));
        store().acknowledgeLater(bob.id(), "phone", second, 22);
        assertThat(store().deleteIfNothingWaits(bob.id(), "laptop", 23, GroupRules::leaveAll)).as("the laptop has neither")
                .isEqualTo(new Deletion.Waiting(2));
        assertThat(store().deleteIfNothingWaits(bob.id(), 23, GroupRules::leaveAll)).as("the laptop holds them").isEqualTo(new Deletion.Waiting(2));
        assertThat(store().deleteIfNothingWaits(bob.id(), "phone", 24, GroupRules::leaveAll)).isEqualTo(new Deletion.Deleted());
        assertThat(store().find(bob.id())).isEmpty();
    }

    private long stored(Who from, Who to, String body) {
        return StoreContract.stored(store().send(from.id(), to.name(), unique("c"), body, 10, 100));
    }
}
