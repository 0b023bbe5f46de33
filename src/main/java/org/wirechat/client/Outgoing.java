package org.wirechat.client;

import java.util.concurrent.CompletableFuture;
import org.wirechat.protocol.Response;

/**
 * A message on its way: queued in the client's outbox at once, with the client message id it keeps
 * through every retry, so the server stores it once however often the connection breaks. Its
 * {@link #result()} completes when the server has stored it, or exceptionally with a
 * {@link ChatException} when the server refused it (no such user, inbox full…) or it was given up
 * (logged out, the client closed) — then the exception says whether it may have been stored.
 */
public final class Outgoing {
    private final String clientId;
    private final String from;
    private final String to;
    private final String body;
    private final CompletableFuture<Response.Sent> result = new CompletableFuture<>();

    Outgoing(String clientId, String from, String to, String body) {
        this.clientId = clientId;
        this.from = from;
        this.to = to;
        this.body = body;
    }

    public String clientId() {
        return clientId;
    }

    /** The account that sends it. */
    public String from() {
        return from;
    }

    public String to() {
        return to;
    }

    public String body() {
        return body;
    }

    public CompletableFuture<Response.Sent> result() {
        return result;
    }

    /** True once the server has stored it. */
    public boolean sent() {
        return result.isDone() && !result.isCompletedExceptionally();
    }

    @Override
    public String toString() {
        return "message " + clientId + " to " + to + " (" + body.length() + " characters)";
    }
}
