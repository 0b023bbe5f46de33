package org.wirechat.bench;

import com.sun.management.OperatingSystemMXBean;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * The load generator: {@code java -cp wirechat-client.jar LoadGenerator [OPTIONS]
 * [WORKLOAD...]} against a running server (scripts/bench starts one). Prints one line of figures per
 * workload, wirechat's pairs figures also as ratios to a bare relay measured in the same run, and can
 * append them to a file.
 */
@Command(name = "wirechat-bench", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Load-tests a running wirechat server. Workloads: pairs, drain, idle, login, grpc-pairs (the pairs over"
                + " gRPC; needs --grpc-port), ws-pairs (over WebSocket; needs --web-port), groups (group fan-out, and the same by direct messages), devices (the pairs with"
                + " a second device of every user polling) (default: pairs, drain, idle).")
public final class LoadGenerator implements Callable<Integer> {
    @Parameters(paramLabel = "WORKLOAD", description = "pairs, drain, idle, login, grpc-pairs, ws-pairs, groups, devices")
    List<String> workloads = new ArrayList<>(List.of("pairs", "drain", "idle"));

    @Option(names = "--host", description = "Server host (default: ${DEFAULT-VALUE}).")
    String host = "127.0.0.1";

    @Option(names = "--port", required = true, description = "Server port.")
    int port;

    @Option(names = "--port-b", description = "A second server on the same database: the B side of every pair uses it, "
            + "so each message crosses between the two (pairs workload).")
    int portB;

    @Option(names = "--grpc-port", description = "The server's gRPC port, for the grpc-pairs workload.")
    int grpcPort;

    @Option(names = "--grpc-system", description = "The name the grpc-pairs figures carry (default: ${DEFAULT-VALUE}).")
    String grpcSystem = "wirechat-grpc";

    @Option(names = "--web-port", description = "The server's web port, for the ws-pairs workload (the wire protocol over WebSocket).")
    int webPort;

    @Option(names = "--web-system", description = "The name the ws-pairs figures carry (default: ${DEFAULT-VALUE}).")
    String webSystem = "wirechat-websocket";

    /** The last pairs over the wire protocol measured in this run, for ws-pairs' ratio. */
    private Figures lastWirePairs;

    @Option(names = "--system", description = "The name the figures carry (default: ${DEFAULT-VALUE}).")
    String system = "wirechat";

    @Option(names = "--no-relay", description = "Skip the bare relay baseline (pairs workload), e.g. when an earlier run measured it.")
    boolean noRelay;

    @Option(names = "--relay-port", description = "A relay already running as its own process (org.wirechat.bench.Relay) to "
            + "measure instead of one in this JVM.")
    int relayPort;

    @Option(names = "--relay-pid", description = "That relay's process id, to read its CPU time.")
    long relayPid;

    @Option(names = "--server-pid", description = "The server's process id, to read its memory (idle workload).")
    long serverPid = -1;

    @Option(names = "--pairs", description = "Pairs (default: ${DEFAULT-VALUE}).")
    int pairs = 50;

    @Option(names = "--messages", description = "Messages each A sends (default: ${DEFAULT-VALUE}).")
    int messages = 2000;

    @Option(names = "--window", description = "Messages a pair keeps in flight (default: ${DEFAULT-VALUE}).")
    int window = 4;

    @Option(names = "--drain-users", description = "Offline users (default: ${DEFAULT-VALUE}).")
    int drainUsers = 20;

    @Option(names = "--drain-each", description = "Messages each offline user receives (default: ${DEFAULT-VALUE}).")
    int drainEach = 5000;

    @Option(names = "--idle", description = "Idle logged-in clients with a poll pending (default: ${DEFAULT-VALUE}).")
    int idle = 10_000;

    @Option(names = "--groups", description = "Groups (groups workload; default: ${DEFAULT-VALUE}).")
    int groups = 20;

    @Option(names = "--members", description = "Members of each group, the sender included (default: ${DEFAULT-VALUE}).")
    int members = 50;

    @Option(names = "--group-messages", description = "Messages each group's sender sends (default: ${DEFAULT-VALUE}).")
    int groupMessages = 200;

    @Option(names = "--logins", description = "Logins in the burst (default: ${DEFAULT-VALUE}).")
    int logins = 40;

    @Option(names = "--hash", description = "The server's password-hash parameters, printed with the login figures.")
    String hash = "unknown";

    @Option(names = "--label", description = "A prefix for user names, so runs on one server do not collide (default: ${DEFAULT-VALUE}).")
    String label = "r" + (System.currentTimeMillis() % 100_000);

    @Option(names = "--out", description = "Append the figures, tab-separated, to this file.")
    Path out;

    private final PrintStream console = System.out;

    public static void main(String[] args) {
        System.exit(new CommandLine(new LoadGenerator()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        InetSocketAddress at = new InetSocketAddress(host, port);
        for (String w : workloads) {
            switch (w) {
                case "pairs" -> pairs(at);
                case "grpc-pairs" -> grpcPairs(at);
                case "ws-pairs" -> wsPairs(at);
                case "drain" -> Drain.run(at, drainUsers, drainEach, 8, 64, () -> {
                    try {
                        return cpuSeconds();
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                }).forEach(this::report);
                case "idle" -> Idle.run(at, idle, serverPid).forEach(this::report);
                case "login" -> report(Logins.run(at, logins, 4, hash));
                case "groups" -> groups(at);
                case "devices" -> devices(at);
                default -> throw new CommandLine.ParameterException(new CommandLine(this), "unknown workload " + w);
            }
        }
        return 0;
    }

    /** CPU seconds used so far by this process and by the server (from /proc), for cost per message. */
    private double[] cpuSeconds() throws IOException {
        double own = ((OperatingSystemMXBean) ManagementFactory
                .getOperatingSystemMXBean()).getProcessCpuTime() / 1e9;
        return new double[] {own, processCpuSeconds(serverPid)};
    }

    /** CPU seconds used so far by another process (from /proc), or 0 without one. */
    private static double processCpuSeconds(long pid) throws IOException {
        if (pid <= 0) {
            return 0;
        }
        String[] f = Files.readString(Path.of("/proc", String.valueOf(pid), "stat")).replaceAll(".*\\) ", "").split(" ");
        return (Long.parseLong(f[11]) + Long.parseLong(f[12])) / 100.0; // utime + stime, in clock ticks
    }

    private static String cpuPerMessage(double[] before, double[] after, double messages, boolean withServer) {
        return String.format("CPU %.0f µs a delivered message in the load generator%s", 1e6 * (after[0] - before[0]) / messages,
                withServer ? String.format(", %.0f µs in the server", 1e6 * (after[1] - before[1]) / messages) : "");
    }

    private void pairs(InetSocketAddress at) throws Exception {
        Figures relay = null;
        double delivered = 2.0 * pairs * messages;
        if (!noRelay) {
            Relay inProcess = relayPort > 0 ? null : new Relay();
            try {
                int port = relayPort > 0 ? relayPort : inProcess.port();
                int rounds = warmUp(() -> Pairs.relay(port, pairs, Math.min(messages, 1000), window));
                double[] before = cpuSeconds();
                double relayBefore = processCpuSeconds(relayPid);
                relay = Pairs.relay(port, pairs, messages, window);
                double[] after = cpuSeconds();
                String cpu = relayPid > 0
                        ? String.format("CPU %.0f µs a delivered message in the relay's clients, %.0f µs in the relay process",
                                1e6 * (after[0] - before[0]) / delivered, 1e6 * (processCpuSeconds(relayPid) - relayBefore) / delivered)
                        : cpuPerMessage(before, after, delivered, false) + " (relay included)";
                relay = withExtra(relay, cpu + "; warmed by " + rounds + " rounds");
            } finally {
                if (inProcess != null) {
                    inProcess.close();
                }
            }
            report(relay);
        }
        InetSocketAddress atB = portB > 0 ? new InetSocketAddress(host, portB) : at;
        // both sides warmed alike: the server (and this JVM's client code) runs pairs rounds first, on users
        // of their own, as the relay does above, until they agree, so the measured window holds no JIT warm-up
        int[] round = {0};
        int rounds = warmUp(() -> {
            String prefix = label + "w" + round[0]++;
            return Pairs.wirechat(at, atB, system, prefix, pairs, Math.min(messages, 1000), window,
                    pairTokens(at, atB, prefix, pairs));
        });
        List<String> tokens = pairTokens(at, atB, label, pairs);
        double[] before = cpuSeconds();
        Figures wirechat = Pairs.wirechat(at, atB, system, label, pairs, messages, window, tokens);
        wirechat = withExtra(wirechat, cpuPerMessage(before, cpuSeconds(), delivered, serverPid > 0)
                + "; warmed by " + rounds + " rounds");
        report(wirechat);
        lastWirePairs = wirechat;
        if (relay == null) {
            return;
        }
        report(new Figures("pairs-ratio", "wire/relay", pairs + "x" + messages + " W=" + window,
                wirechat.perSecond() / relay.perSecond(), "x throughput", Double.NaN, Double.NaN, Double.NaN,
                String.format("p99 latency %.2fx the relay's (target: throughput >= 0.75x, p99 <= 2x)",
                        wirechat.p99Micros() / relay.p99Micros())));
    }

    /**
     * The pairs over gRPC (users made over the wire protocol, on the same server), warmed the same way; the
     * CPU per message of both sides, as for the wire protocol's pairs.
     */
    private void grpcPairs(InetSocketAddress at) throws Exception {
        if (grpcPort <= 0) {
            throw new CommandLine.ParameterException(new CommandLine(this), "grpc-pairs needs --grpc-port");
        }
        InetSocketAddress grpc = new InetSocketAddress(host, grpcPort);
        double delivered = 2.0 * pairs * messages;
        int[] round = {0};
        int rounds = warmUp(() -> {
            String prefix = label + "gw" + round[0]++;
            return GrpcPairs.run(grpc, grpcSystem, pairs, Math.min(messages, 1000), window, pairTokens(at, at, prefix, pairs),
                    prefix);
        });
        String prefix = label + "g";
        List<String> tokens = pairTokens(at, at, prefix, pairs);
        double[] before = cpuSeconds();
        Figures f = GrpcPairs.run(grpc, grpcSystem, pairs, messages, window, tokens, prefix);
        report(withExtra(f, cpuPerMessage(before, cpuSeconds(), delivered, serverPid > 0) + "; warmed by " + rounds + " rounds"));
    }

    /**
     * The pairs over WebSocket (the web port, users made over the wire protocol on the same server), warmed the same
     * way; with the wire protocol's pairs of this run before it, their ratio.
     */
    private void wsPairs(InetSocketAddress at) throws Exception {
        if (webPort <= 0) {
            throw new CommandLine.ParameterException(new CommandLine(this), "ws-pairs needs --web-port");
        }
        URI ws = URI.create("ws://" + host + ":" + webPort + "/ws");
        double delivered = 2.0 * pairs * messages;
        int[] round = {0};
        int rounds = warmUp(() -> {
            String prefix = label + "ww" + round[0]++;
            return WsPairs.run(ws, webSystem, pairs, Math.min(messages, 1000), window, pairTokens(at, at, prefix, pairs), prefix);
        });
        String prefix = label + "s";
        List<String> tokens = pairTokens(at, at, prefix, pairs);
        double[] before = cpuSeconds();
        Figures f = WsPairs.run(ws, webSystem, pairs, messages, window, tokens, prefix);
        f = withExtra(f, cpuPerMessage(before, cpuSeconds(), delivered, serverPid > 0) + "; warmed by " + rounds + " rounds");
        report(f);
        if (lastWirePairs != null) {
            report(new Figures("pairs-ratio", "websocket/wire", pairs + "x" + messages + " W=" + window,
                    f.perSecond() / lastWirePairs.perSecond(), "x throughput", Double.NaN, Double.NaN, Double.NaN,
                    String.format("p99 latency %.2fx the wire protocol's", f.p99Micros() / lastWirePairs.p99Micros())));
        }
    }

    /**
     * The pairs, then the same with a second device of every user polling — every message then reaches its
     * recipient's two devices and a copy the sender's other one — with the server's CPU and bytes written a
     * message sent for both, and their ratio: what every device getting every message costs.
     */
    private void devices(InetSocketAddress at) throws Exception {
        double sent = 2.0 * pairs * messages;
        Figures[] measured = new Figures[2];
        double[][] cost = new double[2][];
        for (int v = 0; v < 2; v++) {
            boolean second = v == 1;
            String kind = second ? "s" : "o";
            int[] round = {0};
            int rounds = warmUp(() -> {
                String prefix = label + kind + "w" + round[0]++;
                List<String> tokens = pairTokens(at, at, prefix, pairs);
                return Pairs.wirechat(at, at, system, prefix, pairs, Math.min(messages, 1000), window, tokens,
                        second ? secondDevices(at, prefix, pairs, tokens) : null);
            });
            List<String> tokens = pairTokens(at, at, label + kind, pairs);
            List<String> seconds = second ? secondDevices(at, label + kind, pairs, tokens) : null;
            cost[v] = new double[2];
            measured[v] = measured(() -> Pairs.wirechat(at, at, system, label + kind, pairs, messages, window, tokens, seconds),
                    sent, "message", rounds, cost[v]);
        }
        if (serverPid > 0) {
            report(new Figures("devices-ratio", "2 devices/1", pairs + "x" + messages + " W=" + window,
                    measured[1].perSecond() / measured[0].perSecond(), "x msg/s", Double.NaN, Double.NaN, Double.NaN,
                    String.format("every user with a second device (each message to two devices and copied to the sender's"
                            + " other): server CPU %.2fx (%.1f against %.1f µs a message), %s; p99 %.2fx",
                            cost[1][0] / cost[0][0], cost[1][0], cost[0][0], cost[0][1] == 0
                                    ? "bytes written not measured (the server writes none itself: a database's processes do)"
                                    : String.format("bytes written %.2fx (%.0f against %.0f)", cost[1][1] / cost[0][1], cost[1][1], cost[0][1]),
                            measured[1].p99Micros() / measured[0].p99Micros())));
        }
    }

    /**
     * A second device (LOGIN_DEVICE {@code second}) of each of the pairs' users (LOGIN tokens {@code tokens}), A's
     * and B's by turns, with each user's default device holding the account's messages too (see Users.addDevice).
     */
    private static List<String> secondDevices(InetSocketAddress at, String prefix, int pairs, List<String> tokens) throws Exception {
        List<String> names = new ArrayList<>();
        for (int p = 0; p < pairs; p++) {
            names.add(prefix + "a" + p);
            names.add(prefix + "b" + p);
        }
        return Users.addDevice(at, names, tokens, "second");
    }

    /**
     * Group fan-out, then the same by direct messages, each warmed alike on groups of its own; the server's
     * CPU and bytes written a delivery for both, and their ratio: what a group message costs against the
     * direct messages it replaces.
     */
    private void groups(InetSocketAddress at) throws Exception {
        double deliveries = (double) groups * groupMessages * (members - 1);
        Figures[] measured = new Figures[2];
        double[][] cost = new double[2][];
        for (int v = 0; v < 2; v++) {
            boolean direct = v == 1;
            int[] round = {0};
            String kind = direct ? "d" : "g";
            int rounds = warmUp(() -> Groups.run(at, Groups.create(at, label + kind + "w" + round[0]++, groups, members), system,
                    Math.min(groupMessages, 50), window, direct));
            Groups.Setup s = Groups.create(at, label + kind, groups, members);
            cost[v] = new double[2];
            measured[v] = measured(() -> Groups.run(at, s, system, groupMessages, window, direct), deliveries, "delivery", rounds,
                    cost[v]);
        }
        if (serverPid > 0) {
            report(new Figures("group-ratio", "group/direct", groups + "x" + members + " K=" + groupMessages,
                    measured[0].perSecond() / measured[1].perSecond(), "x deliveries/s", Double.NaN, Double.NaN, Double.NaN,
                    String.format("a group message to %d members: server CPU %.2fx, bytes written %.2fx the %d direct messages it"
                            + " replaces (%.1f against %.1f µs, %.0f against %.0f bytes a delivery); p99 %.2fx", members - 1,
                            cost[0][0] / cost[1][0], cost[0][1] / cost[1][1], members - 1, cost[0][0], cost[1][0], cost[0][1], cost[1][1],
                            measured[0].p99Micros() / measured[1].p99Micros())));
        }
    }

    /**
     * Runs a measured round and reports it with the CPU, and the bytes the server wrote, per {@code count}
     * {@code unit}s (into {@code cost}: µs of server CPU, bytes); returns the reported figures.
     */
    private Figures measured(Callable<Figures> run, double count, String unit, int rounds, double[] cost)
            throws Exception {
        double[] before = cpuSeconds();
        long written = writtenBytes(serverPid);
        Figures f = run.call();
        double[] after = cpuSeconds();
        long bytes = settledWrittenBytes(serverPid) - written;
        cost[0] = 1e6 * (after[1] - before[1]) / count;
        cost[1] = bytes / count;
        Figures out = withExtra(f, cpuPerMessage(before, after, count, serverPid > 0)
                + (serverPid > 0 ? String.format("; %.0f bytes written by the server a %s", cost[1], unit) : "")
                + "; warmed by " + rounds + " rounds");
        report(out);
        return out;
    }

    /** Bytes the process has caused to be written to storage so far (/proc/PID/io), or 0 without one. */
    private static long writtenBytes(long pid) throws IOException {
        if (pid <= 0) {
            return 0;
        }
        for (String line : Files.readAllLines(Path.of("/proc", String.valueOf(pid), "io"))) {
            if (line.startsWith("write_bytes:")) {
                return Long.parseLong(line.substring(line.indexOf(':') + 1).strip());
            }
        }
        return 0;
    }

    /**
     * The same, once the server's background writes of the run are done (the history indexer copies the log
     * into SQLite within a second): read until two readings half a second apart agree, at most 10 s.
     */
    private static long settledWrittenBytes(long pid) throws IOException, InterruptedException {
        long last = writtenBytes(pid);
        for (int i = 0; i < 20; i++) {
            Thread.sleep(500);
            long now = writtenBytes(pid);
            if (now == last) {
                return now;
            }
            last = now;
        }
        return last;
    }

    /** Warm-up rounds at most; each is the measured run's shape with at most 1,000 messages a pair. */
    private static final int WARM_UP_ROUNDS = 6;

    /**
     * Runs warm-up rounds until two in a row agree within 10 % in throughput (the JIT has settled), at
     * most {@link #WARM_UP_ROUNDS}; returns how many ran. A fixed small warm-up left a quarter of the
     * server's measured CPU to JIT compilation; a second and third run of the same workload on the same
     * server measured 49 µs a message against the first's 61.
     */
    private static int warmUp(Callable<Figures> round) throws Exception {
        double last = round.call().perSecond();
        for (int n = 2; n <= WARM_UP_ROUNDS; n++) {
            double now = round.call().perSecond();
            if (Math.abs(now - last) <= 0.1 * Math.max(now, last)) {
                return n;
            }
            last = now;
        }
        return WARM_UP_ROUNDS;
    }

    /** Creates the pair's users (A on {@code at}, B on {@code atB}) and returns their tokens, A and B by turns. */
    private static List<String> pairTokens(InetSocketAddress at, InetSocketAddress atB, String prefix, int pairs) throws Exception {
        List<String> tokens = new ArrayList<>();
        List<String> a = Users.create(at, prefix + "a", pairs);
        List<String> b = Users.create(atB, prefix + "b", pairs);
        for (int p = 0; p < pairs; p++) {
            tokens.add(a.get(p));
            tokens.add(b.get(p));
        }
        return tokens;
    }

    private static Figures withExtra(Figures f, String more) {
        return new Figures(f.workload(), f.system(), f.setup(), f.perSecond(), f.unit(), f.p50Micros(), f.p99Micros(),
                f.maxMicros(), f.extra().isEmpty() ? more : f.extra() + "; " + more);
    }

    private void report(Figures f) {
        console.println(f.line());
        if (out != null) {
            try {
                Files.createDirectories(out.toAbsolutePath().getParent());
                Files.writeString(out, f.tsv() + "\n", StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }
}
