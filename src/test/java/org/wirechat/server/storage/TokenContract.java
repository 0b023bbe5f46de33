package org.wirechat.server.storage;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.wirechat.server.Await;
import org.wirechat.server.core.port.TokenRow;
import org.wirechat.server.storage.StoreContract.Who;

/** Session tokens (the redesign's {@code TokenStore}): issue, find, the cap per account, revoke, expiry. */
abstract class TokenContract extends ContractArea {

    private byte[] hash() {
        return unique("token").getBytes();
    }

    @Test
    void aTokenIsFoundByItsHashWithItsAccountDeviceAndTimes() {
        Who alice = who("alice");
        byte[] t = hash();
        assertThat(store().insert(t, alice.id(), "phone", 10, StoreContract.NEVER, 5)).isEmpty();
        assertThat(store().find(t)).contains(new TokenRow(alice.id(), "phone", 10, StoreContract.NEVER));
        assertThat(store().find(hash())).isEmpty();
    }

    /** The cap per account, at, below and above its edge: beyond it the oldest others are revoked in the same step. */
    @Test
    void beyondTheCapTheOldestTokensAreRevoked() {
        Who alice = who("alice");
        Who bob = who("bob");
        byte[] first = hash();
        byte[] second = hash();
        byte[] third = hash();
        byte[] fourth = hash();
        store().insert(hash(), bob.id(), "", 0, StoreContract.NEVER, 1); // another account's count nothing
        assertThat(store().insert(first, alice.id(), "", 1, StoreContract.NEVER, 3)).isEmpty();
        assertThat(store().insert(second, alice.id(), "", 2, StoreContract.NEVER, 3)).as("below the cap").isEmpty();
        assertThat(store().insert(third, alice.id(), "", 3, StoreContract.NEVER, 3)).as("at the cap").isEmpty();
        List<byte[]> revoked = store().insert(fourth, alice.id(), "", 4, StoreContract.NEVER, 3);
        assertThat(revoked).as("one over").containsExactly(first);
        assertThat(store().find(first)).isEmpty();
        assertThat(store().find(second)).isPresent();
        assertThat(store().insert(hash(), alice.id(), "", 5, StoreContract.NEVER, 1)).as("a lower cap: every other one")
                .containsExactlyInAnyOrder(second, third, fourth);
    }

    @Test
    void aTokenIsRevokedAlone() {
        Who alice = who("alice");
        byte[] kept = hash();
        byte[] revoked = hash();
        store().insert(kept, alice.id(), "", 0, StoreContract.NEVER, 10);
        store().insert(revoked, alice.id(), "", 0, StoreContract.NEVER, 10);
        store().delete(revoked);
        assertThat(store().find(revoked)).isEmpty();
        assertThat(store().find(kept)).isPresent();
        store().delete(revoked); // again: nothing to do
    }

    /** Revoking all of an account's tokens at once (an administrator's reset; from SendBatchTest). */
    @Test
    void everyTokenOfAnAccountIsRevokedAtOnce() {
        Who alice = who("alice");
        Who bob = who("bob");
        byte[] a1 = hash();
        byte[] a2 = hash();
        byte[] b1 = hash();
        store().insert(a1, alice.id(), "", 0, StoreContract.NEVER, 10);
        store().insert(a2, alice.id(), "phone", 0, StoreContract.NEVER, 10);
        store().insert(b1, bob.id(), "", 0, StoreContract.NEVER, 10);
        assertThat(store().deleteOf(alice.id())).isEqualTo(2);
        assertThat(store().find(a1)).isEmpty();
        assertThat(store().find(a2)).isEmpty();
        assertThat(store().find(b1)).isPresent();
        assertThat(store().deleteOf(alice.id())).isZero();
    }

    /** Expired at its expiry (the edge), not a millisecond before; every other case's tokens expire after it. */
    @Test
    void tokensAreExpiredAtTheirExpiryAndNotBefore() {
        Who alice = who("alice");
        long now = StoreContract.NEVER - 10;
        byte[] before = hash();
        byte[] at = hash();
        byte[] after = hash();
        store().insert(before, alice.id(), "", 0, now - 1, 10);
        store().insert(at, alice.id(), "", 0, now, 10);
        store().insert(after, alice.id(), "", 0, now + 1, 10);
        assertThat(store().deleteExpired(now)).isEqualTo(2);
        assertThat(store().find(before)).isEmpty();
        assertThat(store().find(at)).isEmpty();
        assertThat(store().find(after)).isPresent();
    }

    /** Not awaited: the extension shows once written (a crash may lose it, never the token). */
    @Test
    void aTokensExpiryIsExtended() {
        Who alice = who("alice");
        byte[] t = hash();
        long expiry = StoreContract.NEVER - 5; // past TokensAreExpired's "now"
        store().insert(t, alice.id(), "phone", 0, expiry, 10);
        store().extendLater(t, expiry + 3);
        Await.until("the extension is written", () -> store().find(t).orElseThrow().expiresAtMillis() == expiry + 3);
        assertThat(store().find(t)).contains(new TokenRow(alice.id(), "phone", 0, expiry + 3));
    }
}
