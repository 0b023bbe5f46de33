package org.wirechat.server;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Clock;
import java.time.Duration;
import java.util.Collection;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLSocketFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.bridge.SLF4JBridgeHandler;
import org.wirechat.server.core.auth.PasswordHasher;
import org.wirechat.server.core.auth.Tokens;
import org.wirechat.server.core.Chat;
import org.wirechat.server.core.ChatSettings;
import org.wirechat.server.core.admission.AddressLimits;
import org.wirechat.server.core.admission.Admission;
import org.wirechat.server.core.admission.LoginThrottle;
import org.wirechat.server.core.admission.Presence;
import org.wirechat.server.core.port.Cluster;
import org.wirechat.server.core.port.LiveNotice;
import org.wirechat.server.core.port.Storage;
import org.wirechat.server.core.port.StorageFault;
import org.wirechat.server.core.port.StorageUnavailableException;
import org.wirechat.server.core.port.StoreException;
import org.wirechat.server.grpc.GrpcTransport;
import org.wirechat.server.web.WebTransport;
import org.wirechat.server.core.inbox.InboxWaiters;
import org.wirechat.server.wire.Listener;
import org.wirechat.server.wire.Session;

/**
 * A running server: the store, the listener and the housekeeping. {@link #close()} shuts down
 * gracefully: stop accepting, wake waiting fetches, let requests in progress finish within the grace
 * period, close connections, then close the store (which commits whatever is queued).
 */
public final class WireServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(WireServer.class);

    private final ServerConfig config;
    private final Storage store;
    private final PasswordHasher hasher;
    private final Tokens tokens;
    private final InboxWaiters waiters;
    private final Presence presence;
    /** Admits the connections of both transports: one count for --max-connections and per address. */
    private final Admission admission;
    private final Listener listener;
    private final ServerSocket serverSocket;
    private final ScheduledExecutorService housekeeping;
    /**
     * The deadline sweep: every read, FETCH wait, response write and TLS handshake past its deadline is
     * ended from here, instead of by a timer armed for each (see {@link org.wirechat.server.wire.FrameTimer}).
     */
    private final ScheduledExecutorService deadlines;
    static final Duration DEADLINE_SWEEP = Duration.ofMillis(100);
    private final CountDownLatch terminated = new CountDownLatch(1);
    private volatile boolean closing;
    private volatile Throwable failure;
    private final ServerMetrics metrics;
    private final Clock clock;
    /** The chat core (set once in the constructor; read by the other servers' notifications). */
    private volatile Chat chat;
    /** The administration socket in the data directory, or {@code null} when it could not be made. */
    private final AdminServer admin;
    /** With PostgreSQL, this server's lock on its data directory (for the socket), or {@code null}. */
    private final AutoCloseable adminLock;
    /** The metrics and health port, or {@code null} when none was asked for. */
    private final MetricsServer metricsServer;
    /** The gRPC transport, or {@code null} when no --grpc-port was given (volatile: the deadline sweep reads it). */
    private volatile GrpcTransport grpc;
    /** The web transport, or {@code null} when no --web-port was given (volatile: the deadline sweep reads it). */
    private volatile WebTransport web;
    /** The servers running in this process, which an {@link Error} escaping any thread stops (see {@link #fatal}). */
    private static final Set<WireServer> RUNNING = ConcurrentHashMap.newKeySet();

    static {
        // grpc-java and Netty log through java.util.logging: into SLF4J (Logback's levels and limits, logback.xml)
        if (!SLF4JBridgeHandler.isInstalled()) {
            SLF4JBridgeHandler.removeHandlersForRootLogger();
            SLF4JBridgeHandler.install();
        }
        Thread.setDefaultUncaughtExceptionHandler(WireServer::uncaught);
    }

    /**
     * A thread ended by an exception nobody caught: an {@link Error} (out of memory, a stack overflow) stops
     * every server of the process — a thread it depends on (the listener, a gRPC call, an event loop) may be
     * gone and memory is no longer trustworthy; a {@link RuntimeException} is a bug of ours in that thread
     * alone (a request's are answered "internal error" where they happen), logged, and the server goes on.
     */
    private static void uncaught(Thread thread, Throwable e) {
        String where = "thread " + (thread.getName().isEmpty() ? thread.toString() : thread.getName());
        if (e instanceof Error && !RUNNING.isEmpty()) {
            RUNNING.forEach(s -> s.fatal(where, e));
        } else {
            log.error("uncaught exception in {}", where, e);
        }
    }

    /** What to do when other servers sharing the store change something. */
    private Cluster.Changes changesFromOtherServers() {
        return new Cluster.Changes() {
            @Override
            public void inbox(long accountId) {
                waiters.wake(accountId);
            }

            @Override
            public void tokenRevoked(byte[] tokenHash) {
                tokens.forget(tokenHash);
            }

            @Override
            public void accountDeleted(long accountId) {
                tokens.forgetAccount(accountId);
            }

            @Override
            public void missedSome() {
                tokens.forgetAll();
                waiters.wakeEveryone();
            }

            @Override
            public void live(Collection<Long> accountIds, LiveNotice notice) {
                Chat c = chat; // null until the core is made (a notification cannot come before listen)
                if (c != null) {
                    c.live(accountIds, notice);
                }
            }
        };
    }

    /** Where the data is (for the startup line). */
    public String storeDescription() {
        return store.describe();
    }

    /** The limits the chat core enforces, from the configuration. */
    static ChatSettings chatSettings(ServerConfig config) {
        return new ChatSettings(config.maxMessageChars(), config.inboxCapacity(), config.maxFetchWait(), config.deviceHorizon(),
                config.groups().membersPerGroup(), config.groups().groupsPerUser(), config.groups().messagesPerSecond(),
                config.groups().messageBurst(), config.abuse().accountsPerAddressPerHour(),
                config.abuse().loginsPerAccountPerMinute(), config.tls() != null, !config.retention().isZero());
    }

    private WireServer(ServerConfig config, Clock clock) throws IOException {
        this.config = config;
        this.clock = clock;
        Stores stores = Stores.open(config, e -> fatal("the store writer", e));
        this.store = stores.store();
        store.deviceHorizon(config.deviceHorizon());
        this.hasher = new PasswordHasher(config.passwordIterations(), e -> fatal("password hashing", e));
        this.tokens = new Tokens(store, clock, config.tokenIdleLifetime(), config.tokenMaxLifetime(),
                config.abuse().sessionsPerAccount());
        this.waiters = new InboxWaiters();
        // several servers on one PostgreSQL database tell each other through it; a server on SQLite is alone
        Cluster cluster = stores.cluster();
        this.presence = new Presence(cluster);
        LoginThrottle throttle = new LoginThrottle(config.abuse(), cluster);
        AddressLimits addresses = new AddressLimits(config.abuse());
        Chat chat = new Chat(chatSettings(config), store, hasher, tokens, waiters, presence, cluster, throttle, addresses, clock);
        this.chat = chat;
        cluster.listen(changesFromOtherServers());
        try {
            serverSocket = Listener.bind(config.bindAddress(), config.port());
        } catch (IOException e) {
            presence.close();
            store.close();
            hasher.close();
            throw e;
        }
        SSLSocketFactory tls = config.tls() == null ? null : config.tls().context().getSocketFactory();
        this.metrics = config.metricsPort() < 0 ? ServerMetrics.OFF : new ServerMetrics(store, tokens, this::openConnections);
        this.admission = new Admission(config.maxConnections(), config.abuse(), presence);
        this.listener = new Listener(serverSocket, admission, tls, metrics,
                (id, socket, connection, onEnd) -> new Session(id, socket, tls, connection, config, chat, metrics, onEnd));
        this.deadlines = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().name("deadlines").daemon(true).factory());
        this.housekeeping = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().name("housekeeping").daemon(true).factory());
        housekeeping.scheduleWithFixedDelay(guarded("the token sweep", this::sweepTokens), 1, 1, TimeUnit.MINUTES);
        housekeeping.scheduleWithFixedDelay(guarded("pruning the abuse limits", () -> {
            throttle.prune(clock.millis());
            addresses.prune(clock.millis() * 1_000_000);
        }), 1, 1, TimeUnit.MINUTES);
        housekeeping.scheduleWithFixedDelay(guarded("the live events' sweep", () -> chat.sweepLiveEvents(clock.millis())),
                1, 1, TimeUnit.MINUTES);
        long writeTimeout = config.abuse().writeTimeout().toNanos();
        long handshakeTimeout = config.firstFrameTimeout().toNanos();
        deadlines.scheduleWithFixedDelay(guarded("the deadline sweep", () -> {
            listener.closeOverdue(writeTimeout, handshakeTimeout);
            waiters.expire(System.nanoTime());
            GrpcTransport g = grpc; // null until the transport is up
            if (g != null) {
                g.closeOverdue(System.nanoTime());
            }
            WebTransport w = web; // null until the transport is up
            if (w != null) {
                w.closeOverdue(System.nanoTime());
            }
        }), DEADLINE_SWEEP.toNanos(), DEADLINE_SWEEP.toNanos(), TimeUnit.NANOSECONDS);
        if (!config.retention().isZero()) {
            housekeeping.scheduleWithFixedDelay(guarded("the retention purge", () -> purge(clock)), 0, 1, TimeUnit.HOURS);
        }
        Thread.ofPlatform().name("listener").start(listener);
        MetricsServer m = null;
        if (metrics.on()) {
            try {
                m = new MetricsServer(new InetSocketAddress(InetAddress.getByName(config.metricsBind()), config.metricsPort()),
                        metrics, () -> !closing, this::notReady);
                log.info("metrics and health checks on http://{}:{}/metrics, /health/live, /health/ready",
                        m.address().getAddress().getHostAddress(), m.address().getPort());
            } catch (IOException e) {
                close();
                throw new IOException("cannot serve metrics on " + config.metricsBind() + ":" + config.metricsPort()
                        + ": " + e.getMessage(), e);
            }
        }
        this.metricsServer = m;
        GrpcTransport g = null;
        if (config.grpcPort() >= 0) {
            try {
                g = new GrpcTransport(config, chat, admission, () -> closing, metrics);
                log.info("gRPC (wirechat.v1.Chat, health, reflection) on {}:{}{}", config.bindAddress(), g.port(),
                        config.tls() == null ? "" : " with TLS");
            } catch (IOException e) {
                close();
                throw e;
            }
        }
        this.grpc = g;
        if (config.web().on()) {
            try {
                WebTransport w = new WebTransport(config, chat, admission, metrics);
                this.web = w;
                log.info("web client on {} (the wire protocol over WebSocket at /ws)", webUrl(config, w.port()));
                if (config.tls() == null && !InetAddress.getByName(config.web().bindAddress()).isLoopbackAddress()) {
                    log.warn("serving the web client on {} without TLS: passwords, tokens and messages cross the network in "
                            + "clear; use --tls-keystore, or a reverse proxy with TLS (docs/deployment.md)", config.web().bindAddress());
                }
            } catch (IOException e) {
                close();
                throw e;
            }
        }
        AdminServer a = null;
        AutoCloseable held = null;
        try {
            // the data directory's lock, so that the administration socket there is this server's own
            // (null when the store holds it already)
            held = stores.lockForAdministration(config.dataDir());
            a = new AdminServer(config.dataDir(), new Administration(store, presence, tokens, hasher, clock)::handle);
        } catch (IOException | StoreException e) {
            log.warn("no administration socket in {}: {}", config.dataDir().toAbsolutePath(), e.getMessage());
            closeQuietly(held);
            held = null;
        }
        this.admin = a;
        this.adminLock = held;
    }

    private static void closeQuietly(AutoCloseable c) {
        if (c == null) {
            return;
        }
        try {
            c.close();
        } catch (Exception e) {
            log.debug("releasing the data directory: {}", e.toString());
        }
    }


    /** Why this server cannot serve now (for /health/ready), or {@code null} when it can. */
    String notReady() {
        if (closing) {
            return "stopping";
        }
        Throwable f = failure;
        if (f != null) {
            return "failed: " + f;
        }
        return store.notReady();
    }

    /** Where the metrics and health checks are served, when they are. */
    public Optional<InetSocketAddress> metricsAddress() {
        return metricsServer == null ? Optional.empty() : Optional.of(metricsServer.address());
    }

    /** Starts a server with the system clock. */
    public static WireServer start(ServerConfig config) throws IOException {
        return start(config, Clock.systemUTC());
    }

    /** Starts a server; the clock drives token expiry and message timestamps (tests move it). */
    public static WireServer start(ServerConfig config, Clock clock) throws IOException {
        WireServer server = new WireServer(config, clock);
        RUNNING.add(server);
        if (config.tls() == null && !server.address().getAddress().isLoopbackAddress()) {
            log.warn("listening on {} without TLS: passwords, tokens and messages cross the network in clear; "
                    + "use --tls-keystore (scripts/make-cert makes one)", server.address().getAddress().getHostAddress());
        }
        log.info("wirechat listening on {}:{}{} (data in {})", server.address().getAddress().getHostAddress(), server.port(),
                config.tls() == null ? "" : " with TLS", server.storeDescription());
        return server;
    }

    public InetSocketAddress address() {
        return (InetSocketAddress) serverSocket.getLocalSocketAddress();
    }

    public int port() {
        return serverSocket.getLocalPort();
    }

    public ServerConfig config() {
        return config;
    }

    /** The port of the gRPC transport, when it is served. */
    public OptionalInt grpcPort() {
        return grpc == null ? OptionalInt.empty() : OptionalInt.of(grpc.port());
    }

    /** The gRPC transport, when it is served: its connection and call counts (diagnostics, tests). */
    public Optional<GrpcTransport> grpcTransport() {
        return Optional.ofNullable(grpc);
    }

    /** The web client's address, for the startup lines: {@code http://127.0.0.1:8080/}, {@code https://[::1]:8443/}. */
    static String webUrl(ServerConfig config, int port) {
        String host = config.web().bindAddress();
        return "http" + (config.tls() == null ? "" : "s") + "://" + (host.contains(":") ? "[" + host + "]" : host) + ":" + port + "/";
    }

    /** The port of the web transport, when it is served. */
    public OptionalInt webPort() {
        WebTransport w = web;
        return w == null ? OptionalInt.empty() : OptionalInt.of(w.port());
    }

    /** Devices that SYNC on this server, for which live events (typing) are kept: diagnostics and tests. */
    public int liveDevices() {
        Chat c = chat;
        return c == null ? 0 : c.liveDevices();
    }

    /** Accounts with a FETCH waiting for mail right now. */
    public int waitingFetches() {
        return waiters.waitingAccounts();
    }

    /** Open connections, of both transports (the wire protocol's TCP connections, gRPC's HTTP/2 ones): the admission's one count. */
    public int openConnections() {
        Admission a = admission; // null while the constructor runs (a metrics scrape cannot come before it ends)
        return a == null ? 0 : a.open();
    }

    /**
     * A housekeeping task that survives its own failures: a periodic task that throws is silently never
     * run again, so a {@link RuntimeException} is logged and the task goes on; an {@link Error} stops the
     * server (see {@link #fatal}).
     */
    private Runnable guarded(String what, Runnable task) {
        return () -> {
            try {
                task.run();
            } catch (RuntimeException e) {
                log.warn("{} failed", what, e);
            } catch (Error e) {
                fatal(what, e);
            }
        };
    }

    /**
     * An {@link Error} (out of memory, a stack overflow) struck a part every connection depends on: the
     * server is no longer in a state it can vouch for, so it stops, cleanly, rather than lingering half
     * alive. {@code wirechat-server} then exits with status 70, for a supervisor to restart it.
     */
    void fatal(String where, Throwable error) {
        synchronized (this) {
            if (failure != null) {
                return;
            }
            failure = error;
        }
        log.error("fatal error in {}; stopping the server (a supervisor should restart it)", where, error);
        Thread.ofPlatform().name("fatal-stop").start(this::close);
    }

    /** The error that stopped the server, if one did (see {@link #fatal}). */
    public Optional<Throwable> failure() {
        return Optional.ofNullable(failure);
    }

    /** Why the store refuses writes right now, if it does (disk full, read-only, unreachable). */
    public Optional<StorageFault> storageFault() {
        return store.storageFault();
    }

    private void sweepTokens() {
        try {
            tokens.sweep();
        } catch (StorageUnavailableException e) {
            log.debug("token sweep skipped: {}", e.getMessage()); // the store logs the fault itself, once
        }
    }

    private void purge(Clock clock) {
        try {
            int n = store.purgeDeliveredBefore(clock.millis() - config.retention().toMillis());
            if (n > 0) {
                log.info("purged {} delivered messages older than {}", n, config.retention());
            }
        } catch (StorageUnavailableException e) {
            log.debug("retention purge skipped: {}", e.getMessage());
        }
    }

    @Override
    public void close() {
        synchronized (this) {
            if (closing) {
                awaitTermination();
                return;
            }
            closing = true;
        }
        log.info("stopping: no new connections; waiting up to {} ms for requests in progress", config.shutdownGrace().toMillis());
        if (grpc != null) {
            grpc.stopAccepting();
        }
        WebTransport w = web;
        if (w != null) {
            w.beginStop(); // its idle WebSockets told at once, as the wire's idle connections are below
        }
        waiters.wakeAll();
        listener.shutdown(config.shutdownGrace());
        if (w != null) {
            w.stop(config.shutdownGrace());
        }
        if (grpc != null) {
            grpc.finish(config.shutdownGrace().toMillis());
        }
        housekeeping.shutdownNow();
        deadlines.shutdownNow();
        presence.close();
        store.close();
        hasher.close();
        if (metricsServer != null) {
            metricsServer.close();
        }
        if (admin != null) {
            admin.close();
        }
        closeQuietly(adminLock);
        log.info("stopped");
        RUNNING.remove(this);
        terminated.countDown();
    }

    /** Blocks until {@link #close()} has finished. */
    public void awaitTermination() {
        boolean interrupted = false;
        while (true) {
            try {
                terminated.await();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
