package org.wirechat.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.net.InetSocketAddress;
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
 * The load generator: {@code java -cp wirechat-client.jar org.wirechat.bench.LoadGenerator [OPTIONS]
 * [WORKLOAD...]} against a running server (scripts/bench starts one). Prints one line of figures per
 * workload, wirechat's pairs figures also as ratios to a bare relay measured in the same run, and can
 * append them to a file.
 */
@Command(name = "wirechat-bench", mixinStandardHelpOptions = true, sortOptions = false,
        description = "Load-tests a running wirechat server. Workloads: pairs, drain, idle, login, grpc-pairs (the pairs over"
                + " gRPC; needs --grpc-port) (default: pairs, drain, idle).")
public final class LoadGenerator implements Callable<Integer> {
    @Parameters(paramLabel = "WORKLOAD", description = "pairs, drain, idle, login, grpc-pairs")
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
                case "drain" -> Drain.run(at, drainUsers, drainEach, 8, 64, () -> {
                    try {
                        return cpuSeconds();
                    } catch (IOException e) {
                        throw new java.io.UncheckedIOException(e);
                    }
                }).forEach(this::report);
                case "idle" -> Idle.run(at, idle, serverPid).forEach(this::report);
                case "login" -> report(Logins.run(at, logins, 4, hash));
                default -> throw new CommandLine.ParameterException(new CommandLine(this), "unknown workload " + w);
            }
        }
        return 0;
    }

    /** CPU seconds used so far by this process and by the server (from /proc), for cost per message. */
    private double[] cpuSeconds() throws IOException {
        double own = ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory
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

    /** Warm-up rounds at most; each is the measured run's shape with at most 1,000 messages a pair. */
    private static final int WARM_UP_ROUNDS = 6;

    /**
     * Runs warm-up rounds until two in a row agree within 10 % in throughput (the JIT has settled), at
     * most {@link #WARM_UP_ROUNDS}; returns how many ran. A fixed small warm-up left a quarter of the
     * server's measured CPU to JIT compilation; a second and third run of the same workload on the same
     * server measured 49 µs a message against the first's 61.
     */
    private static int warmUp(java.util.concurrent.Callable<Figures> round) throws Exception {
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
                throw new java.io.UncheckedIOException(e);
            }
        }
    }
}
