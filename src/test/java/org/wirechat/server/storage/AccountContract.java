package org.wirechat.server.storage;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.wirechat.server.storage.StoreContract.Who;

/** Accounts (the redesign's {@code AccountStore}): create, find, list, password, disable, receipts, delete. */
abstract class AccountContract extends ContractArea {

    @Test
    void anAccountIsFoundByItsNameIgnoringCaseAndByItsId() {
        String name = "Alice" + unique("");
        Account made = store().createAccount(name, "Alice Liddell", "hash-1", 5).orElseThrow();
        assertThat(made).isEqualTo(new Account(made.id(), name, "Alice Liddell", "hash-1"));
        assertThat(store().findAccount(name.toLowerCase())).contains(made);
        assertThat(store().findAccount(name.toUpperCase())).contains(made);
        assertThat(store().findAccount(made.id())).contains(made);
        assertThat(store().findAccount(unique("nobody"))).isEmpty();
        assertThat(store().findAccount(Long.MAX_VALUE)).isEmpty();
    }

    @Test
    void aNameTakenIgnoringCaseIsRefused() {
        Who alice = who("alice");
        assertThat(store().createAccount(alice.name().toUpperCase(), "Another", "h", 1)).isEmpty();
        assertThat(store().findAccount(alice.name()).orElseThrow().id()).isEqualTo(alice.id());
    }

    @Test
    void thePasswordHashIsReplaced() {
        Who alice = who("alice");
        store().updatePasswordHash(alice.id(), "new-hash");
        assertThat(store().findAccount(alice.id()).orElseThrow().passwordHash()).isEqualTo("new-hash");
    }

    @Test
    void accountsAreListedInNameOrderAfterAKeyThroughTheFilterAtMostMax() {
        String prefix = unique("list") + "_";
        for (String n : List.of("Carol", "alice", "Bob", "dave")) {
            store().createAccount(prefix + n, n, "h", 0).orElseThrow();
        }
        var ours = store().listAccounts(prefix.toLowerCase(), 10, a -> a.username().startsWith(prefix));
        assertThat(ours).extracting(Account::username)
                .containsExactly(prefix + "alice", prefix + "Bob", prefix + "Carol", prefix + "dave");
        assertThat(store().listAccounts((prefix + "bob").toLowerCase(), 2, a -> a.username().startsWith(prefix)))
                .extracting(Account::username).containsExactly(prefix + "Carol", prefix + "dave");
        assertThat(store().listAccounts(prefix.toLowerCase(), 2, a -> a.username().startsWith(prefix) && !a.fullName().equals("alice")))
                .extracting(Account::username).containsExactly(prefix + "Bob", prefix + "Carol");
    }

    @Test
    void anAccountIsDisabledAndEnabledAndStaysFoundMeanwhile() {
        Who alice = who("alice");
        assertThat(store().isDisabled(alice.id())).isFalse();
        assertThat(store().setDisabled(alice.id(), 1_000)).isTrue();
        assertThat(store().isDisabled(alice.id())).isTrue();
        assertThat(store().findAccount(alice.name())).isPresent();
        assertThat(store().setDisabled(alice.id(), 0)).isTrue();
        assertThat(store().isDisabled(alice.id())).isFalse();
        assertThat(store().setDisabled(Long.MAX_VALUE, 1_000)).as("no such account").isFalse();
        assertThat(store().isDisabled(Long.MAX_VALUE)).isFalse();
    }

    @Test
    void receiptsAreOnUntilTurnedOff() {
        Who alice = who("alice");
        assertThat(store().receiptsOn(alice.id())).isTrue();
        assertThat(store().setReceipts(alice.id(), false)).isTrue();
        assertThat(store().receiptsOn(alice.id())).isFalse();
        assertThat(store().setReceipts(alice.id(), true)).isTrue();
        assertThat(store().receiptsOn(alice.id())).isTrue();
        assertThat(store().setReceipts(Long.MAX_VALUE, false)).isFalse();
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

        assertThat(store().deleteAccount(alice.id(), 30)).isEqualTo(new DeleteOutcome.Deleted());
        assertThat(store().findAccount(alice.name())).isEmpty();
        assertThat(store().findAccount(alice.id())).isEmpty();
        assertThat(store().find(token)).isEmpty();
        assertThat(store().deleteAccount(alice.id(), 40)).isEqualTo(new DeleteOutcome.Gone());
        assertThat(store().send(bob.id(), alice.name(), "c3", "to nobody", 50, 100)).isEqualTo(new SendOutcome.NoRecipient());

        Account again = store().createAccount(alice.name(), "New", "h", 60).orElseThrow();
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
        assertThat(store().deleteAccount(bob.id(), null, 10)).isEqualTo(new DeleteOutcome.InboxNotEmpty(2));
        assertThat(store().deleteAccount(bob.id(), "phone", 10)).isEqualTo(new DeleteOutcome.InboxNotEmpty(2));

        store().acknowledgeLater(bob.id(), "phone", first, 20); // acknowledged, then the deletion: no barrier between
        assertThat(store().deleteAccount(bob.id(), "phone", 21)).isEqualTo(new DeleteOutcome.InboxNotEmpty(1));
        store().acknowledgeLater(bob.id(), "phone", second, 22);
        assertThat(store().deleteAccount(bob.id(), "laptop", 23)).as("the laptop has neither")
                .isEqualTo(new DeleteOutcome.InboxNotEmpty(2));
        assertThat(store().deleteAccount(bob.id(), null, 23)).as("the laptop holds them").isEqualTo(new DeleteOutcome.InboxNotEmpty(2));
        assertThat(store().deleteAccount(bob.id(), "phone", 24)).isEqualTo(new DeleteOutcome.Deleted());
        assertThat(store().findAccount(bob.id())).isEmpty();
    }

    private long stored(Who from, Who to, String body) {
        return StoreContract.stored(store().send(from.id(), to.name(), unique("c"), body, 10, 100));
    }
}
