package org.wirechat.client;

import org.wirechat.protocol.Request;
import org.wirechat.protocol.Response;

/**
 * One connection to the server, whichever transport carries it: the wire protocol ({@link Connection})
 * or gRPC ({@code org.wirechat.client.grpc.GrpcConnection}). A request in, its response out; the client
 * above it does not know which.
 */
public interface ServerConnection extends AutoCloseable {
    /**
     * Sends one request and waits for its response (a FETCH as long as it asked to wait, plus a margin).
     *
     * @throws ConnectionLostException the connection broke or timed out; it is closed
     * @throws IncompatibleServerException the other end does not speak this transport as we do
     */
    Response call(Request request) throws ConnectionLostException, IncompatibleServerException;

    /** True if the server has closed this connection while it was idle (a fresh one should be made). */
    boolean serverSaidGoodbye();

    boolean isClosed();

    /** Closes at once; a call waiting on another thread ends with {@link ConnectionLostException}. */
    @Override
    void close();
}
