package org.wirechat.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;
import org.wirechat.client.Connection;
import org.wirechat.protocol.Request;
import org.wirechat.protocol.Response;

/**
 * The pairs workload: in each of P pairs, A sends K messages to B keeping at most W in flight (sent
 * and not yet echoed), and B echoes each back to A. A message carries its send time, so each hop's
 * latency (send to receipt) goes into one histogram. Run against wirechat (SEND, FETCH long polls,
 * every message fsync'd before it is acknowledged) and against the bare {@link Relay}.
 */
final class Pairs {
    private Pairs() {
    }

    private static String body(int seq) {
        return seq + ":" + System.nanoTime();
    }

    private static void record(Histogram h, String body) {
        long sent = Long.parseLong(body.substring(body.indexOf(':') + 1));
        h.recordValue(Math.max(1, (System.nanoTime() - sent) / 1000));
    }

    private static Histogram histogram() {
        return new ConcurrentHistogram(1, 600_000_000L, 3);
    }

    static Figures wirechat(InetSocketAddress at, String prefix, int pairs, int messages, int window, List<String> tokens)
            throws Exception {
        return wirechat(at, at, "wirechat", prefix, pairs, messages, window, tokens);
    }

    /**
     * Pairs where every A speaks to the server at {@code atA} and every B to the one at {@code atB}
     * (the same for one server; two servers on one database make every hop cross between them).
     */
    static Figures wirechat(InetSocketAddress atA, InetSocketAddress atB, String system, String prefix, int pairs, int messages,
            int window, List<String> tokens) throws Exception {
        return wirechat(atA, atB, system, prefix, pairs, messages, window, tokens, null);
    }

    /**
     * The same; with {@code secondDevices} (A's and B's by turns, as {@code tokens}), each user also has a
     * second device polling on its own connection, which receives what the user receives and a copy of
     * what the user sends (issue 17): the run ends when those have all of theirs too. Each default device
     * (the {@code tokens}) must already hold the account's messages (Users.addDevice), else it is owed only
     * what the second device has not yet acknowledged. The figures count the messages sent (each delivered
     * to its recipient's first device), not the copies. A run that does not finish says, for each device
     * still waiting, what it got and the ids it is owed and lacks.
     */
    static Figures wirechat(InetSocketAddress atA, InetSocketAddress atB, String system, String prefix, int pairs, int messages,
            int window, List<String> tokens, List<String> secondDevices) throws Exception {
        Histogram h = histogram();
        CountDownLatch done = new CountDownLatch(secondDevices == null ? pairs : 3 * pairs);
        AtomicLong delivered = new AtomicLong();
        AtomicLong errors = new AtomicLong();
        AtomicReference<String> firstError = new AtomicReference<>();
        List<AutoCloseable> open = new ArrayList<>();
        List<Inbox> inboxes = new ArrayList<>();
        long start;
        try {
            List<Runnable> senders = new ArrayList<>();
            for (int p = 0; p < pairs; p++) {
                String a = prefix + "a" + p;
                String b = prefix + "b" + p;
                String tokenA = tokens.get(2 * p);
                String tokenB = tokens.get(2 * p + 1);
                Semaphore inFlight = new Semaphore(window);
                Set<Long> sentA = Inbox.ids();
                Set<Long> sentB = Inbox.ids();
                Pipe sendA = new Pipe(atA, r -> answered(r, sentA, errors, firstError));
                Pipe sendB = new Pipe(atB, r -> answered(r, sentB, errors, firstError));
                open.add(sendA);
                open.add(sendB);
                // B: receive, record, echo back to A
                Inbox inboxB = new Inbox(b, messages, List.of(sentA));
                inboxes.add(inboxB);
                open.add(poll(atB, tokenB, inboxB, m -> {
                    record(h, m.body());
                    delivered.incrementAndGet();
                    String seq = m.body().substring(0, m.body().indexOf(':'));
                    try {
                        sendB.send(new Request.Send(tokenB, a, UUID.randomUUID().toString(), body(Integer.parseInt(seq))));
                    } catch (IOException e) {
                        errors.incrementAndGet();
                        firstError.compareAndSet(null, "echo: " + e);
                    }
                }, null, errors, firstError));
                if (secondDevices != null) { // each gets the messages to its user and copies of its user's own
                    Inbox secondA = new Inbox(a + " second", 2 * messages, List.of(sentA, sentB));
                    Inbox secondB = new Inbox(b + " second", 2 * messages, List.of(sentA, sentB));
                    inboxes.add(secondA);
                    inboxes.add(secondB);
                    open.add(poll(atA, secondDevices.get(2 * p), secondA, m -> { }, done, errors, firstError));
                    open.add(poll(atB, secondDevices.get(2 * p + 1), secondB, m -> { }, done, errors, firstError));
                }
                // A: receive echoes, record, free a window slot
                Inbox inboxA = new Inbox(a, messages, List.of(sentB));
                inboxes.add(inboxA);
                open.add(poll(atA, tokenA, inboxA, m -> {
                    record(h, m.body());
                    delivered.incrementAndGet();
                    inFlight.release();
                }, done, errors, firstError));
                senders.add(() -> {
                    try {
                        for (int i = 0; i < messages; i++) {
                            inFlight.acquire();
                            sendA.send(new Request.Send(tokenA, b, UUID.randomUUID().toString(), body(i)));
                        }
                    } catch (IOException | InterruptedException e) {
                        errors.incrementAndGet();
                        firstError.compareAndSet(null, "send: " + e);
                    }
                });
            }
            start = System.nanoTime();
            senders.forEach(s -> Thread.ofVirtual().start(s));
            if (!done.await(3, TimeUnit.MINUTES)) {
                List<String> waiting = inboxes.stream().filter(i -> !i.complete()).map(Inbox::waitingFor).toList();
                throw new IllegalStateException("pairs did not finish in 3 minutes: " + waiting.size() + " devices still waiting, "
                        + errors.get() + " errors" + (firstError.get() == null ? "" : " (the first: " + firstError.get() + ")")
                        + ": " + String.join("; ", waiting));
            }
        } finally {
            for (AutoCloseable c : open) {
                c.close();
            }
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        return Figures.of(secondDevices == null ? "pairs" : "pairs-2-devices", system, pairs + "x" + messages + " W=" + window,
                delivered.get() / seconds, "msg/s",
                h, errors.get() == 0 ? "" : errors.get() + " errors, the first: " + firstError.get());
    }

    /** A SEND's answer: its message id kept in {@code sent}, an error counted. */
    private static void answered(Response r, Set<Long> sent, AtomicLong errors, AtomicReference<String> first) {
        if (r instanceof Response.Sent s) {
            sent.add(s.messageId());
        } else if (r instanceof Response.Error e) {
            errors.incrementAndGet();
            first.compareAndSet(null, e.code() + " " + e.reason());
        }
    }

    interface OnMessage {
        void accept(Response.Message m);
    }

    /**
     * A user's inbox poller: long-polls, acknowledging each batch, until {@code expected} messages came;
     * a failed poll is counted in {@code errors} (the first kept), and {@code done} (if any) counted down.
     */
    static AutoCloseable poll(InetSocketAddress at, String token, int expected, OnMessage onMessage, CountDownLatch done,
            AtomicLong errors, AtomicReference<String> firstError) throws IOException {
        return poll(at, token, new Inbox("a device", expected, List.of()), onMessage, done, errors, firstError);
    }

    /**
     * The same, counting into {@code inbox} until it has all it expects: each message handed to {@code onMessage}
     * once (one handed again, as at-least-once delivery allows, is dropped by id as a client does).
     */
    static AutoCloseable poll(InetSocketAddress at, String token, Inbox inbox, OnMessage onMessage, CountDownLatch done,
            AtomicLong errors, AtomicReference<String> firstError) throws IOException {
        Connection c = Users.connect(at);
        Thread.ofVirtual().start(() -> {
            long ack = 0;
            try {
                while (!inbox.complete()) {
                    Response r = c.call(new Request.Fetch(token, ack, 1000, 25_000));
                    if (!(r instanceof Response.Messages m)) {
                        throw new IllegalStateException("fetch failed: " + r);
                    }
                    for (Response.Message msg : m.messages()) {
                        if (inbox.received(msg.id())) {
                            onMessage.accept(msg);
                        }
                    }
                    if (!m.messages().isEmpty()) {
                        ack = m.messages().get(m.messages().size() - 1).id();
                    }
                }
                c.call(new Request.Fetch(token, ack, 1, 0)); // acknowledge the last batch
            } catch (IOException | RuntimeException e) {
                if (!inbox.complete()) { // closed at the end is no failure
                    errors.incrementAndGet();
                    firstError.compareAndSet(null, "poll: " + e);
                }
            }
            if (done != null) {
                done.countDown();
            }
        });
        return c;
    }

    static Figures relay(int port, int pairs, int messages, int window) throws Exception {
        Histogram h = histogram();
        CountDownLatch done = new CountDownLatch(pairs);
        AtomicLong delivered = new AtomicLong();
        List<Socket> open = new ArrayList<>();
        List<Runnable> senders = new ArrayList<>();
        long start;
        try {
            for (int p = 0; p < pairs; p++) {
                String a = "a" + p;
                String b = "b" + p;
                Semaphore inFlight = new Semaphore(window);
                Socket sa = relayConnect(port, a);
                Socket sb = relayConnect(port, b);
                open.add(sa);
                open.add(sb);
                OutputStream outA = sa.getOutputStream();
                OutputStream outB = sb.getOutputStream();
                relayReader(sb, line -> { // B: record, echo
                    String body = line.substring(line.indexOf(' ') + 1);
                    record(h, body);
                    delivered.incrementAndGet();
                    write(outB, a + " " + body(Integer.parseInt(body.substring(0, body.indexOf(':')))));
                }, messages, null);
                relayReader(sa, line -> { // A: record the echo, free a slot
                    record(h, line.substring(line.indexOf(' ') + 1));
                    delivered.incrementAndGet();
                    inFlight.release();
                }, messages, done);
                senders.add(() -> {
                    try {
                        for (int i = 0; i < messages; i++) {
                            inFlight.acquire();
                            write(outA, b + " " + body(i));
                        }
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                });
            }
            start = System.nanoTime();
            senders.forEach(s -> Thread.ofVirtual().start(s));
            if (!done.await(3, TimeUnit.MINUTES)) {
                throw new IllegalStateException("relay pairs did not finish in 3 minutes: " + done.getCount() + " still waiting");
            }
        } finally {
            for (Socket s : open) {
                s.close();
            }
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        return Figures.of("pairs", "relay", pairs + "x" + messages + " W=" + window, delivered.get() / seconds, "msg/s", h, "");
    }

    private static Socket relayConnect(int port, String name) throws IOException {
        Socket s = new Socket("127.0.0.1", port);
        s.setTcpNoDelay(true);
        write(s.getOutputStream(), name);
        byte[] ok = s.getInputStream().readNBytes(3); // "ok\n": the relay knows this name now
        if (ok.length != 3) {
            throw new IOException("the relay did not register " + name);
        }
        return s;
    }

    private static void write(OutputStream out, String line) {
        byte[] b = (line + "\n").getBytes(StandardCharsets.UTF_8);
        try {
            synchronized (out) {
                out.write(b);
                out.flush();
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static void relayReader(Socket s, Consumer<String> onLine, int expected, CountDownLatch done)
            throws IOException {
        BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
        Thread.ofVirtual().start(() -> {
            try {
                for (int i = 0; i < expected; i++) {
                    String line = in.readLine();
                    if (line == null) {
                        break;
                    }
                    onLine.accept(line);
                }
            } catch (IOException e) {
                // closed
            }
            if (done != null) {
                done.countDown();
            }
        });
    }
}
