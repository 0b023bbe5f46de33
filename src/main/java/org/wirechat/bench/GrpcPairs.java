package org.wirechat.bench;

import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;
import org.wirechat.client.grpc.Acknowledger;
import org.wirechat.grpc.v1.AckReply;
import org.wirechat.grpc.v1.AckRequest;
import org.wirechat.grpc.v1.ChatGrpc;
import org.wirechat.grpc.v1.Message;
import org.wirechat.grpc.v1.SendReply;
import org.wirechat.grpc.v1.SendRequest;
import org.wirechat.grpc.v1.SubscribeRequest;

/**
 * The pairs workload over gRPC (the server's --grpc-port): the same shape as {@link Pairs} — in each
 * pair A sends K messages to B with at most W in flight, B echoes each back — with every user on an
 * HTTP/2 connection of its own, sending by asynchronous Send calls (pipelined on the connection, as the
 * wire workload pipelines SENDs) and receiving by Subscribe, acknowledging what arrived as the client
 * library does (asynchronous Acks, one on its way at a time, through the newest message).
 */
final class GrpcPairs {
    private GrpcPairs() {
    }

    /**
     * Counts a failed call; its first failure is kept for the report. Calls cut off by the end of the run
     * (acknowledgements still on their way when the channels close) are not failures.
     */
    private record Failures(AtomicLong count, AtomicReference<String> first, AtomicBoolean over) {
        void fail(String where, Throwable t) {
            if (over.get()) {
                return;
            }
            count.incrementAndGet();
            first.compareAndSet(null, where + ": " + t);
        }
    }

    private static <T> StreamObserver<T> counting(Failures f, String where) {
        return new StreamObserver<>() {
            @Override
            public void onNext(T value) {
            }

            @Override
            public void onError(Throwable t) {
                f.fail(where, t);
            }

            @Override
            public void onCompleted() {
            }
        };
    }

    static Figures run(InetSocketAddress at, String system, int pairs, int messages, int window, List<String> tokens,
            String prefix) throws Exception {
        Histogram h = new ConcurrentHistogram(1, 600_000_000L, 3);
        CountDownLatch done = new CountDownLatch(pairs);
        AtomicLong delivered = new AtomicLong();
        Failures failures = new Failures(new AtomicLong(), new AtomicReference<>(), new AtomicBoolean());
        List<ManagedChannel> open = new ArrayList<>();
        List<Runnable> senders = new ArrayList<>();
        long start;
        try {
            for (int p = 0; p < pairs; p++) {
                String a = prefix + "a" + p;
                String b = prefix + "b" + p;
                ChatGrpc.ChatStub stubA = user(at, tokens.get(2 * p), open);
                ChatGrpc.ChatStub stubB = user(at, tokens.get(2 * p + 1), open);
                Semaphore inFlight = new Semaphore(window);
                subscribe(stubB, messages, failures, m -> { // B: record, echo back to A
                    record(h, m.getBody());
                    delivered.incrementAndGet();
                    String seq = m.getBody().substring(0, m.getBody().indexOf(':'));
                    stubB.send(send(a, Integer.parseInt(seq)), GrpcPairs.<SendReply>counting(failures, "echo"));
                }, null);
                subscribe(stubA, messages, failures, m -> { // A: record the echo, free a window slot
                    record(h, m.getBody());
                    delivered.incrementAndGet();
                    inFlight.release();
                }, done);
                senders.add(() -> {
                    try {
                        for (int i = 0; i < messages; i++) {
                            inFlight.acquire();
                            stubA.send(send(b, i), GrpcPairs.<SendReply>counting(failures, "send"));
                        }
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                });
            }
            start = System.nanoTime();
            senders.forEach(s -> Thread.ofVirtual().start(s));
            if (!done.await(3, TimeUnit.MINUTES)) {
                throw new IllegalStateException("gRPC pairs did not finish in 3 minutes: " + done.getCount()
                        + " pairs still waiting, " + failures.count().get() + " errors, the first: " + failures.first().get());
            }
        } finally {
            failures.over().set(true);
            for (ManagedChannel c : open) {
                c.shutdownNow();
            }
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        return Figures.of("pairs", system, pairs + "x" + messages + " W=" + window, delivered.get() / seconds, "msg/s", h,
                failures.count().get() == 0 ? "" : failures.count().get() + " errors, the first: " + failures.first().get());
    }

    private static ChatGrpc.ChatStub user(InetSocketAddress at, String token, List<ManagedChannel> open) {
        ManagedChannel channel = NettyChannelBuilder.forAddress(at.getHostString(), at.getPort()).usePlaintext().build();
        open.add(channel);
        Metadata m = new Metadata();
        m.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer " + token);
        return ChatGrpc.newStub(channel).withInterceptors(MetadataUtils.newAttachHeadersInterceptor(m));
    }

    private static SendRequest send(String to, int seq) {
        return SendRequest.newBuilder().setRecipient(to).setClientMessageId(UUID.randomUUID().toString())
                .setBody(seq + ":" + System.nanoTime()).build();
    }

    private static void record(Histogram h, String body) {
        long sent = Long.parseLong(body.substring(body.indexOf(':') + 1));
        h.recordValue(Math.max(1, (System.nanoTime() - sent) / 1000));
    }

    /** Receives {@code expected} messages by Subscribe, acknowledging each; counts {@code done} down then. */
    private static void subscribe(ChatGrpc.ChatStub stub, int expected, Failures failures, Consumer<Message> onMessage,
            CountDownLatch done) {
        AtomicLong got = new AtomicLong();
        Acknowledger[] acks = new Acknowledger[1];
        acks[0] = new Acknowledger(id -> stub.ack(AckRequest.newBuilder().setThroughId(id).build(),
                new StreamObserver<AckReply>() {
                    @Override
                    public void onNext(AckReply value) {
                    }

                    @Override
                    public void onError(Throwable t) {
                        failures.fail("ack", t);
                        acks[0].answered();
                    }

                    @Override
                    public void onCompleted() {
                        acks[0].answered();
                    }
                }));
        stub.subscribe(SubscribeRequest.getDefaultInstance(), new StreamObserver<>() {
            @Override
            public void onNext(Message m) {
                onMessage.accept(m);
                acks[0].through(m.getId()); // as the client library does: one Ack on its way at a time
                if (got.incrementAndGet() == expected && done != null) {
                    done.countDown();
                }
            }

            @Override
            public void onError(Throwable t) {
                if (got.get() < expected) {
                    failures.fail("subscribe", t);
                }
            }

            @Override
            public void onCompleted() {
            }
        });
    }
}
