package org.wirechat.server;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
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
 * A group across crashes, checked exactly (issue 17): a group of 50 members, each with two devices (a phone
 * and a laptop, LOGIN_DEVICE) long-polling; three members send to the group concurrently; the server is
 * SIGKILLed at a random moment. On SQLite it is restarted on the same data; on PostgreSQL two servers share
 * the database, every other device polls through the second, the first is killed, the senders carry on
 * through the second, which is then stopped and a fresh server drains. In-flight sends are repeated with
 * their client ids. The senders send from their phones. Every device must receive every acknowledged group
 * message but those its own device sent — the others' and, on a sender's laptop, its phone's — exactly once
 * (re-deliveries dropped by id), in id order — so in the same order on every device — intact.
 * {@code scripts/crash-test --groups [--postgresql]} runs many rounds; {@code GroupCrashTest} one of each.
 */
public final class GroupCrashHarness {
    static final int MEMBERS = 50;
    static final int SENDERS = 3;
    static final String GROUP = "#crew";
    static final List<String> DEVICES = List.of("phone", "laptop");
    /** The device the senders send from. */
    static final String SENDING_DEVICE = "phone";
    /** The devices each message must reach: every device but the one that sent it. */
    static final int EVERYWHERE = MEMBERS * DEVICES.size() - 1;
    /** The limits that are not under test here, out of the way. */
    private static final String[] UNLIMITED = {"--accounts-per-address-per-hour", "100000", "--group-message-rate", "100000",
            "--group-message-burst", "100000", "--logins-per-account-per-minute", "100000"};

    public record Result(int round, boolean postgres, int killAfter, int acknowledged, int delivered, int duplicatesSuppressed,
            int resent, List<String> problems) implements CrashHarness.Outcome {
        @Override
        public String toString() {
            return String.format("round %2d (%s): killed after %4d acks; acknowledged %5d, each on %d devices: delivered to all %5d,"
                    + " duplicates suppressed %5d, in flight and resent %d -> %s", round, postgres ? "PostgreSQL, one of two servers" : "SQLite",
                    killAfter, acknowledged, EVERYWHERE, delivered, duplicatesSuppressed, resent,
                    problems.isEmpty() ? "OK" : "FAILED " + problems.subList(0, Math.min(10, problems.size())));
        }
    }

    private GroupCrashHarness() {
    }

    static String member(int i) {
        return String.format("member%02d", i);
    }

    public static Result round(int round, Path dir, Random random, boolean postgres) throws Exception {
        int killAfter = 50 + random.nextInt(400);
        String[] store = postgres ? new String[] {"--store", PostgresCluster.get().url(PostgresCluster.get().newDatabase())} : new String[0];
        Map<Long, CrashHarness.Sent> acked = new ConcurrentHashMap<>();
        Map<String, CrashHarness.InFlight> inFlight = new ConcurrentHashMap<>();
        Map<String, String> senderTokens = new HashMap<>();
        Map<String, String> deviceTokens = new HashMap<>(); // "member/device" -> token
        Map<String, List<Response.Message>> received = new ConcurrentHashMap<>();
        Map<String, Long> lastAck = new ConcurrentHashMap<>();
        int[] duplicates = {0};
        int resent = 0;
        List<String> problems = new ArrayList<>();
        List<ServerProcess> nodes = new ArrayList<>();
        try {
            nodes.addAll(ServerProcess.startTogether(postgres ? 2 : 1, i -> node(dir, round, i == 0 ? "a" : "b", postgres, store)));
            InetSocketAddress first = nodes.get(0).address;
            setUp(first, senderTokens, deviceTokens, received, lastAck);
            CountDownLatch started = new CountDownLatch(SENDERS + deviceTokens.size());
            try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
                List<Future<?>> senders = new ArrayList<>();
                List<Future<?>> receivers = new ArrayList<>();
                for (int s = 0; s < SENDERS; s++) {
                    String me = member(s);
                    senders.add(threads.submit(() -> send(first, me, senderTokens.get(me), 0, Integer.MAX_VALUE, acked, inFlight, started)));
                }
                int i = 0;
                for (String device : deviceTokens.keySet()) {
                    InetSocketAddress via = nodes.get(i++ % nodes.size()).address;
                    receivers.add(threads.submit(() -> CrashHarness.receive(via, device, deviceTokens.get(device), received.get(device),
                            lastAck, duplicates, 1000, started)));
                }
                try {
                    started.await();
                    Await.progressing("group messages acknowledged", acked::size, killAfter);
                } catch (Throwable t) { // the workers end with the servers, so closing them cannot hang
                    nodes.forEach(ServerProcess::close);
                    throw t;
                }
                nodes.get(0).kill();
                for (Future<?> f : senders) {
                    f.get(60, TimeUnit.SECONDS);
                }
                if (postgres) { // the senders carry on through the other server, first repeating what was in flight
                    InetSocketAddress second = nodes.get(1).address;
                    resent += resend(second, inFlight, senderTokens, acked, problems);
                    int more = acked.size() + 100;
                    List<Future<?>> again = new ArrayList<>();
                    for (int s = 0; s < SENDERS; s++) {
                        String me = member(s);
                        int from = nextSeq(acked, me);
                        again.add(threads.submit(() -> send(second, me, senderTokens.get(me), from, 40, acked, inFlight, null)));
                    }
                    for (Future<?> f : again) {
                        f.get(60, TimeUnit.SECONDS);
                    }
                    if (acked.size() < more - 100 + SENDERS * 40) {
                        problems.add("the second server took only " + (acked.size() - more + 100) + " sends");
                    }
                    nodes.get(1).terminate();
                }
                for (Future<?> f : receivers) {
                    f.get(60, TimeUnit.SECONDS); // every poll ends when its server goes
                }
            }
            try (ServerProcess after = node(dir, round, "after", postgres, store)) {
                nodes.add(after);
                resent += resend(after.address, inFlight, senderTokens, acked, problems);
                int d = 0;
                for (String device : deviceTokens.keySet()) {
                    if (d++ % 2 == 0) {
                        lastAck.put(device, 0L); // as a restarted client would: what was not acknowledged comes again
                    }
                    CrashHarness.receive(after.address, device, deviceTokens.get(device), received.get(device), lastAck, duplicates, 0, null);
                }
                after.terminate();
            }
            int delivered = check(acked, received, problems);
            return new Result(round, postgres, killAfter, acked.size(), delivered, duplicates[0], resent, problems);
        } finally {
            nodes.forEach(ServerProcess::close);
        }
    }

    private static ServerProcess node(Path dir, int round, String name, boolean postgres, String[] store) throws IOException {
        List<String> args = new ArrayList<>(List.of(UNLIMITED));
        args.addAll(List.of(store));
        return new ServerProcess(dir.resolve(postgres ? "unused-" + round + name : "data-" + round), dir.resolve("group-" + round + name + ".log"),
                args.toArray(String[]::new));
    }

    /** The members, the group (member00 creates it and adds everyone), the senders' logins and each device's. */
    private static void setUp(InetSocketAddress at, Map<String, String> senderTokens, Map<String, String> deviceTokens,
            Map<String, List<Response.Message>> received, Map<String, Long> lastAck) throws IOException {
        try (Connection c = CrashHarness.connect(at)) {
            for (int i = 0; i < MEMBERS; i++) {
                expect(c.call(new Request.CreateAccount(member(i), "Member " + i, CrashHarness.PASSWORD)), Response.AccountCreated.class);
            }
            for (int s = 0; s < SENDERS; s++) {
                senderTokens.put(member(s), expect(c.call(new Request.LoginDevice(member(s), CrashHarness.PASSWORD, SENDING_DEVICE)),
                        Response.DeviceLoggedIn.class).token());
            }
            String owner = senderTokens.get(member(0));
            expect(c.call(new Request.GroupCreate(owner, GROUP)), Response.GroupCreated.class);
            for (int i = 1; i < MEMBERS; i++) {
                expect(c.call(new Request.GroupAdd(owner, GROUP, member(i))), Response.MemberAdded.class);
            }
            for (int i = 0; i < MEMBERS; i++) {
                for (String device : DEVICES) {
                    String key = member(i) + "/" + device;
                    deviceTokens.put(key, expect(c.call(new Request.LoginDevice(member(i), CrashHarness.PASSWORD, device)),
                            Response.DeviceLoggedIn.class).token());
                    received.put(key, new ArrayList<>());
                    lastAck.put(key, 0L);
                }
            }
        }
    }

    private static <T extends Response> T expect(Response r, Class<T> type) {
        if (!type.isInstance(r)) {
            throw new IllegalStateException("setting up the group failed: " + r);
        }
        return type.cast(r);
    }

    /** Sends to the group until the connection breaks or {@code count} are acknowledged. */
    private static Void send(InetSocketAddress at, String me, String token, int fromSeq, int count, Map<Long, CrashHarness.Sent> acked,
            Map<String, CrashHarness.InFlight> inFlight, CountDownLatch started) {
        try (Connection c = CrashHarness.connect(at)) {
            if (started != null) {
                started.countDown();
            }
            for (int seq = fromSeq; seq < fromSeq + count; seq++) {
                CrashHarness.InFlight f = new CrashHarness.InFlight(me, GROUP, seq, UUID.randomUUID().toString(), me + "#" + seq);
                inFlight.put(me, f);
                Response r = c.call(new Request.Send(token, GROUP, f.clientId(), f.body()));
                if (!(r instanceof Response.Sent s)) {
                    throw new IllegalStateException(me + "'s send failed: " + r);
                }
                acked.put(s.messageId(), new CrashHarness.Sent(s.messageId(), me, GROUP, seq, f.body()));
                inFlight.remove(me);
            }
            return null;
        } catch (IOException e) {
            return null; // the server died: what is in flight is repeated afterwards
        }
    }

    private static int nextSeq(Map<Long, CrashHarness.Sent> acked, String me) {
        return acked.values().stream().filter(s -> s.sender().equals(me)).mapToInt(CrashHarness.Sent::seq).max().orElse(-1) + 1;
    }

    /** Repeats each send in flight with its client id, as the client library does. */
    private static int resend(InetSocketAddress at, Map<String, CrashHarness.InFlight> inFlight, Map<String, String> tokens,
            Map<Long, CrashHarness.Sent> acked, List<String> problems) throws IOException {
        int n = 0;
        try (Connection c = CrashHarness.connect(at)) {
            for (CrashHarness.InFlight f : List.copyOf(inFlight.values())) {
                Response r = c.call(new Request.Send(tokens.get(f.sender()), GROUP, f.clientId(), f.body()));
                if (r instanceof Response.Sent s) {
                    acked.put(s.messageId(), new CrashHarness.Sent(s.messageId(), f.sender(), GROUP, f.seq(), f.body()));
                    inFlight.remove(f.sender());
                    n++;
                } else {
                    problems.add("resending " + f + " failed: " + r);
                }
            }
        }
        return n;
    }

    /**
     * Every device got every acknowledged message but its own device's once (a sender's laptop its phone's
     * too), in id order, intact, and nothing else; returns how many acknowledged messages reached every
     * device that should have them.
     */
    static int check(Map<Long, CrashHarness.Sent> acked, Map<String, List<Response.Message>> received, List<String> problems) {
        Map<Long, Integer> reached = new HashMap<>();
        for (Map.Entry<String, List<Response.Message>> e : received.entrySet()) {
            String device = e.getKey();
            String member = device.substring(0, device.indexOf('/'));
            boolean sending = device.endsWith("/" + SENDING_DEVICE); // a sender's own messages were sent from it
            long previous = 0;
            Set<Long> got = new HashSet<>();
            for (Response.Message m : e.getValue()) {
                if (m.id() <= previous) {
                    problems.add(device + " got " + m.id() + " after " + previous);
                }
                previous = m.id();
                got.add(m.id());
                CrashHarness.Sent s = acked.get(m.id());
                if (s == null) {
                    problems.add(device + " got message " + m.id() + " that no send was told of");
                } else if (!s.sender().equals(m.sender()) || !s.body().equals(m.body()) || !GROUP.equals(m.recipient())) {
                    problems.add("message " + m.id() + " differs from what was sent, on " + device);
                } else if (s.sender().equals(member) && sending) {
                    problems.add(device + " got back its own message " + m.id());
                }
            }
            for (CrashHarness.Sent s : acked.values()) {
                if (s.sender().equals(member) && sending) {
                    continue;
                }
                if (got.contains(s.id())) {
                    reached.merge(s.id(), 1, Integer::sum);
                } else {
                    problems.add("LOST: acknowledged message " + s.id() + " from " + s.sender() + " never reached " + device);
                }
            }
        }
        return (int) reached.values().stream().filter(n -> n == EVERYWHERE).count();
    }

    /** {@code GroupCrashHarness [--postgresql] [ROUNDS [SEED]]}: one line a round and a total; exits 1 if any round failed. */
    public static void main(String[] args) throws Exception {
        boolean postgres = args.length > 0 && args[0].equals("--postgresql");
        String[] rest = postgres ? java.util.Arrays.copyOfRange(args, 1, args.length) : args;
        CrashHarness.runRounds("group crash test" + (postgres ? " (PostgreSQL, one of two servers killed)" : ""), rest, 5,
                (round, dir, random) -> round(round, dir, random, postgres));
    }
}
