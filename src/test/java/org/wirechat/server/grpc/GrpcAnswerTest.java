package org.wirechat.server.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.stub.StreamObserver;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.wirechat.server.core.ChatResult;

/**
 * A unary call is answered by the thread that completes the core's future (a SEND's: the store's writer). An Error
 * there must reach that thread's uncaught-exception handler — the server's, which stops it (as
 * {@code GrpcAttacksTest.anErrorThatKillsAThreadStopsTheServerAndAnExceptionDoesNot} shows for a thread it kills) —
 * not vanish into the future. No real part throws an Error on demand: the observer stands for a call whose answering
 * fails so.
 */
@Timeout(30)
class GrpcAnswerTest {
    @Test
    void anErrorWhileAnsweringReachesTheUncaughtHandlerOfTheThreadThatCompletedTheCall() throws Exception {
        CompletableFuture<ChatResult> answer = new CompletableFuture<>();
        StreamObserver<Object> failing = new StreamObserver<>() {
            @Override
            public void onNext(Object value) {
                throw new StackOverflowError("thrown to stand for any Error");
            }

            @Override
            public void onError(Throwable t) {
            }

            @Override
            public void onCompleted() {
            }
        };
        GrpcMappingTest.service().answerWhenDone(answer, -1, 0, failing);
        AtomicReference<Throwable> uncaught = new AtomicReference<>();
        Thread writer = Thread.ofPlatform().name("a store writer").uncaughtExceptionHandler((t, e) -> uncaught.set(e))
                .unstarted(() -> answer.complete(new ChatResult.Pong(1)));
        writer.start();
        writer.join();
        assertThat(uncaught.get()).isInstanceOf(StackOverflowError.class);
    }
}
