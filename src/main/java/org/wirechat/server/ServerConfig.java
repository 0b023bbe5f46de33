package org.wirechat.server;

import java.nio.file.Path;
import java.time.Duration;
import org.wirechat.protocol.Frame;
import org.wirechat.protocol.Limits;
import org.wirechat.server.core.admission.AbuseLimits;
import org.wirechat.server.core.auth.PasswordHasher;
import org.wirechat.server.storage.StorageIo;
import org.wirechat.server.tls.TlsSettings;

/**
 * Every server setting, validated on construction. Defaults are those of {@link #builder()}.
 *
 * @param port TCP port; 0 picks a free one
 * @param bindAddress address to listen on; loopback by default
 * @param dataDir where the database lives
 * @param maxConnections open connections at most; the next gets SERVER_BUSY
 * @param firstFrameTimeout how long a new connection may take to send its first frame
 * @param idleTimeout how long an established connection may send nothing
 * @param tokenIdleLifetime a token unused this long expires
 * @param tokenMaxLifetime a token expires this long after login, used or not
 * @param maxFrameBytes the largest frame accepted, header included
 * @param maxMessageChars the longest message body, in characters
 * @param inboxCapacity undelivered messages one account may hold; a send beyond it gets INBOX_FULL
 * @param maxFetchWait cap on how long a fetch may wait for mail
 * @param passwordIterations PBKDF2 iterations for new password hashes
 * @param retention how long delivered messages are kept in history; zero keeps them forever
 * @param deviceHorizon a device of an account that has not asked for its mail for this long no longer holds
 *     the account's messages (they leave the inbox once its other devices have them)
 * @param shutdownGrace how long requests in progress may take to finish at shutdown
 * @param abuse the limits that protect clients from each other
 * @param tls the TLS identity, or {@code null} for plain TCP
 * @param postgres the shared PostgreSQL database, or {@code null} for SQLite in {@code dataDir}
 * @param metricsPort the HTTP port for metrics and health checks, 0 for any free one, -1 for none
 * @param metricsBind the address that port listens on
 * @param grpcPort the port of the gRPC transport (on {@code bindAddress}), 0 for any free one, -1 for none
 * @param groups how big groups may grow and how fast they may be written to
 * @param storageIo what the store writes through: {@link StorageIo#REAL}, but in fault injection tests
 * @param web the web transport (the web client and WebSocket), {@link WebSettings#OFF} by default
 */
public record ServerConfig(
        int port,
        String bindAddress,
        Path dataDir,
        int maxConnections,
        Duration firstFrameTimeout,
        Duration idleTimeout,
        Duration tokenIdleLifetime,
        Duration tokenMaxLifetime,
        int maxFrameBytes,
        int maxMessageChars,
        int inboxCapacity,
        Duration maxFetchWait,
        int passwordIterations,
        Duration retention,
        Duration shutdownGrace,
        AbuseLimits abuse,
        TlsSettings tls,
        PostgresSettings postgres,
        int metricsPort,
        String metricsBind,
        int grpcPort,
        Duration deviceHorizon,
        GroupLimits groups,
        StorageIo storageIo,
        WebSettings web) {

    public static final int DEFAULT_PORT = 50051;
    /** The smallest frame limit that still fits a longest message in a SEND or a FETCH response. */
    public static final int MIN_FRAME_BYTES = 8 * 1024;

    public ServerConfig {
        require(port >= 0 && port <= 65535, "port must be in [0, 65535]: " + port);
        require(bindAddress != null && !bindAddress.isBlank(), "bind address must be set");
        require(dataDir != null, "data directory must be set");
        require(maxConnections >= 1, "max connections must be at least 1: " + maxConnections);
        positive(firstFrameTimeout, "first-frame timeout");
        positive(idleTimeout, "idle timeout");
        positive(tokenIdleLifetime, "token idle lifetime");
        positive(tokenMaxLifetime, "token maximum lifetime");
        require(maxFrameBytes >= MIN_FRAME_BYTES && maxFrameBytes <= Frame.MAX_FRAME_BYTES,
                "max frame bytes must be in [" + MIN_FRAME_BYTES + ", " + Frame.MAX_FRAME_BYTES + "]: " + maxFrameBytes);
        require(maxMessageChars >= 1 && maxMessageChars <= Limits.BODY_MAX,
                "max message length must be in [1, " + Limits.BODY_MAX + "]: " + maxMessageChars);
        require(inboxCapacity >= 1, "inbox capacity must be at least 1: " + inboxCapacity);
        require(maxFetchWait != null && !maxFetchWait.isNegative() && maxFetchWait.toMillis() <= Limits.FETCH_WAIT_MAX_MILLIS,
                "max fetch wait must be in [0, 1h]: " + maxFetchWait);
        require(passwordIterations >= 1, "password iterations must be at least 1: " + passwordIterations);
        require(retention != null && !retention.isNegative(), "retention must not be negative");
        require(deviceHorizon != null && deviceHorizon.compareTo(Duration.ofMinutes(1)) >= 0,
                "the device horizon must be at least a minute: " + deviceHorizon);
        require(shutdownGrace != null && !shutdownGrace.isNegative(), "shutdown grace must not be negative");
        require(abuse != null, "abuse limits must be set");
        require(groups != null, "group limits must be set");
        require(storageIo != null, "the storage I/O must be set");
        require(web != null, "the web settings must be set");
        require(metricsPort >= -1 && metricsPort <= 65535, "metrics port must be in [0, 65535]: " + metricsPort);
        require(metricsBind != null && !metricsBind.isBlank(), "metrics bind address must be set");
        require(grpcPort >= -1 && grpcPort <= 65535, "gRPC port must be in [0, 65535]: " + grpcPort);
    }

    private static void require(boolean ok, String message) {
        if (!ok) {
            throw new IllegalArgumentException(message);
        }
    }

    private static void positive(Duration d, String what) {
        require(d != null && d.toMillis() > 0, what + " must be positive: " + d);
    }

    public static ServerConfig defaults() {
        return builder().build();
    }

    public static Builder builder() {
        return new Builder();
    }

    public Builder toBuilder() {
        Builder b = new Builder();
        b.port = port;
        b.bindAddress = bindAddress;
        b.dataDir = dataDir;
        b.maxConnections = maxConnections;
        b.firstFrameTimeout = firstFrameTimeout;
        b.idleTimeout = idleTimeout;
        b.tokenIdleLifetime = tokenIdleLifetime;
        b.tokenMaxLifetime = tokenMaxLifetime;
        b.maxFrameBytes = maxFrameBytes;
        b.maxMessageChars = maxMessageChars;
        b.inboxCapacity = inboxCapacity;
        b.maxFetchWait = maxFetchWait;
        b.passwordIterations = passwordIterations;
        b.retention = retention;
        b.shutdownGrace = shutdownGrace;
        b.abuse = abuse;
        b.tls = tls;
        b.postgres = postgres;
        b.metricsPort = metricsPort;
        b.metricsBind = metricsBind;
        b.grpcPort = grpcPort;
        b.deviceHorizon = deviceHorizon;
        b.groups = groups;
        b.storageIo = storageIo;
        b.web = web;
        return b;
    }

    /** Starts from the defaults; {@link #build()} validates. */
    public static final class Builder {
        private int port = DEFAULT_PORT;
        private String bindAddress = "127.0.0.1";
        private Path dataDir = Path.of("wirechat-data");
        private int maxConnections = 10_000;
        private Duration firstFrameTimeout = Duration.ofSeconds(10);
        private Duration idleTimeout = Duration.ofMinutes(60);
        private Duration tokenIdleLifetime = Duration.ofMinutes(60);
        private Duration tokenMaxLifetime = Duration.ofHours(24);
        private int maxFrameBytes = Frame.MAX_FRAME_BYTES;
        private int maxMessageChars = Limits.BODY_MAX;
        private int inboxCapacity = 10_000;
        private Duration maxFetchWait = Duration.ofSeconds(30);
        private int metricsPort = -1;
        private int grpcPort = -1;
        private String metricsBind = "127.0.0.1";
        private int passwordIterations = PasswordHasher.DEFAULT_ITERATIONS;
        private Duration retention = Duration.ZERO;
        private Duration deviceHorizon = Duration.ofDays(30);
        private Duration shutdownGrace = Duration.ofSeconds(10);
        private AbuseLimits abuse = AbuseLimits.DEFAULTS;
        private GroupLimits groups = GroupLimits.DEFAULTS;
        private TlsSettings tls;
        private PostgresSettings postgres;
        private StorageIo storageIo = StorageIo.REAL;
        private WebSettings web = WebSettings.OFF;

        private Builder() {
        }

        public Builder port(int v) { port = v; return this; }
        public Builder bindAddress(String v) { bindAddress = v; return this; }
        public Builder dataDir(Path v) { dataDir = v; return this; }
        public Builder maxConnections(int v) { maxConnections = v; return this; }
        public Builder firstFrameTimeout(Duration v) { firstFrameTimeout = v; return this; }
        public Builder idleTimeout(Duration v) { idleTimeout = v; return this; }
        public Builder tokenIdleLifetime(Duration v) { tokenIdleLifetime = v; return this; }
        public Builder tokenMaxLifetime(Duration v) { tokenMaxLifetime = v; return this; }
        public Builder maxFrameBytes(int v) { maxFrameBytes = v; return this; }
        public Builder maxMessageChars(int v) { maxMessageChars = v; return this; }
        public Builder inboxCapacity(int v) { inboxCapacity = v; return this; }
        public Builder maxFetchWait(Duration v) { maxFetchWait = v; return this; }
        public Builder passwordIterations(int v) { passwordIterations = v; return this; }
        public Builder retention(Duration v) { retention = v; return this; }
        public Builder deviceHorizon(Duration v) { deviceHorizon = v; return this; }
        public Builder shutdownGrace(Duration v) { shutdownGrace = v; return this; }
        public Builder abuse(AbuseLimits v) { abuse = v; return this; }
        public Builder groups(GroupLimits v) { groups = v; return this; }
        public Builder tls(TlsSettings v) { tls = v; return this; }
        public Builder postgres(PostgresSettings v) { postgres = v; return this; }
        public Builder metricsPort(int v) { metricsPort = v; return this; }
        public Builder grpcPort(int v) { grpcPort = v; return this; }
        public Builder metricsBind(String v) { metricsBind = v; return this; }
        /** For fault injection tests only: the store writes through {@code v}. */
        public Builder storageIo(StorageIo v) { storageIo = v; return this; }
        public Builder web(WebSettings v) { web = v; return this; }

        public ServerConfig build() {
            return new ServerConfig(port, bindAddress, dataDir, maxConnections, firstFrameTimeout, idleTimeout,
                    tokenIdleLifetime, tokenMaxLifetime, maxFrameBytes, maxMessageChars, inboxCapacity,
                    maxFetchWait, passwordIterations, retention, shutdownGrace, abuse, tls, postgres, metricsPort, metricsBind, grpcPort, deviceHorizon,
                    groups, storageIo, web);
        }
    }
}
