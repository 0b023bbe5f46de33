package org.wirechat.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The server as a separate JVM (what a user runs), started from the test classpath. */
public final class ServerProcess implements AutoCloseable {
    private static final Pattern LISTENING = Pattern.compile("listening on ([0-9.]+):(\\d+)");

    final Process process;
    final Path log;
    public final InetSocketAddress address;
    /** What the server printed on standard output up to its "listening on" line. */
    public final List<String> startupOutput = new ArrayList<>();

    /**
     * JVM options of a server from the test classpath: it lives seconds, most of its start is compiling, and the
     * test JVM and PostgreSQL share the machine's cores with it, so the client compiler only and the serial
     * collector (how it runs is the same; what it costs the machine is less). The jars' smoke tests run the
     * server as a user does, with neither.
     */
    public static final List<String> QUICK_START = List.of("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC");

    /** The server from the test classpath. */
    public ServerProcess(Path dataDir, Path log, String... extraArgs) throws IOException {
        this(launch(QUICK_START), dataDir, log, extraArgs);
    }

    /** The server from the test classpath, with JVM options (e.g. a heap limit). */
    public static ServerProcess withJvmOptions(List<String> jvmOptions, Path dataDir, Path log, String... args) throws IOException {
        return new ServerProcess(launch(jvmOptions), dataDir, log, args);
    }

    private static List<String> launch(List<String> jvmOptions) {
        List<String> launch = new ArrayList<>(jvmOptions);
        launch.addAll(List.of("-cp", System.getProperty("java.class.path"), ServerMain.class.getName()));
        return launch;
    }

    /** Starts one server of several: the {@code i}-th. */
    public interface Start {
        ServerProcess start(int i) throws IOException;
    }

    /**
     * Starts {@code n} servers at once, in index order in the list: a start is seconds of one JVM's work, and the
     * ones after the first need not wait for it. If one fails, the others are stopped and its failure thrown.
     */
    public static List<ServerProcess> startTogether(int n, Start start) throws IOException {
        List<Future<ServerProcess>> starting = new ArrayList<>();
        try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < n; i++) {
                int index = i;
                starting.add(threads.submit(() -> start.start(index)));
            }
        }
        List<ServerProcess> started = new ArrayList<>();
        Throwable failed = null;
        for (Future<ServerProcess> f : starting) {
            try {
                started.add(f.get());
            } catch (ExecutionException e) {
                failed = failed == null ? e.getCause() : failed;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                failed = failed == null ? e : failed;
            }
        }
        if (failed != null) {
            started.forEach(ServerProcess::close);
            switch (failed) {
                case IOException e -> throw e;
                case RuntimeException e -> throw e;
                case Error e -> throw e;
                default -> throw new IOException("a server did not start", failed);
            }
        }
        return started;
    }

    /** The built jar, allowed at most {@code files} open file descriptors ({@code ulimit -n}). */
    public static ServerProcess fromJarWithFileLimit(Path jar, int files, Path dataDir, Path log, String... args) throws IOException {
        return new ServerProcess(List.of("bash", "-c", "ulimit -n " + files + " && exec \"$@\"", "bash"),
                List.of("-jar", jar.toString()), dataDir, log, args);
    }

    /** The peak resident memory of the server process, in KiB (Linux), or -1 if unknown. */
    public long peakRssKib() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc", String.valueOf(process.pid()), "status"))) {
                if (line.startsWith("VmHWM:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", ""));
                }
            }
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
        return -1;
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** The server as the built jar runs it, as a user would. */
    public static ServerProcess fromJar(Path jar, Path dataDir, Path log, String... args) throws IOException {
        return new ServerProcess(List.of("-jar", jar.toString()), dataDir, log, args);
    }

    private ServerProcess(List<String> launch, Path dataDir, Path log, String... extraArgs) throws IOException {
        this(List.of(), launch, dataDir, log, extraArgs);
    }

    /** {@code wrapper}: what runs the java command (e.g. a shell that lowers a limit first), or nothing. */
    private ServerProcess(List<String> wrapper, List<String> launch, Path dataDir, Path log, String... extraArgs) throws IOException {
        this.log = log;
        List<String> cmd = new ArrayList<>(wrapper);
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(launch);
        cmd.addAll(List.of("--port", "0", "--data-dir", dataDir.toString(), "--password-iterations", "1000"));
        cmd.addAll(List.of(extraArgs));
        process = new ProcessBuilder(cmd).redirectError(log.toFile()).start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
            Matcher m = null;
            while (m == null) {
                String line = out.readLine(); // blocks until the server prints where it listens (or dies)
                if (line != null) {
                    startupOutput.add(line);
                }
                assertThat(line).as("a 'listening on' line before the server exited; its log: %s", logText()).isNotNull();
                Matcher candidate = LISTENING.matcher(line);
                m = candidate.find() ? candidate : null;
            }
            address = new InetSocketAddress(m.group(1), Integer.parseInt(m.group(2)));
        } catch (IOException | RuntimeException | Error e) {
            process.destroyForcibly(); // a failed start must not leave a server running
            throw e;
        }
    }

    String logText() {
        try {
            return Files.exists(log) ? Files.readString(log) : "";
        } catch (IOException e) {
            return "(unreadable: " + e + ")";
        }
    }

    /** SIGKILL: no shutdown hook runs, nothing is flushed. */
    public void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor();
    }

    /** SIGTERM: the shutdown hook stops the server gracefully. Returns the exit status. */
    public int terminate() throws InterruptedException {
        process.destroy();
        assertThat(process.waitFor(30, TimeUnit.SECONDS)).as("server stops on SIGTERM").isTrue();
        return process.exitValue();
    }

    @Override
    public void close() {
        if (process.isAlive()) {
            process.destroyForcibly();
            try {
                process.waitFor();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
