package org.wirechat.server.grpc;

import io.grpc.stub.ServerCallStreamObserver;
import java.util.List;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Function;
import java.util.function.LongFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.wirechat.protocol.ErrorCode;
import org.wirechat.server.ServerMetrics;
import org.wirechat.server.core.Call;
import org.wirechat.server.core.Chat;
import org.wirechat.server.core.ChatException;
import org.wirechat.server.core.ChatRequest;
import org.wirechat.server.core.ChatResult;

/**
 * One Subscribe or Sync call: waits for mail (and, for Sync, live events) as FETCH and SYNC do (acknowledging
 * nothing) and pushes each item only
 * while the client reads — HTTP/2 flow control, as grpc-java's {@code ManualFlowControlServer} does it:
 * the call's onReady handler wakes the pusher, which never sleeps on {@code isReady()} and never writes
 * ahead of a client that has stopped reading (it holds at most one batch it has read from the store).
 * The token is checked again after each batch is read and before it is pushed, so nothing is pushed once
 * it is revoked. Runs on a thread of its own, so that the call's own callbacks (onReady, onCancel) run.
 */
final class Subscription implements Runnable {
    private static final Logger log = LoggerFactory.getLogger(Subscription.class);

    /** One item to push: the protobuf message, and the message id it delivers (0 for a live event). */
    record Item(Object message, long id) {
    }

    /**
     * What a stream pushes: where it starts (the last message id acknowledged), the request for the next batch after
     * a message id, and that batch's items in order.
     */
    record Feed(long start, LongFunction<ChatRequest> next, Function<ChatResult, List<Item>> items) {
    }

    /** Subscribe's: the messages (NEXT). */
    static Feed messages(long start) {
        return new Feed(start, after -> new ChatRequest.Next(after, GrpcChatService.SUBSCRIBE_BATCH, GrpcChatService.SUBSCRIBE_WAIT_MILLIS),
                r -> ((ChatResult.Messages) r).messages().stream().map(m -> new Item(GrpcMapping.message(m), m.id())).toList());
    }

    /** Sync's: the live events, then the messages (SYNC_NEXT). */
    static Feed events(long start) {
        return new Feed(start, after -> new ChatRequest.SyncNext(after, GrpcChatService.SUBSCRIBE_BATCH, GrpcChatService.SUBSCRIBE_WAIT_MILLIS),
                r -> GrpcMapping.events((ChatResult.Events) r).stream().map(e -> new Item(e, e.hasMessage() ? e.getMessage().getId() : 0))
                        .toList());
    }

    private final ServerCallStreamObserver<Object> observer;
    private final Feed feed;
    private final Chat chat;
    /** The call's connection and token. */
    private final Call call;
    private final BooleanSupplier closing;
    private final ServerMetrics metrics;
    /** Released by the call's onReady and onCancel callbacks: the pusher looks again. */
    private final Semaphore wake = new Semaphore(0);
    private long after;

    Subscription(ServerCallStreamObserver<Object> observer, Feed feed, Chat chat, Call call, BooleanSupplier closing,
            ServerMetrics metrics) {
        this.observer = observer;
        this.feed = feed;
        this.chat = chat;
        this.call = call;
        this.after = feed.start();
        this.closing = closing;
        this.metrics = metrics;
        // set while the call starts (grpc-java allows it only then); a cancel handler also makes a push after a cancel a no-op
        observer.setOnReadyHandler(this::wake);
        observer.setOnCancelHandler(this::wake);
    }

    private void wake() {
        if (wake.availablePermits() == 0) {
            wake.release();
        }
    }

    @Override
    public void run() {
        try {
            while (!observer.isCancelled()) {
                if (closing.getAsBoolean()) {
                    shuttingDown();
                    return;
                }
                List<Item> batch;
                try {
                    batch = feed.items().apply(GrpcChatService.ask(chat, feed.next().apply(after), call));
                } catch (ChatException e) {
                    observer.onError(GrpcChatService.failure(e));
                    return;
                }
                int pushed = 0;
                for (Item m : batch) {
                    boolean waited = !observer.isReady();
                    if (waited && !awaitReady()) {
                        break;
                    }
                    if ((pushed == 0 || waited) && revoked()) { // each message of the batch was stored before this check
                        return;
                    }
                    observer.onNext(m.message());
                    after = Math.max(after, m.id());
                    pushed++;
                }
                metrics.pushed(pushed);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt(); // the server is stopping (its executor interrupts what runs)
        } catch (RuntimeException e) {
            if (!observer.isCancelled()) {
                log.error("a gRPC subscription failed", e);
                observer.onError(GrpcChatService.failure(ErrorCode.INTERNAL_ERROR, "internal error", List.of()));
            }
        }
    }

    /** Waits until the client reads again: false if the call was cancelled or the server stops meanwhile. */
    private boolean awaitReady() throws InterruptedException {
        while (!observer.isReady()) {
            if (observer.isCancelled()) {
                return false;
            }
            if (closing.getAsBoolean()) {
                shuttingDown();
                return false;
            }
            wake.tryAcquire(GrpcChatService.SUBSCRIBE_WAIT_MILLIS, TimeUnit.MILLISECONDS);
        }
        return true;
    }

    /** Whether the token no longer holds (then the call has ended with NOT_AUTHENTICATED). */
    private boolean revoked() throws InterruptedException {
        try {
            GrpcChatService.ask(chat, new ChatRequest.Ack(0), call);
            return false;
        } catch (ChatException e) {
            observer.onError(GrpcChatService.failure(e));
            return true;
        }
    }

    private void shuttingDown() {
        observer.onError(GrpcChatService.failure(ErrorCode.SHUTTING_DOWN, "the server is shutting down; subscribe again"
                + " (to another server, or this one once it is back)", List.of()));
    }
}
