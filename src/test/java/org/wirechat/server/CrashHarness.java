package org.wirechat.server;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
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
 * Crash recovery, checked exactly. Each round: start the server as its own process; users send to
 * each other concurrently while every user long-polls its inbox; SIGKILL the server at a random
 * moment; restart it on the same data directory; resend whatever was in flight (same client message
 * id), drain every inbox, and check: every acknowledged message is delivered exactly once after
 * dropping re-deliveries by id, in id order per recipient and in send order per sender and recipient,
 * with the body and sender it was sent with; every account logs in and every token still works.
 * Half the receivers drain as a freshly started client would (acknowledging nothing yet), so messages
 * they had received but not acknowledged come again and must be dropped by id.
 * {@code scripts/crash-test} runs many rounds; {@code CrashRecoveryTest} runs one in the suite.
 */
public final class CrashHarness {
    static final String PASSWORD = "correct horse";
    static final int USERS = 6;

    /** What one round checked. {@code problems} is empty when the round passed. */
    /** What any crash round reports, for the totals. */
    interface Outcome {
        int acknowledged();

        int delivered();

        int duplicatesSuppressed();

        List<String> problems();
    }

    /** One round of a crash test, numbered from 1, with the run's shared random source. */
    @FunctionalInterface
    interface Round {
        Outcome run(int round, Path dir, Random random) throws Exception;
    }

    public record Result(int round, long killAfterAcks, int acknowledged, int delivered, int lost,
            int duplicatesSuppressed, int resentAfterRestart, List<String> problems) implements Outcome {
        @Override
        public String toString() {
            return String.format("round %2d: killed after %4d acks; acknowledged %5d, delivered %5d, lost %d, "
                    + "duplicates suppressed %3d, in flight and resent %d -> %s", round, killAfterAcks, acknowledged,
                    delivered, lost, duplicatesSuppressed, resentAfterRestart, problems.isEmpty() ? "OK" : "FAILED " + problems);
        }
    }

    record Sent(long id, String sender, String recipient, int seq, String body) {
    }

    record InFlight(String sender, String recipient, int seq, String clientId, String body) {
    }

    private CrashHarness() {
    }

    public static Result round(int round, Path dir, Random random) throws Exception {
        Path data = dir.resolve("data-" + round);
        Map<String, String> tokens = new HashMap<>();
        Map<Long, Sent> acked = new ConcurrentHashMap<>();
        Map<String, InFlight> inFlight = new ConcurrentHashMap<>();
        Map<String, List<Response.Message>> received = new ConcurrentHashMap<>();
        Map<String, Long> lastAck = new ConcurrentHashMap<>();
        int[] duplicates = {0};
        long killAfter = 20 + random.nextInt(1500); // acknowledged sends before the kill

        try (ServerProcess server = new ServerProcess(data, dir.resolve("server-" + round + "a.log"))) {
            try (Connection c = connect(server.address)) {
                for (int u = 0; u < USERS; u++) {
                    String name = "user" + u;
                    c.call(new Request.CreateAccount(name, "User " + u, PASSWORD));
                    tokens.put(name, ((Response.LoggedIn) c.call(new Request.Login(name, PASSWORD))).token());
                    received.put(name, new ArrayList<>());
                    lastAck.put(name, 0L);
                }
            }
            CountDownLatch started = new CountDownLatch(2 * USERS);
            try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
                List<Future<?>> work = new ArrayList<>();
                for (int u = 0; u < USERS; u++) {
                    String me = "user" + u;
                    long seed = random.nextLong();
                    work.add(threads.submit(() -> send(server.address, me, tokens.get(me), new Random(seed), acked, inFlight, started)));
                    work.add(threads.submit(() -> receive(server.address, me, tokens.get(me), received.get(me), lastAck, duplicates, 1000, started)));
                }
                try {
                    started.await();
                    Await.progressing("sends acknowledged", acked::size, killAfter);
                } finally {
                    server.kill(); // also when the wait fails: the workers end with the server, so closing them cannot hang
                }
                for (Future<?> f : work) {
                    f.get(60, TimeUnit.SECONDS); // every worker stops when its connection breaks
                }
            }
        }

        int resent = 0;
        List<String> problems = new ArrayList<>();
        try (ServerProcess again = new ServerProcess(data, dir.resolve("server-" + round + "b.log"));
                Connection c = connect(again.address)) {
            for (int u = 0; u < USERS; u++) {
                String name = "user" + u;
                if (!(c.call(new Request.Login(name, PASSWORD)) instanceof Response.LoggedIn)) {
                    problems.add(name + " cannot log in after the crash");
                }
            }
            for (InFlight f : inFlight.values()) { // the client retries with the same id, as the client library does
                Response r = c.call(new Request.Send(tokens.get(f.sender()), f.recipient(), f.clientId(), f.body()));
                if (r instanceof Response.Sent s) {
                    acked.put(s.messageId(), new Sent(s.messageId(), f.sender(), f.recipient(), f.seq(), f.body()));
                    resent++;
                } else {
                    problems.add("resending " + f + " failed: " + r);
                }
            }
            for (int u = 0; u < USERS; u++) { // tokens from before the crash still work: drain with them
                String me = "user" + u;
                if (u % 2 == 0) {
                    lastAck.put(me, 0L); // as a restarted client would: what was not acknowledged comes again
                }
                receive(again.address, me, tokens.get(me), received.get(me), lastAck, duplicates, 0, null);
            }
            again.terminate();
        }
        int delivered = check(acked, received, problems);
        return new Result(round, killAfter, acked.size(), delivered, acked.size() - Math.min(delivered, acked.size()),
                duplicates[0], resent, problems);
    }

    static Connection connect(InetSocketAddress at) throws IOException {
        return Connection.open(at.getHostString(), at.getPort(), Duration.ofSeconds(5));
    }

    static Void send(InetSocketAddress at, String me, String token, Random random, Map<Long, Sent> acked,
            Map<String, InFlight> inFlight, CountDownLatch started) {
        try (Connection c = connect(at)) {
            started.countDown();
            for (int seq = 0; ; seq++) {
                String to = "user" + random.nextInt(USERS);
                InFlight f = new InFlight(me, to, seq, UUID.randomUUID().toString(), me + "#" + seq + ":" + "x".repeat(random.nextInt(200)));
                inFlight.put(me, f);
                Response r = c.call(new Request.Send(token, to, f.clientId(), f.body()));
                if (!(r instanceof Response.Sent s)) {
                    throw new IllegalStateException(me + "'s send failed: " + r);
                }
                acked.put(s.messageId(), new Sent(s.messageId(), me, to, seq, f.body()));
                inFlight.remove(me);
            }
        } catch (IOException e) {
            return null; // the server died: whatever is in inFlight is resent after the restart
        }
    }

    /** Polls until the connection breaks (waitMillis &gt; 0), or drains until the inbox is empty (0). */
    static Void receive(InetSocketAddress at, String me, String token, List<Response.Message> got,
            Map<String, Long> lastAck, int[] duplicates, int waitMillis, CountDownLatch started) {
        Set<Long> seen = new HashSet<>();
        got.forEach(m -> seen.add(m.id()));
        try (Connection c = connect(at)) {
            if (started != null) {
                started.countDown();
            }
            while (true) {
                Response r = c.call(new Request.Fetch(token, lastAck.get(me), 100, waitMillis));
                if (!(r instanceof Response.Messages m)) {
                    throw new IllegalStateException(me + "'s fetch failed: " + r);
                }
                for (Response.Message msg : m.messages()) {
                    if (seen.add(msg.id())) {
                        got.add(msg);
                    } else {
                        synchronized (duplicates) {
                            duplicates[0]++;
                        }
                    }
                }
                if (!m.messages().isEmpty()) {
                    lastAck.put(me, m.messages().get(m.messages().size() - 1).id());
                } else if (waitMillis == 0) {
                    return null;
                }
            }
        } catch (IOException e) {
            if (waitMillis == 0) {
                throw new IllegalStateException("draining " + me + " failed", e);
            }
            return null;
        }
    }

    static int check(Map<Long, Sent> acked, Map<String, List<Response.Message>> received, List<String> problems) {
        int delivered = 0;
        Set<Long> deliveredIds = new HashSet<>();
        for (Map.Entry<String, List<Response.Message>> e : received.entrySet()) {
            String recipient = e.getKey();
            long previous = 0;
            Map<String, Integer> lastSeq = new HashMap<>();
            for (Response.Message m : e.getValue()) {
                delivered++;
                deliveredIds.add(m.id());
                if (m.id() <= previous) {
                    problems.add(recipient + " got " + m.id() + " after " + previous);
                }
                previous = m.id();
                Sent s = acked.get(m.id());
                if (s == null) {
                    problems.add(recipient + " got message " + m.id() + " that no send was told of");
                    continue;
                }
                if (!s.recipient().equals(recipient) || !s.sender().equals(m.sender()) || !s.body().equals(m.body())) {
                    problems.add("message " + m.id() + " differs from what was sent");
                }
                int last = lastSeq.getOrDefault(s.sender(), -1);
                if (s.seq() <= last) {
                    problems.add(recipient + " got " + s.sender() + "'s #" + s.seq() + " after #" + last);
                }
                lastSeq.put(s.sender(), s.seq());
            }
        }
        for (Sent s : acked.values()) {
            if (!deliveredIds.contains(s.id())) {
                problems.add("LOST: acknowledged message " + s.id() + " from " + s.sender() + " to " + s.recipient());
            }
        }
        return delivered;
    }

    /** {@code CrashHarness [ROUNDS [SEED]]}: prints one line a round and a total; exits 1 if any round failed. */
    public static void main(String[] args) throws Exception {
        runRounds("crash test", args, 20, CrashHarness::round);
    }

    /** Runs {@code [ROUNDS [SEED]]} rounds, printing one line a round and a total; exits 1 if any round failed. */
    static void runRounds(String name, String[] args, int defaultRounds, Round round) throws Exception {
        int rounds = args.length > 0 ? Integer.parseInt(args[0]) : defaultRounds;
        long seed = args.length > 1 ? Long.parseLong(args[1]) : System.nanoTime();
        Random random = new Random(seed);
        Path dir = Files.createTempDirectory("wirechat-crash");
        System.out.println(name + ": " + rounds + " rounds, seed " + seed + ", data and logs in " + dir);
        int failed = 0;
        long acknowledged = 0;
        long lost = 0;
        long duplicates = 0;
        for (int r = 1; r <= rounds; r++) {
            Outcome result = round.run(r, dir, random);
            System.out.println(result);
            failed += result.problems().isEmpty() ? 0 : 1;
            acknowledged += result.acknowledged();
            lost += Math.max(0, result.acknowledged() - result.delivered());
            duplicates += result.duplicatesSuppressed();
        }
        System.out.printf("total: %d rounds, %d failed; %d messages acknowledged, %d lost, %d duplicates suppressed%n",
                rounds, failed, acknowledged, lost, duplicates);
        System.exit(failed == 0 ? 0 : 1);
    }
}
