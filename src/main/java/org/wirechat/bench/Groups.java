package org.wirechat.bench;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;
import org.wirechat.client.Connection;
import org.wirechat.protocol.Request;
import org.wirechat.protocol.Response;

/**
 * The group fan-out workload (issue 17): G groups of M members; in each, the first member sends K messages
 * to the group keeping at most W unanswered, and every other member (one device each) long-polls and
 * acknowledges. A message carries its send time, so each delivery's latency (send to receipt) goes into one
 * histogram. The same users then do the same by direct messages — the sender SENDs each message to every
 * other member one by one — as the baseline a group is measured against: what one group message costs in
 * CPU and bytes written against the M−1 direct messages it replaces.
 */
final class Groups {
    /** Who is in each group: its members' tokens and names, the sender first. */
    record Setup(List<String> groups, List<List<String>> tokens, List<List<String>> names) {
    }

    private Groups() {
    }

    /** Creates the members (logged in) and the groups, each made by its first member, who adds the others. */
    static Setup create(InetSocketAddress at, String prefix, int groups, int members) throws Exception {
        List<String> names = new ArrayList<>();
        List<List<String>> tokens = new ArrayList<>();
        List<List<String>> memberNames = new ArrayList<>();
        for (int g = 0; g < groups; g++) {
            String userPrefix = prefix + "g" + g + "m";
            List<String> t = Users.create(at, userPrefix, members);
            List<String> n = new ArrayList<>();
            for (int m = 0; m < members; m++) {
                n.add(userPrefix + m);
            }
            String group = "#" + prefix + "g" + g;
            try (Connection c = Users.connect(at)) {
                expect(c.call(new Request.GroupCreate(t.get(0), group)), Response.GroupCreated.class);
                for (int m = 1; m < members; m++) {
                    expect(c.call(new Request.GroupAdd(t.get(0), group, n.get(m))), Response.MemberAdded.class);
                }
            }
            names.add(group);
            tokens.add(t);
            memberNames.add(n);
        }
        return new Setup(names, tokens, memberNames);
    }

    private static void expect(Response r, Class<? extends Response> type) {
        if (!type.isInstance(r)) {
            throw new IllegalStateException("setting up the groups: " + r);
        }
    }

    /**
     * Each group's first member sends {@code messages} to the group ({@code direct}: to each other member
     * one by one, the same content), at most {@code window} unanswered; returns deliveries a second.
     */
    static Figures run(InetSocketAddress at, Setup s, String system, int messages, int window, boolean direct) throws Exception {
        int groups = s.groups().size();
        int members = s.tokens().get(0).size();
        Histogram h = new ConcurrentHistogram(1, 600_000_000L, 3);
        CountDownLatch done = new CountDownLatch(groups * (members - 1));
        AtomicLong delivered = new AtomicLong();
        AtomicLong errors = new AtomicLong();
        AtomicReference<String> firstError = new AtomicReference<>();
        List<AutoCloseable> open = new ArrayList<>();
        List<Runnable> senders = new ArrayList<>();
        long start;
        try {
            for (int g = 0; g < groups; g++) {
                List<String> tokens = s.tokens().get(g);
                List<String> names = s.names().get(g);
                String group = s.groups().get(g);
                for (int m = 1; m < members; m++) {
                    open.add(Pairs.poll(at, tokens.get(m), messages, msg -> {
                        String body = msg.body();
                        long sent = Long.parseLong(body.substring(body.indexOf(':') + 1));
                        h.recordValue(Math.max(1, (System.nanoTime() - sent) / 1000));
                        delivered.incrementAndGet();
                    }, done, errors, firstError));
                }
                Semaphore inFlight = new Semaphore(window);
                Pipe send = new Pipe(at, r -> {
                    if (r instanceof Response.Error e) {
                        errors.incrementAndGet();
                        firstError.compareAndSet(null, "send: " + e.code() + " " + e.reason());
                    }
                    inFlight.release();
                });
                open.add(send);
                senders.add(() -> {
                    try {
                        for (int i = 0; i < messages; i++) {
                            String body = i + ":" + System.nanoTime();
                            if (direct) {
                                for (int m = 1; m < members; m++) {
                                    inFlight.acquire();
                                    send.send(new Request.Send(tokens.get(0), names.get(m), UUID.randomUUID().toString(), body));
                                }
                            } else {
                                inFlight.acquire();
                                send.send(new Request.Send(tokens.get(0), group, UUID.randomUUID().toString(), body));
                            }
                        }
                    } catch (IOException | InterruptedException e) {
                        errors.incrementAndGet();
                        firstError.compareAndSet(null, "send: " + e);
                    }
                });
            }
            start = System.nanoTime();
            senders.forEach(r -> Thread.ofVirtual().start(r));
            if (!done.await(5, TimeUnit.MINUTES)) {
                throw new IllegalStateException("the group workload did not finish in 5 minutes: " + done.getCount()
                        + " members still waiting, " + errors.get() + " errors, the first: " + firstError.get());
            }
        } finally {
            for (AutoCloseable c : open) {
                c.close();
            }
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        return Figures.of(direct ? "group-direct" : "groups", system, groups + "x" + members + " K=" + messages + " W=" + window,
                delivered.get() / seconds, "deliveries/s", h, errors.get() == 0 ? "" : errors.get() + " errors, the first: " + firstError.get());
    }
}
