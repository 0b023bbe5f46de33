package org.wirechat.model;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.wirechat.client.Connection;
import org.wirechat.client.ServerConnection;
import org.wirechat.client.grpc.GrpcConnection;
import org.wirechat.server.Backend;
import org.wirechat.server.PostgresCluster;
import org.wirechat.server.ServerProcess;

/**
 * The server of a kill sequence as its own process, on one store that outlives it: a data directory
 * (SQLite and the message log) or a PostgreSQL database of the test cluster. Serves both transports
 * when gRPC is asked for; {@link #kill} is SIGKILL, {@link #start} again finds the data as it was left.
 */
final class KillServer implements AutoCloseable {
    private static final Pattern GRPC = Pattern.compile("gRPC \\(wirechat\\.v1\\.Chat[^)]*\\) on \\S*:(\\d+)");
    /** Every abuse limit far above what a sequence does: the sequence checks storage, not the limits. */
    private static final List<String> LIMITS = List.of("--logins-per-account-per-minute", "100000",
            "--accounts-per-address-per-hour", "100000", "--login-failures-per-account", "100000",
            "--login-failures-per-address", "100000", "--group-message-rate", "100000", "--group-message-burst", "100000");

    /**
     * The servers running now, stopped when the test JVM exits: jqwik gives up on a shrinking step past its
     * time bound without ending it, and that step's server must not outlive the run.
     */
    private static final Set<ServerProcess> running = ConcurrentHashMap.newKeySet();

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> running.forEach(ServerProcess::close), "stop-kill-servers"));
    }

    private final Path dir;
    private final List<String> args = new ArrayList<>(LIMITS);
    private final boolean grpc;
    private ServerProcess process;
    private int grpcPort;
    private int starts;

    KillServer(Backend store, boolean grpc, Path dir) {
        this.dir = dir;
        this.grpc = grpc;
        if (store == Backend.POSTGRESQL) {
            PostgresCluster cluster = PostgresCluster.get();
            args.addAll(List.of("--store", cluster.url(cluster.newDatabase())));
        }
        if (grpc) {
            args.addAll(List.of("--grpc-port", "0"));
        }
    }

    void start() throws IOException {
        Path log = dir.resolve("server-" + (++starts) + ".log");
        process = new ServerProcess(dir.resolve("data"), log, args.toArray(String[]::new));
        running.add(process);
        if (grpc) {
            Matcher m = GRPC.matcher(Files.readString(log)); // logged before the "listening on" line is printed
            if (!m.find()) {
                throw new IllegalStateException("no gRPC port in the server's log " + log);
            }
            grpcPort = Integer.parseInt(m.group(1));
        }
    }

    /** SIGTERM, waiting for the graceful stop. */
    void stop() throws InterruptedException {
        int status = process.terminate();
        running.remove(process);
        if (status != 0 && status != 128 + 15) { // 143: the JVM's status after SIGTERM
            throw new IllegalStateException("the server stopped with status " + status + "; see " + dir);
        }
    }

    void kill() throws InterruptedException {
        process.kill();
        running.remove(process);
    }

    int starts() {
        return starts;
    }

    /** A new connection over the wire protocol, or gRPC. */
    ServerConnection connect(boolean overGrpc) throws IOException {
        InetSocketAddress at = process.address;
        if (overGrpc) {
            try {
                return GrpcConnection.open(at.getHostString(), grpcPort, Duration.ofSeconds(10), false, null);
            } catch (IOException e) {
                throw new IOException("gRPC to " + at.getHostString() + ":" + grpcPort + " (server alive: " + process.isAlive() + "): " + e.getMessage(), e);
            }
        }
        return Connection.open(at.getHostString(), at.getPort(), Duration.ofSeconds(10));
    }

    @Override
    public void close() {
        if (process != null) {
            process.close();
            running.remove(process);
        }
    }
}
