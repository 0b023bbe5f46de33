package org.wirechat.bench;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;
import org.wirechat.protocol.Frame;
import org.wirechat.protocol.FrameReader;
import org.wirechat.protocol.Request;
import org.wirechat.protocol.RequestCodec;
import org.wirechat.protocol.Response;
import org.wirechat.protocol.ResponseCodec;

/**
 * The pairs workload over the web transport (the server's --web-port, docs/wire_design.md §11): the same shape as
 * {@link Pairs}, the same frames, each in a WebSocket message — every user sends on one WebSocket (its SENDs sent
 * without waiting, up to the window; the server answers one message at a time) and polls on another (FETCH), as the
 * web client does.
 */
final class WsPairs {
    private WsPairs() {
    }

    /** One WebSocket to /ws: requests sent in order, answers taken in order (the server answers in order). */
    static final class Link implements WebSocket.Listener, AutoCloseable {
        private final ConcurrentLinkedQueue<CompletableFuture<Response>> waiting = new ConcurrentLinkedQueue<>();
        private final ByteArrayOutputStream partial = new ByteArrayOutputStream();
        private final ReentrantLock sending = new ReentrantLock();
        private CompletableFuture<?> lastSend = CompletableFuture.completedFuture(null);
        private final AtomicLong ids = new AtomicLong();
        private WebSocket ws;

        static Link open(HttpClient http, URI uri) throws Exception {
            Link l = new Link();
            l.ws = http.newWebSocketBuilder().buildAsync(uri, l).get(20, TimeUnit.SECONDS);
            return l;
        }

        CompletableFuture<Response> ask(Request request) {
            CompletableFuture<Response> answer = new CompletableFuture<>();
            ByteBuffer frame = ByteBuffer.wrap(RequestCodec.encode((int) ids.incrementAndGet(), request).toBytes());
            sending.lock();
            try { // the JDK's WebSocket takes one send at a time: each after the last
                waiting.add(answer);
                lastSend = lastSend.thenCompose(x -> ws.sendBinary(frame, true));
            } finally {
                sending.unlock();
            }
            return answer;
        }

        @Override
        public CompletionStage<?> onBinary(WebSocket w, ByteBuffer data, boolean last) {
            byte[] b = new byte[data.remaining()];
            data.get(b);
            partial.writeBytes(b);
            if (last) {
                CompletableFuture<Response> next = waiting.poll();
                try {
                    Frame f = new FrameReader(new ByteArrayInputStream(partial.toByteArray()), Frame.MAX_FRAME_BYTES).read();
                    next.complete(ResponseCodec.decode(f));
                } catch (Exception e) {
                    next.completeExceptionally(e);
                }
                partial.reset();
            }
            w.request(1);
            return null;
        }

        @Override
        public CompletionStage<?> onClose(WebSocket w, int code, String reason) {
            waiting.forEach(f -> f.completeExceptionally(new IllegalStateException("closed " + code + " " + reason)));
            return null;
        }

        @Override
        public void close() {
            ws.abort();
        }
    }

    static Figures run(URI ws, String system, int pairs, int messages, int window, List<String> tokens, String prefix)
            throws Exception {
        Histogram h = new ConcurrentHistogram(1, 600_000_000L, 3);
        CountDownLatch done = new CountDownLatch(pairs);
        AtomicLong delivered = new AtomicLong();
        AtomicLong errors = new AtomicLong();
        AtomicReference<String> firstError = new AtomicReference<>();
        Consumer<Response> check = r -> {
            if (r instanceof Response.Error e) {
                errors.incrementAndGet();
                firstError.compareAndSet(null, e.reason());
            }
        };
        HttpClient http = HttpClient.newHttpClient();
        List<Link> open = new ArrayList<>();
        List<Runnable> starts = new ArrayList<>();
        long start;
        try {
            for (int p = 0; p < pairs; p++) {
                String a = tokens.get(2 * p);
                String b = tokens.get(2 * p + 1);
                String to = prefix + "b" + p;
                Link sendA = Link.open(http, ws);
                Link sendB = Link.open(http, ws);
                Link pollA = Link.open(http, ws);
                Link pollB = Link.open(http, ws);
                open.addAll(List.of(sendA, sendB, pollA, pollB));
                Semaphore inFlight = new Semaphore(window);
                starts.add(() -> poll(pollB, b, messages, m -> { // B: record, echo back to its sender
                    record(h, m.body());
                    delivered.incrementAndGet();
                    sendB.ask(send(b, m.sender(), m.body().substring(0, m.body().indexOf(':')))).thenAccept(check);
                }, null, errors, firstError));
                starts.add(() -> poll(pollA, a, messages, m -> { // A: record the echo, free a window slot
                    record(h, m.body());
                    delivered.incrementAndGet();
                    inFlight.release();
                }, done, errors, firstError));
                starts.add(() -> {
                    try {
                        for (int i = 0; i < messages; i++) {
                            inFlight.acquire();
                            sendA.ask(send(a, to, String.valueOf(i))).thenAccept(check);
                        }
                    } catch (Exception e) {
                        errors.incrementAndGet();
                        firstError.compareAndSet(null, "send: " + e);
                    }
                });
            }
            start = System.nanoTime();
            starts.forEach(s -> Thread.ofVirtual().start(s));
            if (!done.await(3, TimeUnit.MINUTES)) {
                throw new IllegalStateException("WebSocket pairs did not finish in 3 minutes: " + done.getCount()
                        + " pairs still waiting, " + errors.get() + " errors, the first: " + firstError.get());
            }
        } finally {
            open.forEach(Link::close);
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        return Figures.of("pairs", system, pairs + "x" + messages + " W=" + window, delivered.get() / seconds, "msg/s", h,
                errors.get() == 0 ? "" : errors.get() + " errors, the first: " + firstError.get());
    }

    private static Request.Send send(String token, String to, String seq) {
        return new Request.Send(token, to, UUID.randomUUID().toString(), seq + ":" + System.nanoTime());
    }

    private static void record(Histogram h, String body) {
        long sent = Long.parseLong(body.substring(body.indexOf(':') + 1));
        h.recordValue(Math.max(1, (System.nanoTime() - sent) / 1000));
    }

    private static void poll(Link link, String token, int expected, Consumer<Response.Message> onMessage, CountDownLatch done,
            AtomicLong errors, AtomicReference<String> firstError) {
        long ack = 0;
        int got = 0;
        try {
            while (got < expected) {
                Response r = link.ask(new Request.Fetch(token, ack, 1000, 5000)).get(60, TimeUnit.SECONDS);
                if (!(r instanceof Response.Messages ms)) {
                    throw new IllegalStateException("FETCH answered " + r);
                }
                for (Response.Message m : ms.messages()) {
                    onMessage.accept(m);
                    ack = Math.max(ack, m.id());
                    got++;
                }
            }
            link.ask(new Request.Fetch(token, ack, 1, 0)); // acknowledge the last ones
            if (done != null) {
                done.countDown();
            }
        } catch (Exception e) {
            errors.incrementAndGet();
            firstError.compareAndSet(null, "poll: " + e);
        }
    }
}
