package org.wirechat.client;

import java.util.function.Consumer;
import org.wirechat.protocol.Response;

/**
 * A connection whose server pushes messages as they are stored (gRPC's Subscribe), so that the poller
 * need not ask again after each delivery. Pushing is not delivering: the poller acknowledges what it has
 * shown, and a broken stream is subscribed again from there.
 */
public interface Subscribing extends ServerConnection {
    /**
     * Receives the account's undelivered messages with an id above {@code afterId}, each handed to
     * {@code pushed} as it arrives, until the stream ends. Returns the server's refusal (a session that
     * expired, say) when it refused the stream.
     *
     * @throws ConnectionLostException the stream broke (or this connection was closed): subscribe again
     */
    Response.Error subscribe(String token, long afterId, Consumer<Response.Message> pushed)
            throws ConnectionLostException, IncompatibleServerException;

    /**
     * As {@link #subscribe}, with the live events too (gRPC's Sync, a server with the {@code events} feature): each
     * typing indication handed to {@code typing} as it arrives.
     */
    Response.Error sync(String token, long afterId, Consumer<Response.Message> pushed, Consumer<Response.Typing> typing)
            throws ConnectionLostException, IncompatibleServerException;

    /** Acknowledges through {@code throughId} without waiting for the answer (a later one covers a lost one). */
    void acknowledgeLater(String token, long throughId);
}
