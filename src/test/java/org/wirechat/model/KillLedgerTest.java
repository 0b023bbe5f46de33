package org.wirechat.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.wirechat.model.KillLedger.Device;
import org.wirechat.model.KillLedger.Pending;
import org.wirechat.protocol.Response;

/**
 * The kill ledger's rule for acknowledgements across a SIGKILL: an acknowledgement is durable once a later
 * SEND is answered by the same server process; one the crash undid is not made durable by a SEND answered
 * after the restart (found by {@code KillModelProperties} on PostgreSQL, seed -6448175420728097526).
 */
@Timeout(10)
class KillLedgerTest {
    private final KillLedger ledger = new KillLedger();
    private int bodies;

    /** u1's phone has been handed messages 1–3 from u0 and acknowledges them; the SENDs were all answered. */
    private Device phoneThatAcknowledgedThree() {
        ledger.created("u0");
        ledger.created("u1");
        ledger.loggedIn("u0", "phone", "t0");
        Device phone = ledger.loggedIn("u1", "phone", "t1");
        for (long id = 1; id <= 3; id++) {
            send(id);
        }
        ledger.fetched(phone, handed(1, 2, 3));
        ledger.acknowledged(phone, 3);
        return phone;
    }

    private void send(long id) {
        Pending p = new Pending("u0", "phone", "u1", "c" + id, "m" + (++bodies), Set.of("u1"));
        ledger.asked(p);
        ledger.sent(p, id);
    }

    private static List<Response.Message> handed(long... ids) {
        return Arrays.stream(ids).mapToObj(id -> new Response.Message(id, "u0", "u1", 0, "m" + id)).toList();
    }

    @Test
    void aSendAnsweredAfterTheRestartDoesNotMakeAnAcknowledgementTheCrashUndidDurable() {
        Device phone = phoneThatAcknowledgedThree();
        ledger.restarted(); // the SIGKILL came before the writer committed the acknowledgement
        ledger.fetched(phone, handed(1, 2, 3)); // the restart's view: delivered again, as allowed
        send(4); // answered by the new server, which never heard of the acknowledgement through 3
        ledger.fetched(phone, handed(1, 2, 3, 4));

        assertThat(ledger.problems()).isEmpty();
    }

    @Test
    void anAcknowledgementBeforeASendAnsweredBeforeTheCrashMustSurviveIt() {
        Device phone = phoneThatAcknowledgedThree();
        send(4); // committed with the acknowledgement before it
        ledger.restarted();
        ledger.fetched(phone, handed(2, 4));

        assertThat(ledger.problems()).containsExactly(
                "u1/phone was handed 2 (m2) again: it had acknowledged through 3 (through 3 before a later SEND was answered)");
    }

    @Test
    void anAcknowledgementMadeAgainAfterTheRestartIsDurableWithTheNextSend() {
        Device phone = phoneThatAcknowledgedThree();
        ledger.restarted();
        ledger.fetched(phone, handed(1, 2, 3));
        ledger.acknowledged(phone, 3); // the device acknowledges again, on the new server
        send(4);
        ledger.restarted();
        ledger.fetched(phone, handed(3, 4));

        assertThat(ledger.problems()).containsExactly(
                "u1/phone was handed 3 (m3) again: it had acknowledged through 3 (through 3 before a later SEND was answered)");
    }
}
