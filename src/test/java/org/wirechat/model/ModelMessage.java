package org.wirechat.model;

import java.util.List;
import org.wirechat.protocol.Response;

/**
 * A stored message of the model: to an account ({@code to}) or to a group ({@code group}, with the
 * accounts it reached: the group's other members when it was stored).
 */
record ModelMessage(long id, ModelAccount sender, String senderDevice, ModelAccount to, ModelGroup group,
        List<ModelAccount> reached, long timestampMillis, String clientId, String body) {

    /** Whether it is, for {@code account}, a copy of the account's own message (sent to someone else). */
    boolean isCopyFor(ModelAccount account) {
        return sender == account && to != account;
    }

    /** As FETCH and HISTORY show it: a group's recipient is the group's name now. */
    Response.Message record() {
        return new Response.Message(id, sender.name, group != null ? group.name : to.name, timestampMillis, body);
    }

    /** Whether a retry with this recipient and body is the same message (SEND: otherwise CLIENT_ID_REUSED). */
    boolean sameAs(ModelAccount toAccount, ModelGroup toGroup, String text) {
        return to == toAccount && group == toGroup && body.equals(text);
    }
}
