package org.wirechat.server;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.wirechat.client.Connection;
import org.wirechat.protocol.PatternMode;
import org.wirechat.protocol.Request;
import org.wirechat.protocol.RequestCodec;
import org.wirechat.protocol.Response;

/**
 * Fuzzes a live server: for a bounded time, many connections send random and mutated frames (garbage,
 * valid headers with garbage fields, truncated frames, huge lengths, wrong versions, valid requests in
 * between, pipelines never read) while honest users keep chatting. Afterwards every honest message must
 * have been delivered, the server must still be up within its heap limit, and its log must hold no
 * ERROR (a client can only ever cause DEBUG or WARN). {@code scripts/fuzz-server} runs it for long;
 * {@code LiveFuzzTest} for a few seconds.
 */
public final class ServerFuzzer {
    public static final String HEAP = "256m";
    static final int HONEST = 4;

    public record Result(long seconds, long attackConnections, long attackBytes, int honestSent, int honestDelivered,
            long peakRssMib, boolean alive, List<String> problems) {
        @Override
        public String toString() {
            return String.format("fuzzed %d s: %d hostile connections sent %d KiB; honest messages sent %d, delivered %d; "
                    + "server alive %s, peak RSS %d MiB (heap limit %s) -> %s", seconds, attackConnections, attackBytes / 1024,
                    honestSent, honestDelivered, alive, peakRssMib, HEAP, problems.isEmpty() ? "OK" : "FAILED " + problems);
        }
    }

    private ServerFuzzer() {
    }

    public static Result run(Path dir, Duration duration, int attackers, long seed) throws Exception {
        List<String> problems = new ArrayList<>();
        Path log = dir.resolve("server.log");
        AtomicLong connections = new AtomicLong();
        AtomicLong bytes = new AtomicLong();
        int sent = 0;
        int delivered = 0;
        long rss;
        boolean alive;
        try (ServerProcess server = ServerProcess.withJvmOptions(List.of("-Xmx" + HEAP, "--enable-native-access=ALL-UNNAMED"),
                dir.resolve("data"), log, "--max-connections-per-address", "100000", "--accounts-per-address-per-hour",
                "100000000", "--login-failures-per-address", "100000000", "--frame-timeout", "2s",
                "--write-timeout", "2s", "--first-frame-timeout", "2s")) {
            List<String> tokens = new ArrayList<>();
            List<String> hostileTokens = new ArrayList<>(); // attackers hold accounts of their own, not the honest users'
            try (Connection c = connect(server.address)) {
                for (int u = 0; u < HONEST; u++) {
                    c.call(new Request.CreateAccount("honest" + u, "Honest " + u, "correct horse"));
                    tokens.add(((Response.LoggedIn) c.call(new Request.Login("honest" + u, "correct horse"))).token());
                    c.call(new Request.CreateAccount("hostile" + u, "Hostile " + u, "correct horse"));
                    hostileTokens.add(((Response.LoggedIn) c.call(new Request.Login("hostile" + u, "correct horse"))).token());
                }
            }
            long deadline = System.nanoTime() + duration.toNanos();
            try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
                List<Future<?>> attacks = new ArrayList<>();
                for (int a = 0; a < attackers; a++) {
                    Random random = new Random(seed + a);
                    attacks.add(threads.submit(() -> attack(server.address, random, deadline, connections, bytes, hostileTokens)));
                }
                List<Future<Integer>> honest = new ArrayList<>();
                List<Future<long[]>> reading = new ArrayList<>();
                for (int u = 0; u < HONEST; u++) {
                    int me = u;
                    honest.add(threads.submit(() -> chat(server.address, tokens.get(me), "honest" + ((me + 1) % HONEST), deadline)));
                    reading.add(threads.submit(() -> read(server.address, tokens.get(me), 0, deadline)));
                }
                for (Future<Integer> h : honest) {
                    sent += h.get();
                }
                for (Future<?> a : attacks) {
                    a.get(60, TimeUnit.SECONDS);
                }
                for (int u = 0; u < HONEST; u++) { // then whatever is still waiting
                    long[] during = reading.get(u).get();
                    long[] after = read(server.address, tokens.get(u), during[1], 0);
                    delivered += (int) (during[0] + after[0]);
                }
            }
            rss = server.peakRssKib() / 1024;
            alive = server.isAlive();
            if (!alive) {
                problems.add("the server died");
            } else {
                server.terminate();
            }
        }
        if (delivered != sent) {
            problems.add("honest messages sent " + sent + " but delivered " + delivered);
        }
        String text = Files.exists(log) ? Files.readString(log) : "";
        for (String line : text.lines().toList()) {
            if (line.contains(" ERROR ") || line.contains("OutOfMemoryError")) {
                problems.add("server log: " + line);
            }
        }
        return new Result(duration.toSeconds(), connections.get(), bytes.get(), sent, delivered, rss, alive, problems);
    }

    private static Connection connect(InetSocketAddress at) throws IOException {
        return Connection.open(at.getHostString(), at.getPort(), Duration.ofSeconds(5));
    }

    /** An honest user: sends to a friend until the deadline; returns how many were acknowledged. */
    private static int chat(InetSocketAddress at, String token, String friend, long deadline) throws IOException {
        int n = 0;
        try (Connection c = connect(at)) {
            while (System.nanoTime() < deadline) {
                Response r = c.call(new Request.Send(token, friend, UUID.randomUUID().toString(), "honest message " + n));
                if (!(r instanceof Response.Sent)) {
                    throw new IllegalStateException("an honest send failed: " + r);
                }
                n++;
            }
        }
        return n;
    }

    /**
     * An honest user's inbox: long-polls until the deadline (or, with deadline 0, until it is empty),
     * acknowledging as it goes. Returns {messages from honest senders, last id acknowledged} (hostile
     * users may write to honest ones too).
     */
    private static long[] read(InetSocketAddress at, String token, long ack, long deadline) throws IOException {
        long n = 0;
        try (Connection c = connect(at)) {
            while (true) {
                boolean draining = deadline == 0 || System.nanoTime() > deadline;
                Response r = c.call(new Request.Fetch(token, ack, 1000, draining ? 0 : 500));
                if (!(r instanceof Response.Messages m)) {
                    throw new IllegalStateException("an honest fetch failed: " + r);
                }
                if (m.messages().isEmpty()) {
                    if (draining) {
                        return new long[] {n, ack};
                    }
                    continue;
                }
                n += m.messages().stream().filter(x -> x.sender().startsWith("honest")).count();
                ack = m.messages().get(m.messages().size() - 1).id();
                if (deadline != 0 && System.nanoTime() > deadline) {
                    return new long[] {n, ack};
                }
            }
        }
    }

    private static void attack(InetSocketAddress at, Random random, long deadline, AtomicLong connections, AtomicLong bytes,
            List<String> honestTokens) {
        while (System.nanoTime() < deadline) {
            try (Socket s = new Socket()) {
                s.connect(at, 5_000);
                s.setSoTimeout(500);
                connections.incrementAndGet();
                OutputStream out = s.getOutputStream();
                int frames = 1 + random.nextInt(20);
                for (int i = 0; i < frames; i++) {
                    byte[] b = hostile(random, honestTokens);
                    out.write(b);
                    bytes.addAndGet(b.length);
                }
                out.flush();
                if (random.nextInt(4) > 0) { // mostly read what comes back; sometimes leave it unread
                    InputStream in = s.getInputStream();
                    byte[] sink = new byte[8192];
                    while (in.read(sink) >= 0) {
                        // drain until the server closes or goes quiet
                    }
                }
            } catch (IOException e) {
                // expected: the server closes hostile connections
            }
        }
    }

    private static byte[] hostile(Random r, List<String> tokens) {
        byte[] valid = RequestCodec.encode(r.nextInt(), validRequest(r, tokens)).toBytes();
        switch (r.nextInt(8)) {
            case 0 -> { // random bytes
                byte[] b = new byte[r.nextInt(300)];
                r.nextBytes(b);
                return b;
            }
            case 1 -> { // valid header, garbage payload, any opcode
                byte[] p = new byte[r.nextInt(400)];
                r.nextBytes(p);
                return new org.wirechat.protocol.Frame(1, r.nextInt(256), r.nextInt(), p).toBytes();
            }
            case 2 -> { // a valid frame with a few bytes flipped
                for (int i = 0, n = 1 + r.nextInt(4); i < n; i++) {
                    valid[r.nextInt(valid.length)] = (byte) r.nextInt(256);
                }
                return valid;
            }
            case 3 -> { // truncated
                return java.util.Arrays.copyOf(valid, r.nextInt(valid.length));
            }
            case 4 -> { // a huge or negative length
                valid[8] = (byte) (0x80 | r.nextInt(128));
                return java.util.Arrays.copyOf(valid, 12);
            }
            case 5 -> { // a wrong version
                valid[2] = (byte) (2 + r.nextInt(254));
                return valid;
            }
            default -> { // a valid request (wrong password, odd pattern, message to someone)
                return valid;
            }
        }
    }

    private static Request validRequest(Random r, List<String> tokens) {
        String token = r.nextBoolean() ? tokens.get(r.nextInt(tokens.size())) : "A".repeat(43);
        String anyone = (r.nextBoolean() ? "honest" : "hostile") + r.nextInt(HONEST);
        return switch (r.nextInt(7)) {
            case 0 -> new Request.Ping();
            case 1 -> new Request.Login("honest" + r.nextInt(HONEST), "wrong password " + r.nextInt());
            case 2 -> new Request.CreateAccount("fz" + Long.toHexString(r.nextLong()), "Fuzzer", "fuzzing password");
            case 3 -> new Request.ListAccounts(token, r.nextBoolean() ? PatternMode.REGEX : PatternMode.WILDCARD,
                    new String[] {"(a*)*b", "*", "[", "h?nest*", "(x+x+)+y", ""}[r.nextInt(6)], "", 1 + r.nextInt(100));
            case 4 -> new Request.History(token, anyone, 0, 1 + r.nextInt(100));
            case 5 -> new Request.Fetch(token, r.nextInt(1000), 1 + r.nextInt(1000), 0);
            default -> new Request.Send(token, r.nextBoolean() ? anyone : "nobody", "fz-" + r.nextInt(), "x".repeat(1 + r.nextInt(900)));
        };
    }

    /** {@code ServerFuzzer [SECONDS [ATTACKERS [SEED]]]}: prints the result; exits 1 if it failed. */
    public static void main(String[] args) throws Exception {
        long seconds = args.length > 0 ? Long.parseLong(args[0]) : 60;
        int attackers = args.length > 1 ? Integer.parseInt(args[1]) : 32;
        long seed = args.length > 2 ? Long.parseLong(args[2]) : System.nanoTime();
        Path dir = Files.createTempDirectory("wirechat-fuzz-server");
        System.out.println("fuzzing a live server for " + seconds + " s with " + attackers + " hostile connections at a time, seed "
                + seed + ", files in " + dir);
        Result r = run(dir, Duration.ofSeconds(seconds), attackers, seed);
        System.out.println(r);
        System.exit(r.problems().isEmpty() ? 0 : 1);
    }
}
