package org.wirechat.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.CallOptions;
import io.grpc.ClientCall;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.wirechat.grpc.v1.ChatGrpc;
import org.wirechat.grpc.v1.FetchRequest;
import org.wirechat.grpc.v1.PingRequest;
import org.wirechat.grpc.v1.SendReply;
import org.wirechat.grpc.v1.SendRequest;
import org.wirechat.server.core.admission.AbuseLimits;
import org.wirechat.server.grpc.GrpcTransport;
import org.wirechat.server.storage.FaultPlan;
import org.wirechat.server.storage.FaultPlan.Fault;
import org.wirechat.server.storage.FaultPlan.Point;

/**
 * A unary call is answered by whichever thread completes the core's future (a Send by the thread that made it
 * durable), so its client may have cancelled it by then: the answer must then neither reach a counter nor stay in
 * one. The store's write is held (a {@link FaultPlan} action at the message log's write) while the client cancels.
 */
@Timeout(60)
class GrpcCancelledCallTest {
    @TempDir
    Path dir;

    @Test
    void aSendCancelledWhileItIsMadeDurableLeavesNoAnswerBytesCounted() throws Exception {
        FaultPlan plan = new FaultPlan(true);
        CountDownLatch held = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        try (ServerFixture fx = new ServerFixture(Backend.SQLITE, dir.resolve("data"),
                b -> b.grpcPort(0).abuse(AbuseLimits.NONE).storageIo(plan))) {
            GrpcTransport grpc = fx.server().grpcTransport().orElseThrow();
            ManagedChannel c = NettyChannelBuilder.forAddress("127.0.0.1", fx.server().grpcPort().orElseThrow())
                    .usePlaintext().build();
            try {
                String alice = GrpcAttacksTest.register(c, "alice");
                String bob = GrpcAttacksTest.register(c, "bob");
                plan.only("\\.seg").at(Point.LOG_WRITE, 1, Fault.ACTION, real -> {
                    held.countDown();
                    release.await(30, TimeUnit.SECONDS);
                }).arm();

                ClientCall<SendRequest, SendReply> call = c.newCall(ChatGrpc.getSendMethod(), CallOptions.DEFAULT);
                AtomicReference<Status> ended = new AtomicReference<>();
                CountDownLatch closed = new CountDownLatch(1);
                call.start(new ClientCall.Listener<>() {
                    @Override
                    public void onClose(Status status, Metadata trailers) {
                        ended.set(status);
                        closed.countDown();
                    }
                }, GrpcTransportTest.bearer(alice));
                call.request(1);
                call.sendMessage(SendRequest.newBuilder().setRecipient("bob").setClientMessageId("c1").setBody("given up on").build());
                call.halfClose();
                assertThat(held.await(30, TimeUnit.SECONDS)).as("the send reached the store's write").isTrue();
                call.cancel("the user gave up", null);
                assertThat(closed.await(30, TimeUnit.SECONDS)).isTrue();
                assertThat(ended.get().getCode()).isEqualTo(Status.Code.CANCELLED);
                // a later call on the same connection answered: the server has read the cancel (HTTP/2 frames in order)
                GrpcAttacksTest.stub(c).ping(PingRequest.getDefaultInstance());
                release.countDown();

                // the message was stored all the same (the client may retry with its client id: stored once)
                assertThat(GrpcAttacksTest.as(c, bob).fetch(FetchRequest.newBuilder().setMaxWaitMs(10_000).build())
                        .getMessagesList()).extracting(m -> m.getBody()).containsExactly("given up on");
                // the store's writer answers in order: once a later send is answered, the cancelled one's answer was made
                GrpcAttacksTest.as(c, alice).send(SendRequest.newBuilder().setRecipient("bob").setClientMessageId("c2")
                        .setBody("still here").build());
                Await.until(() -> "no answer bytes left counted on the connection; " + grpc.unsentReplyBytes() + " are",
                        () -> grpc.unsentReplyBytes() == 0);
            } finally {
                release.countDown();
                c.shutdownNow();
            }
        }
    }
}
