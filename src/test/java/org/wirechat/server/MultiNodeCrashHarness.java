package org.wirechat.server;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.wirechat.client.Connection;
import org.wirechat.protocol.Request;
import org.wirechat.protocol.Response;

/**
 * Crash recovery across servers, checked exactly. Each round: three server processes on one new
 * PostgreSQL database; every user sends through one and polls through another, so almost every message
 * crosses servers. At a random moment one server is SIGKILLed and traffic carries on through the other
 * two; then a second is SIGKILLed and the third stopped. A fresh server takes over: the tokens issued
 * before still work there, the sends that were in flight are repeated with their client ids (as the
 * client library does), and every inbox is drained (half of them as a freshly started client would,
 * acknowledging nothing yet, so what they had received but not acknowledged comes again). Every acknowledged message must arrive exactly once
 * (re-deliveries dropped by id), in order, intact ({@link CrashHarness#check}).
 * {@code scripts/crash-test --postgresql} runs many rounds; {@code MultiNodeCrashTest} runs one in the suite.
 */
public final class MultiNodeCrashHarness {
    static final int USERS = CrashHarness.USERS;

    /** What one round checked. {@code problems} is empty when the round passed. */
    public record Result(int round, int firstKillAfter, int secondKillAfter, int acknowledged, int delivered,
            int duplicatesSuppressed, int resent, List<String> problems) implements CrashHarness.Outcome {
        @Override
        public String toString() {
            return String.format("round %2d: servers killed after %4d and %4d acks; acknowledged %5d, delivered %5d, "
                    + "duplicates suppressed %3d, in flight and resent %d -> %s", round, firstKillAfter, secondKillAfter,
                    acknowledged, delivered, duplicatesSuppressed, resent, problems.isEmpty() ? "OK" : "FAILED " + problems);
        }
    }

    private MultiNodeCrashHarness() {
    }

    public static Result round(int round, Path dir, Random random) throws Exception {
        int firstKill = 100 + random.nextInt(700);
        int secondKill = firstKill + 100 + random.nextInt(400);
        PostgresCluster cluster = PostgresCluster.get();
        String url = cluster.url(cluster.newDatabase());
        Map<String, String> tokens = new HashMap<>();
        Map<Long, CrashHarness.Sent> acked = new ConcurrentHashMap<>();
        Map<String, CrashHarness.InFlight> inFlight = new ConcurrentHashMap<>();
        Map<String, List<Response.Message>> received = new ConcurrentHashMap<>();
        Map<String, Long> lastAck = new ConcurrentHashMap<>();
        int[] duplicates = {0};
        List<ServerProcess> nodes = new ArrayList<>();
        try {
            nodes.addAll(ServerProcess.startTogether(3,
                    i -> new ServerProcess(dir.resolve("unused-" + round + "-" + i), dir.resolve("node-" + round + "-" + i + ".log"), "--store", url)));
            try (Connection c = CrashHarness.connect(nodes.get(0).address)) {
                for (int u = 0; u < USERS; u++) {
                    String name = "user" + u;
                    c.call(new Request.CreateAccount(name, "User " + u, CrashHarness.PASSWORD));
                    received.put(name, new ArrayList<>());
                    lastAck.put(name, 0L);
                }
            }
            for (int u = 0; u < USERS; u++) { // each logs in on a node of its own: tokens work everywhere
                try (Connection c = CrashHarness.connect(nodes.get(u % 3).address)) {
                    tokens.put("user" + u, ((Response.LoggedIn) c.call(new Request.Login("user" + u, CrashHarness.PASSWORD))).token());
                }
            }
            CountDownLatch started = new CountDownLatch(2 * USERS);
            try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
                List<Future<?>> work = new ArrayList<>();
                for (int u = 0; u < USERS; u++) {
                    String me = "user" + u;
                    long seed = random.nextLong();
                    ServerProcess sendVia = nodes.get(u % 3);
                    ServerProcess pollVia = nodes.get((u + 1) % 3);
                    work.add(threads.submit(() -> CrashHarness.send(sendVia.address, me, tokens.get(me), new Random(seed),
                            acked, inFlight, started)));
                    work.add(threads.submit(() -> CrashHarness.receive(pollVia.address, me, tokens.get(me), received.get(me),
                            lastAck, duplicates, 1000, started)));
                }
                try {
                    started.await();
                    Await.progressing("sends acknowledged", acked::size, firstKill);
                    nodes.get(0).kill();
                    Await.progressing("traffic goes on through the other servers", acked::size, secondKill);
                    nodes.get(1).kill();
                    nodes.get(2).terminate(); // gracefully, this one
                } catch (Throwable t) { // the workers end with the servers, so closing them cannot hang
                    nodes.forEach(ServerProcess::close);
                    throw t;
                }
                for (Future<?> f : work) {
                    f.get(60, TimeUnit.SECONDS); // every worker stops when its connection breaks
                }
            }

            List<String> problems = new ArrayList<>();
            int resent = inFlight.size();
            try (ServerProcess fresh = new ServerProcess(dir.resolve("unused-" + round + "-3"), dir.resolve("node-" + round + "-3.log"), "--store", url);
                    Connection c = CrashHarness.connect(fresh.address)) {
                for (CrashHarness.InFlight f : inFlight.values()) { // repeated with the same client id
                    Response r = c.call(new Request.Send(tokens.get(f.sender()), f.recipient(), f.clientId(), f.body()));
                    if (r instanceof Response.Sent s) {
                        acked.put(s.messageId(), new CrashHarness.Sent(s.messageId(), f.sender(), f.recipient(), f.seq(), f.body()));
                    } else {
                        problems.add("resending " + f + " failed: " + r);
                    }
                }
                for (int u = 0; u < USERS; u++) {
                    String me = "user" + u;
                    if (u % 2 == 0) {
                        lastAck.put(me, 0L); // as a restarted client would: what was not acknowledged comes again
                    }
                    CrashHarness.receive(fresh.address, me, tokens.get(me), received.get(me), lastAck, duplicates, 0, null);
                }
            }
            int delivered = CrashHarness.check(acked, received, problems);
            if (acked.size() < secondKill) {
                problems.add("only " + acked.size() + " sends were acknowledged");
            }
            return new Result(round, firstKill, secondKill, acked.size(), delivered, duplicates[0], resent, problems);
        } finally {
            nodes.forEach(ServerProcess::close);
        }
    }

    /** {@code MultiNodeCrashHarness [ROUNDS [SEED]]}: prints one line a round and a total; exits 1 if any round failed. */
    public static void main(String[] args) throws Exception {
        CrashHarness.runRounds("multi-server crash test", args, 10, MultiNodeCrashHarness::round);
    }
}
