package org.wirechat.server;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.UUID;
import java.util.function.UnaryOperator;
import org.wirechat.protocol.PatternMode;
import org.wirechat.protocol.Request;
import org.wirechat.protocol.Response;

/**
 * A real server on port 0 with its data in a temporary directory, a clock tests can move, and cheap
 * password hashing. Close it to stop the server; {@link #restart()} reopens the same data directory.
 */
public final class ServerFixture implements AutoCloseable {
    public static final String PASSWORD = "correct horse";

    public final Path dataDir;
    public final MutableClock clock = new MutableClock();
    private ServerConfig config;
    private WireServer server;
    private final javax.net.ssl.SSLSocketFactory clientTls;

    public ServerFixture(Path dataDir) {
        this(dataDir, b -> b);
    }

    /**
     * A server on the given store: SQLite in {@code dataDir}, or a new database in the test PostgreSQL cluster, its
     * schema in place ({@link PostgresCluster#newMigratedDatabase()}).
     */
    public ServerFixture(Backend backend, Path dataDir) {
        this(backend, dataDir, b -> b);
    }

    public ServerFixture(Backend backend, Path dataDir, UnaryOperator<ServerConfig.Builder> tweak) {
        this(dataDir, backend == Backend.POSTGRESQL ? b -> tweak.apply(b.postgres(PostgresCluster.get().newMigratedStore())) : tweak, false);
    }

    public ServerFixture(Path dataDir, UnaryOperator<ServerConfig.Builder> tweak) {
        this(dataDir, tweak, false);
    }

    /** With {@code tls}, the server uses the test certificate and connections trust it. */
    public ServerFixture(Path dataDir, UnaryOperator<ServerConfig.Builder> tweak, boolean tls) {
        this.dataDir = dataDir;
        this.clientTls = tls ? TestCerts.clientTrust() : null;
        this.config = tweak.apply(ServerConfig.builder()
                .port(0)
                .dataDir(dataDir)
                .passwordIterations(1_000)
                .abuse(org.wirechat.server.core.admission.AbuseLimits.NONE)
                .tls(tls ? TestCerts.server() : null)
                .shutdownGrace(Duration.ofSeconds(5))).build();
        start();
    }

    private void start() {
        try {
            server = WireServer.start(config, clock);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Starts again on the port just released. Another socket (a client's outgoing connection takes its
     * local port from the same range as port 0) can hold that port for a moment: then the start is tried
     * again until it binds, within the await deadline.
     */
    private void startAgain() {
        Await.until("the port " + config.port() + " is free to listen on again", () -> {
            try {
                start();
                return true;
            } catch (UncheckedIOException e) {
                if (!(e.getCause().getCause() instanceof java.net.BindException)) {
                    throw e;
                }
                return false;
            }
        });
    }

    /** A JDBC connection to the server's database, to look at what it stored. */
    public java.sql.Connection database() throws java.sql.SQLException {
        if (config.postgres() != null) {
            return java.sql.DriverManager.getConnection(config.postgres().jdbcUrl());
        }
        return java.sql.DriverManager.getConnection("jdbc:sqlite:"
                + dataDir.resolve(org.wirechat.server.storage.SqliteStore.DATABASE_FILE));
    }

    /** The settings the server runs with (a second server on the same PostgreSQL database can reuse them). */
    public ServerConfig config() {
        return config;
    }

    public WireServer server() {
        return server;
    }

    public TestConnection connect() {
        if (grpcConnections) {
            return TestConnection.overGrpc(new java.net.InetSocketAddress("127.0.0.1", server.grpcPort().orElseThrow()));
        }
        return new TestConnection(server.address(), clientTls);
    }

    /** A wire connection from the loopback address {@code from} (e.g. 127.0.0.2): another client address. */
    public TestConnection connectFrom(String from) {
        return new TestConnection(server.address(), clientTls, from);
    }

    private boolean grpcConnections;

    /**
     * From now on {@link #connect()} makes connections over gRPC (the server must have been started with
     * a gRPC port: {@code b.grpcPort(0)}), so that a suite of typed requests runs over that transport.
     */
    public ServerFixture connectingOverGrpc() {
        if (server.grpcPort().isEmpty()) {
            throw new IllegalStateException("the server has no gRPC port: start it with grpcPort(0)");
        }
        grpcConnections = true;
        return this;
    }

    /** The client-side TLS trust, or {@code null} for a plain server. */
    public javax.net.ssl.SSLSocketFactory clientTls() {
        return clientTls;
    }

    /** Stops the server and starts it again on the same port and data, with changed settings. */
    public void reconfigure(UnaryOperator<ServerConfig.Builder> tweak) {
        int port = server.port();
        server.close();
        config = tweak.apply(config.toBuilder().port(port)).build();
        startAgain();
    }

    /** Stops the server and starts it again on the same port and data directory. */
    public void restart() {
        int port = server.port();
        server.close();
        config = config.toBuilder().port(port).build();
        startAgain();
    }

    /** Stops the server (an outage begins); {@link #up()} starts it again on the same port (and web port) and data. */
    public void down() {
        ServerConfig.Builder b = config.toBuilder().port(server.port());
        server.webPort().ifPresent(p -> b.web(new WebSettings(p, config.web().bindAddress(), config.web().origins())));
        config = b.build();
        server.close();
    }

    /** Ends an outage begun by {@link #down()}. */
    public void up() {
        startAgain();
    }

    /** Creates an account and returns a logged-in connection's token. */
    public String register(TestConnection c, String username) {
        c.ok(new Request.CreateAccount(username, "Full " + username, PASSWORD), Response.AccountCreated.class);
        return login(c, username);
    }

    public String login(TestConnection c, String username) {
        return c.ok(new Request.Login(username, PASSWORD), Response.LoggedIn.class).token();
    }

    public static Request.Send send(String token, String to, String body) {
        return new Request.Send(token, to, UUID.randomUUID().toString(), body);
    }

    public static Request.Fetch fetch(String token, long ack) {
        return new Request.Fetch(token, ack, 1000, 0);
    }

    public static Request.ListAccounts list(String token, PatternMode mode, String pattern, String cursor, int limit) {
        return new Request.ListAccounts(token, mode, pattern, cursor, limit);
    }

    @Override
    public void close() {
        server.close();
    }
}
