package org.wirechat.bench;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.wirechat.client.Connection;
import org.wirechat.protocol.Request;
import org.wirechat.protocol.Response;

/**
 * Offline drain: N users receive M messages each while offline (senders pipelining, every message
 * fsync'd before it is acknowledged), then all N fetch and acknowledge everything at once.
 */
final class Drain {
    private Drain() {
    }

    /**
     * @param cpu CPU seconds used so far by the load generator and the server ({@code [own, server]}), to
     *     report the CPU a stored message costs each
     */
    static List<Figures> run(InetSocketAddress at, int users, int each, int senders, int window,
            Supplier<double[]> cpu) throws Exception {
        List<String> recipients = Users.create(at, "drain", users);
        List<String> sending = Users.create(at, "drainer", senders);
        int total = users * each;
        CountDownLatch stored = new CountDownLatch(total);
        AtomicLong errors = new AtomicLong();
        List<Pipe> pipes = new ArrayList<>();
        double[] cpuBefore = cpu.get();
        long start = System.nanoTime();
        try {
            List<Thread> threads = new ArrayList<>();
            for (int s = 0; s < senders; s++) {
                Semaphore inFlight = new Semaphore(window);
                Pipe pipe = new Pipe(at, r -> {
                    if (!(r instanceof Response.Sent)) {
                        errors.incrementAndGet();
                    }
                    inFlight.release();
                    stored.countDown();
                });
                pipes.add(pipe);
                String token = sending.get(s);
                int first = s;
                threads.add(Thread.ofVirtual().start(() -> {
                    try {
                        for (int i = first; i < total; i += senders) {
                            inFlight.acquire();
                            pipe.send(new Request.Send(token, "drain" + (i % users), UUID.randomUUID().toString(),
                                    "offline message number " + i));
                        }
                    } catch (Exception e) {
                        errors.incrementAndGet();
                    }
                }));
            }
            if (!stored.await(10, TimeUnit.MINUTES)) {
                throw new IllegalStateException("storing did not finish");
            }
        } finally {
            for (Pipe p : pipes) {
                p.close();
            }
        }
        double storeSeconds = (System.nanoTime() - start) / 1e9;
        double[] cpuAfter = cpu.get();
        String storeCpu = String.format("CPU %.0f µs a stored message in the load generator, %.0f µs in the server",
                1e6 * (cpuAfter[0] - cpuBefore[0]) / total, 1e6 * (cpuAfter[1] - cpuBefore[1]) / total);

        AtomicLong drained = new AtomicLong();
        long drainStart = System.nanoTime();
        try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<Void>> work = new ArrayList<>();
            for (String token : recipients) {
                work.add(threads.submit(() -> {
                    try (Connection c = Users.connect(at)) {
                        long ack = 0;
                        while (true) {
                            Response r = c.call(new Request.Fetch(token, ack, 1000, 0));
                            List<Response.Message> batch = ((Response.Messages) r).messages();
                            if (batch.isEmpty()) {
                                return null;
                            }
                            drained.addAndGet(batch.size());
                            ack = batch.get(batch.size() - 1).id();
                        }
                    }
                }));
            }
            for (Future<Void> f : work) {
                f.get();
            }
        }
        double drainSeconds = (System.nanoTime() - drainStart) / 1e9;
        String setup = users + "x" + each;
        return List.of(
                Figures.rate("store", "wirechat", setup + " " + senders + "x W=" + window, total / storeSeconds, "msg/s",
                        (errors.get() == 0 ? "" : errors.get() + " errors; ") + storeCpu),
                Figures.rate("drain", "wirechat", setup, drained.get() / drainSeconds, "msg/s",
                        drained.get() == total ? "" : "drained " + drained.get() + " of " + total));
    }
}
