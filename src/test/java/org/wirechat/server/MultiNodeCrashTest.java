package org.wirechat.server;

import static org.assertj.core.api.Assertions.assertThat;

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
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.wirechat.client.Connection;
import org.wirechat.protocol.Request;
import org.wirechat.protocol.Response;

/**
 * Three server processes on one PostgreSQL database. Every user sends through one node and polls
 * through another, so almost every message crosses nodes. Mid-traffic one node is SIGKILLed and
 * traffic carries on through the other two; then a second is SIGKILLed and the third stopped. A fresh
 * node then takes over: the tokens issued before still work there, the sends that were in flight are
 * repeated with their client ids (as the client library does), and every inbox is drained. Every
 * acknowledged message must arrive exactly once (re-deliveries dropped by id), in order, intact.
 */
class MultiNodeCrashTest {
    static final int USERS = CrashHarness.USERS;

    @TempDir
    Path dir;

    @Test
    void killingServersMidTrafficLosesNothingAcknowledged() throws Exception {
        PostgresCluster cluster = PostgresCluster.get();
        String url = cluster.url(cluster.newDatabase());
        Map<String, String> tokens = new HashMap<>();
        Map<Long, CrashHarness.Sent> acked = new ConcurrentHashMap<>();
        Map<String, CrashHarness.InFlight> inFlight = new ConcurrentHashMap<>();
        Map<String, List<Response.Message>> received = new ConcurrentHashMap<>();
        Map<String, Long> lastAck = new ConcurrentHashMap<>();
        int[] duplicates = {0};
        Random random = new Random();

        List<ServerProcess> nodes = new ArrayList<>();
        try {
            for (int i = 0; i < 3; i++) {
                nodes.add(new ServerProcess(dir.resolve("unused-" + i), dir.resolve("node-" + i + ".log"), "--store", url));
            }
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
                started.await();
                Await.until("300 sends acknowledged", () -> acked.size() >= 300);
                nodes.get(0).kill();
                int atFirstKill = acked.size();
                Await.until("traffic goes on through the other nodes", () -> acked.size() >= atFirstKill + 300);
                nodes.get(1).kill();
                nodes.get(2).terminate(); // gracefully, this one
                for (Future<?> f : work) {
                    f.get(60, TimeUnit.SECONDS); // every worker stops when its connection breaks
                }
            }

            List<String> problems = new ArrayList<>();
            try (ServerProcess fresh = new ServerProcess(dir.resolve("unused-3"), dir.resolve("node-3.log"), "--store", url);
                    Connection c = CrashHarness.connect(fresh.address)) {
                for (CrashHarness.InFlight f : inFlight.values()) { // repeated with the same client id
                    Response r = c.call(new Request.Send(tokens.get(f.sender()), f.recipient(), f.clientId(), f.body()));
                    assertThat(r).as("resending %s", f).isInstanceOf(Response.Sent.class);
                    Response.Sent s = (Response.Sent) r;
                    acked.put(s.messageId(), new CrashHarness.Sent(s.messageId(), f.sender(), f.recipient(), f.seq(), f.body()));
                }
                for (int u = 0; u < USERS; u++) {
                    String me = "user" + u;
                    CrashHarness.receive(fresh.address, me, tokens.get(me), received.get(me), lastAck, duplicates, 0, null);
                }
            }
            int delivered = CrashHarness.check(acked, received, problems);
            System.err.printf("multi-node crash: %d acknowledged, %d delivered, %d re-deliveries dropped by id, %d resent%n",
                    acked.size(), delivered, duplicates[0], inFlight.size());
            assertThat(problems).as("problems").isEmpty();
            assertThat(delivered).isEqualTo(acked.size());
            assertThat(acked.size()).isGreaterThanOrEqualTo(600);
        } finally {
            nodes.forEach(ServerProcess::close);
        }
    }
}
