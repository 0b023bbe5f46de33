package org.wirechat.server.core;

import java.util.concurrent.CompletableFuture;

/**
 * One operation: Kafka's ApiKeys entry and Ergo's Command in one record — its name, its request and result
 * records, whether it needs a login, the rate class it counts against, and its handler.
 */
public record Operation<Q extends ChatRequest, R extends ChatResult>(String name, Class<Q> request, Class<R> result,
        Login login, RateClass rate, Handler<Q, R> handler) {

    public Operation {
        if (rate == RateClass.MESSAGE_TO_GROUP && request != ChatRequest.Send.class) {
            throw new IllegalArgumentException(name + ": only a SEND counts against MESSAGE_TO_GROUP, not "
                    + request.getSimpleName());
        }
    }

    /** Runs the operation once the common checks passed; a refusal is a {@link ChatException}. */
    @FunctionalInterface
    public interface Handler<Q, R> {
        CompletableFuture<R> handle(Q request, Asker asker) throws ChatException, InterruptedException;
    }

    /** A handler that answers on the calling thread. */
    @FunctionalInterface
    interface Now<Q, R> {
        R handle(Q request, Asker asker) throws ChatException, InterruptedException;
    }

    static <Q extends ChatRequest, R extends ChatResult> Operation<Q, R> now(String name, Class<Q> request, Class<R> result,
            Login login, RateClass rate, Now<Q, R> handler) {
        return new Operation<>(name, request, result, login, rate,
                (q, asker) -> CompletableFuture.completedFuture(handler.handle(q, asker)));
    }

    @SuppressWarnings("unchecked")
    CompletableFuture<? extends ChatResult> run(ChatRequest request, Asker asker) throws ChatException, InterruptedException {
        return handler.handle((Q) request, asker);
    }
}
