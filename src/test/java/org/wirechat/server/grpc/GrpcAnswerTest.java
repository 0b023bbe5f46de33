package org.wirechat.server.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.stub.StreamObserver;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.wirechat.protocol.Frame;
import org.wirechat.server.ServerMetrics;
import org.wirechat.server.core.ChatResult;

/**
 * A unary call whose answer is not ready is answered on a thread of the service's executor, not by the thread that
 * completes the core's future (a SEND's: the store's one writer, which must not spend its time making and writing
 * replies). An Error while answering must reach the answering thread's uncaught-exception handler — the server's,
 * which stops it (as {@code GrpcAttacksTest.anErrorThatKillsAThreadStopsTheServerAndAnExceptionDoesNot} shows for a
 * thread it kills) — not vanish into the future. No real part throws an Error on demand: the observer stands for a
 * call whose answering fails so.
 */
@Timeout(30)
class GrpcAnswerTest {
    private final AtomicReference<Throwable> answererCaught = new AtomicReference<>();
    private final CountDownLatch answererEnded = new CountDownLatch(1);
    /** Stands for the transport's virtual threads: a thread a task, with the server's kind of handler. */
    private final Executor answerers = task -> Thread.ofPlatform().name("answering").uncaughtExceptionHandler((t, e) -> answererCaught.set(e))
            .start(() -> {
                try {
                    task.run();
                } finally {
                    answererEnded.countDown();
                }
            });
    private final GrpcChatService service = new GrpcChatService(null, () -> false, Frame.MAX_FRAME_BYTES, ServerMetrics.OFF, answerers);

    @Test
    void aCallIsAnsweredOffTheThreadThatCompletesItAndAnErrorThereReachesTheAnsweringThreadsHandler() throws Exception {
        CompletableFuture<ChatResult> answer = new CompletableFuture<>();
        AtomicReference<String> answeredOn = new AtomicReference<>();
        StreamObserver<Object> failing = new StreamObserver<>() {
            @Override
            public void onNext(Object value) {
                answeredOn.set(Thread.currentThread().getName());
                throw new StackOverflowError("thrown to stand for any Error");
            }

            @Override
            public void onError(Throwable t) {
            }

            @Override
            public void onCompleted() {
            }
        };
        service.answerWhenDone(answer, -1, 0, failing);
        AtomicReference<Throwable> writerCaught = new AtomicReference<>();
        Thread writer = Thread.ofPlatform().name("a store writer").uncaughtExceptionHandler((t, e) -> writerCaught.set(e))
                .unstarted(() -> answer.complete(new ChatResult.Pong(1)));
        writer.start();
        writer.join();
        assertThat(answererEnded.await(20, TimeUnit.SECONDS)).as("the answering thread ran and ended").isTrue();
        assertThat(answeredOn.get()).isEqualTo("answering");
        assertThat(answererCaught.get()).isInstanceOf(StackOverflowError.class);
        assertThat(writerCaught.get()).isNull();
    }

    @Test
    void aCallWhoseAnswerIsReadyIsAnsweredAtOnceOnItsOwnThread() {
        AtomicReference<String> answeredOn = new AtomicReference<>();
        StreamObserver<Object> observer = new StreamObserver<>() {
            @Override
            public void onNext(Object value) {
                answeredOn.set(Thread.currentThread().getName());
            }

            @Override
            public void onError(Throwable t) {
                throw new AssertionError(t);
            }

            @Override
            public void onCompleted() {
            }
        };
        service.answerWhenDone(CompletableFuture.completedFuture(new ChatResult.Pong(1)), -1, 0, observer);
        assertThat(answeredOn.get()).isEqualTo(Thread.currentThread().getName());
    }
}
