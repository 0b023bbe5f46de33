package org.wirechat.server;

import java.io.BufferedReader;
import java.io.Console;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.Reader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.Callable;
import org.slf4j.LoggerFactory;
import org.wirechat.server.core.admission.AbuseLimits;
import org.wirechat.server.core.port.StoreException;
import org.wirechat.server.data.StoppedStore;
import org.wirechat.server.storage.SqliteStore;
import org.wirechat.server.tls.TlsSettings;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine;

/** {@code java -jar wirechat-server.jar [OPTIONS]}: runs the server until Ctrl-C or SIGTERM. */
@Command(name = "wirechat-server", mixinStandardHelpOptions = true, version = "wirechat server 0.1.0",
        sortOptions = false, usageHelpAutoWidth = true, subcommands = {ServerMain.Health.class, ServerMain.Admin.class},
        description = "Runs the wirechat chat server. Durations take a unit: 500ms, 10s, 60m, 24h, 7d.")
public final class ServerMain implements Callable<Integer> {
    private static final ServerConfig D = ServerConfig.defaults();

    @Option(names = "--config", paramLabel = "FILE", description = "Settings file: one 'name = value' a line, the names of "
            + "these options without the dashes (port = 50051). An option given on the command line wins over the environment "
            + "(WIRECHAT_PORT, WIRECHAT_MAX_CONNECTIONS, ...), which wins over the file, which wins over the default.")
    Path configFile;

    @Option(names = "--port", paramLabel = "PORT", description = "TCP port; 0 picks a free one (default: ${DEFAULT-VALUE}).")
    int port = D.port();

    @Option(names = "--bind", paramLabel = "ADDRESS", description = "Address to listen on (default: ${DEFAULT-VALUE}, loopback only; 0.0.0.0 for all).")
    String bind = D.bindAddress();

    @Option(names = "--data-dir", paramLabel = "DIR", description = "Directory for the database (default: ${DEFAULT-VALUE}).")
    Path dataDir = D.dataDir();

    @Option(names = "--max-connections", paramLabel = "N", description = "Open connections at most; the next is told 'server busy' (default: ${DEFAULT-VALUE}).")
    int maxConnections = D.maxConnections();

    @Option(names = "--first-frame-timeout", paramLabel = "DURATION", converter = DurationConverter.class,
            description = "How long a new connection may take to send its first request (default: 10s).")
    Duration firstFrameTimeout = D.firstFrameTimeout();

    @Option(names = "--idle-timeout", paramLabel = "DURATION", converter = DurationConverter.class,
            description = "Close connections that send nothing for this long (default: 60m).")
    Duration idleTimeout = D.idleTimeout();

    @Option(names = "--token-idle", paramLabel = "DURATION", converter = DurationConverter.class,
            description = "A login token unused this long expires (default: 60m).")
    Duration tokenIdle = D.tokenIdleLifetime();

    @Option(names = "--token-max", paramLabel = "DURATION", converter = DurationConverter.class,
            description = "A login token expires this long after login, used or not (default: 24h).")
    Duration tokenMax = D.tokenMaxLifetime();

    @Option(names = "--max-frame-bytes", paramLabel = "BYTES", description = "Largest request frame accepted, 8192 to 65536 (default: ${DEFAULT-VALUE}).")
    int maxFrameBytes = D.maxFrameBytes();

    @Option(names = "--max-message-chars", paramLabel = "N", description = "Longest message body, 1 to 1000 characters (default: ${DEFAULT-VALUE}).")
    int maxMessageChars = D.maxMessageChars();

    @Option(names = "--inbox-capacity", paramLabel = "N", description = "Undelivered messages one user may have waiting; more are refused with 'inbox full' (default: ${DEFAULT-VALUE}).")
    int inboxCapacity = D.inboxCapacity();

    @Option(names = "--max-fetch-wait", paramLabel = "DURATION", converter = DurationConverter.class,
            description = "Longest a client's inbox poll may wait for mail (default: 30s).")
    Duration maxFetchWait = D.maxFetchWait();

    @Option(names = "--password-iterations", paramLabel = "N", description = "PBKDF2-HMAC-SHA256 iterations for password hashes (default: ${DEFAULT-VALUE}, OWASP's advice).")
    int passwordIterations = D.passwordIterations();

    @Option(names = "--retention", paramLabel = "DURATION", converter = DurationConverter.class,
            description = "Keep delivered messages in history this long; 0 keeps them forever (default: 0).")
    Duration retention = D.retention();

    @Option(names = "--device-horizon", paramLabel = "DURATION", converter = DurationConverter.class,
            description = "A device of an account that has not asked for its mail for this long no longer holds the"
                    + " account's messages; back, it is told how many it missed (they are in history) (default: 30d).")
    Duration deviceHorizon = D.deviceHorizon();

    @Option(names = "--shutdown-grace", paramLabel = "DURATION", converter = DurationConverter.class,
            description = "At shutdown, how long requests in progress may take to finish (default: 10s).")
    Duration shutdownGrace = D.shutdownGrace();

    private static final GroupLimits G = GroupLimits.DEFAULTS;

    @Option(names = "--group-members-max", paramLabel = "N", description = "Members one group may have (default: ${DEFAULT-VALUE}).")
    int groupMembersMax = G.membersPerGroup();

    @Option(names = "--groups-per-user-max", paramLabel = "N", description = "Groups one user may be a member of (default: ${DEFAULT-VALUE}).")
    int groupsPerUserMax = G.groupsPerUser();

    @Option(names = "--group-message-rate", paramLabel = "N", description = "Messages a second one user may send to one group,"
            + " sustained; faster ones are refused 'rate limited' with the wait (default: ${DEFAULT-VALUE}).")
    int groupMessageRate = G.messagesPerSecond();

    @Option(names = "--group-message-burst", paramLabel = "N", description = "Messages one user may send to one group at once"
            + " above that rate (default: ${DEFAULT-VALUE}).")
    int groupMessageBurst = G.messageBurst();

    private static final AbuseLimits A = AbuseLimits.DEFAULTS;

    @Option(names = "--max-connections-per-address", paramLabel = "N", description = "Open connections from one IP address at most (default: ${DEFAULT-VALUE}).")
    int connectionsPerAddress = A.connectionsPerAddress();

    @Option(names = "--request-rate", paramLabel = "N", description = "Requests a second one connection may sustain; faster ones are slowed, then refused (default: ${DEFAULT-VALUE}).")
    int requestRate = A.requestsPerSecond();

    @Option(names = "--request-burst", paramLabel = "N", description = "Requests one connection may send at once above its rate (default: ${DEFAULT-VALUE}).")
    int requestBurst = A.requestBurst();

    @Option(names = "--login-failures-per-account", paramLabel = "N", description = "Failed logins for one username from one address "
            + "before that address must wait, 1 s doubling; from anywhere, before addresses new to the account must wait (default: ${DEFAULT-VALUE}).")
    int loginFailuresPerAccount = A.loginFailuresPerAccount();

    @Option(names = "--login-failures-per-address", paramLabel = "N", description = "Failed logins from one address before its attempts must wait (default: ${DEFAULT-VALUE}).")
    int loginFailuresPerAddress = A.loginFailuresPerAddress();

    @Option(names = "--login-backoff-max", paramLabel = "DURATION", converter = DurationConverter.class,
            description = "Longest wait after failed logins; failures are forgotten after this long (default: 15m).")
    Duration loginBackoffMax = A.loginBackoffMax();

    @Option(names = "--login-account-wait-max", paramLabel = "DURATION", converter = DurationConverter.class,
            description = "Longest wait the failed logins of a username from anywhere impose on an address new to the account; "
                    + "an address it logged in from within 30 days never waits for them (default: 1m).")
    Duration loginAccountWaitMax = A.loginAccountWaitMax();

    @Option(names = "--accounts-per-address-per-hour", paramLabel = "N", description = "Accounts one address may create an hour (default: ${DEFAULT-VALUE}).")
    int accountsPerAddressPerHour = A.accountsPerAddressPerHour();

    @Option(names = "--logins-per-account-per-minute", paramLabel = "N", description = "Password checks (logins, right or wrong) "
            + "for one username a minute on this server; more are answered 'rate limited' before any hashing (default: ${DEFAULT-VALUE}).")
    int loginsPerAccountPerMinute = A.loginsPerAccountPerMinute();

    @Option(names = "--sessions-per-account", paramLabel = "N", description = "Live logins (tokens) one account may hold; "
            + "a login beyond it ends the account's oldest session (default: ${DEFAULT-VALUE}).")
    int sessionsPerAccount = A.sessionsPerAccount();

    @Option(names = "--frame-timeout", paramLabel = "DURATION", converter = DurationConverter.class,
            description = "A request must arrive whole within this once it has started (default: 30s).")
    Duration frameTimeout = A.frameTimeout();

    @Option(names = "--write-timeout", paramLabel = "DURATION", converter = DurationConverter.class,
            description = "Close a connection whose client does not read its responses for this long (default: 30s).")
    Duration writeTimeout = A.writeTimeout();

    @Option(names = "--tls-keystore", paramLabel = "FILE", description = "Serve TLS (1.3, or 1.2) with this PKCS12 key store; its password comes from "
            + "--tls-password-file or the WIRECHAT_TLS_PASSWORD environment variable. scripts/make-cert makes one.")
    Path tlsKeyStore;

    @Option(names = "--tls-password-file", paramLabel = "FILE", description = "File holding the key store password (first line).")
    Path tlsPasswordFile;

    @Option(names = "--store", paramLabel = "URL", description = "Keep the data in a PostgreSQL database shared with other "
            + "wirechat servers instead of SQLite in --data-dir: postgresql://HOST:PORT/DATABASE?user=NAME. The password comes "
            + "from --store-password-file or the WIRECHAT_DB_PASSWORD environment variable, never the URL. See docs/deployment.md.")
    String store;

    @Option(names = "--store-password-file", paramLabel = "FILE", description = "File holding the database password (first line).")
    Path storePasswordFile;

    @Option(names = "--store-pool-size", paramLabel = "N", description = "Connections this server keeps to PostgreSQL (default: ${DEFAULT-VALUE}).")
    int storePoolSize = PostgresSettings.DEFAULT_POOL_SIZE;

    @Option(names = "--metrics-port", paramLabel = "PORT", description = "Serve /metrics (Prometheus), /health/live and "
            + "/health/ready over HTTP on this port (0: any free one; default: none).")
    int metricsPort = -1;

    @Option(names = "--grpc-port", paramLabel = "PORT", description = "Also serve the gRPC transport (service wirechat.v1.Chat,"
            + " docs/grpc.md) on this port, on the same address, stores, limits and TLS (0: any free one; default: none).")
    int grpcPort = -1;

    @Option(names = "--metrics-bind", paramLabel = "ADDRESS", description = "Address the metrics port listens on "
            + "(default: ${DEFAULT-VALUE}, loopback only).")
    String metricsBind = "127.0.0.1";

    @Option(names = "--web-port", paramLabel = "PORT", description = "Also serve the web client at / and the wire protocol "
            + "over WebSocket at /ws on this port, with the same stores, limits and TLS (0: any free one; default: none).")
    int webPort = -1;

    @Option(names = "--web-bind", paramLabel = "ADDRESS", description = "Address the web port listens on "
            + "(default: ${DEFAULT-VALUE}, loopback only; 0.0.0.0 for all).")
    String webBind = "127.0.0.1";

    @Option(names = "--web-origin", paramLabel = "ORIGIN", split = ",", description = "A page origin allowed to open /ws "
            + "(https://chat.example.org; repeat, or separate with commas). Default: only the server's own origin; given, "
            + "only those listed.")
    List<String> webOrigins = new ArrayList<>();

    @Option(names = "--print-config", description = "Print the settings in effect (command line, environment, file, "
            + "defaults), secrets masked, and exit.")
    boolean printConfig;

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    /** How the server writes its log. */
    enum LogFormat { TEXT, JSON }

    @Option(names = "--log-format", paramLabel = "FORMAT", description = "text (default) or json: one JSON object a line "
            + "(Logback's JsonEncoder), for log shippers. The same as the environment variable WIRECHAT_LOG_FORMAT.")
    LogFormat logFormat;

    /** The exit status after a fatal error stopped the server (EX_SOFTWARE): a supervisor should restart it. */
    static final int EXIT_FATAL = 70;

    private PrintStream out = System.out;
    private PrintStream err = System.err;

    public static void main(String[] args) {
        int status = run(args, System.out, System.err);
        if (status != 0) {
            System.exit(status);
        }
    }

    /** Parses the arguments and runs the server until it is stopped; returns the exit status. */
    public static int run(String[] args, PrintStream out, PrintStream err) {
        return run(args, System.getenv(), out, err);
    }

    /** {@link #run(String[], PrintStream, PrintStream)} with the environment the settings are read from. */
    static int run(String[] args, Map<String, String> env, PrintStream out, PrintStream err) {
        ServerMain main = new ServerMain();
        main.out = out;
        main.err = err;
        CommandLine cl = new CommandLine(main).setCaseInsensitiveEnumValuesAllowed(true);
        cl.setOut(new PrintWriter(out, true, StandardCharsets.UTF_8));
        cl.setErr(new PrintWriter(err, true, StandardCharsets.UTF_8));
        Settings settings;
        try {
            settings = Settings.from(args, env, cl);
        } catch (IllegalArgumentException e) {
            err.println("wirechat-server: " + e.getMessage());
            return 2;
        }
        cl.setDefaultValueProvider(settings);
        return cl.execute(args);
    }

    /**
     * Where an option not given on the command line takes its value from: the environment variable
     * {@code WIRECHAT_} + its name in capitals with '_' for '-', then the {@code --config} file, then
     * (returning {@code null}) its default.
     */
    static final class Settings implements CommandLine.IDefaultValueProvider {
        private final Map<String, String> env;
        private final Properties file;
        /** The options on the command line: it wins, so their other sources are neither read nor checked. */
        private final Set<String> given = new HashSet<>();

        private Settings(Map<String, String> env, Properties file) {
            this.env = env;
            this.file = file;
        }

        /** Reads the {@code --config} file named in {@code args}, if any, and checks its names against the options. */
        static Settings from(String[] args, Map<String, String> env, CommandLine cl) {
            Properties file = new Properties();
            String path = null;
            for (int i = 0; i < args.length; i++) {
                if (args[i].equals("--config") && i + 1 < args.length) {
                    path = args[i + 1];
                } else if (args[i].startsWith("--config=")) {
                    path = args[i].substring("--config=".length());
                }
            }
            if (path == null) {
                path = env.get("WIRECHAT_CONFIG");
            }
            if (path != null) {
                try (Reader r = Files.newBufferedReader(Path.of(path), StandardCharsets.UTF_8)) {
                    file.load(r);
                } catch (IOException | RuntimeException e) {
                    throw new IllegalArgumentException("cannot read the settings file " + path + ": " + e.getMessage());
                }
                Set<String> known = new HashSet<>();
                cl.getCommandSpec().options().forEach(o -> known.add(name(o)));
                for (String key : file.stringPropertyNames()) {
                    if (!known.contains(key) || key.equals("config") || key.equals("help") || key.equals("version")) {
                        throw new IllegalArgumentException("unknown setting '" + key + "' in " + path
                                + " (the names are the options' without the dashes: wirechat-server --help lists them)");
                    }
                }
            }
            Settings settings = new Settings(env, file);
            settings.check(args, path, cl);
            return settings;
        }

        private static String variable(String name) {
            return "WIRECHAT_" + name.toUpperCase(Locale.ROOT).replace('-', '_');
        }

        /**
         * Reads each value the environment or the file gives an option that the command line does not, as the option
         * would, so that a bad one is refused naming where it came from ({@code WIRECHAT_PORT: 'abc' is not a number}).
         */
        private void check(String[] args, String path, CommandLine cl) {
            for (String a : args) {
                if (a.startsWith("--")) {
                    given.add(a.contains("=") ? a.substring(2, a.indexOf('=')) : a.substring(2));
                }
            }
            for (CommandLine.Model.OptionSpec o : cl.getCommandSpec().options()) {
                String name = name(o);
                if (given.contains(name) || o.usageHelp() || o.versionHelp() || name.equals("config")) {
                    continue;
                }
                String source = variable(name);
                String value = env.get(source);
                if (value == null && file.getProperty(name) != null) {
                    source = "'" + name + "' in " + path;
                    value = file.getProperty(name).strip();
                }
                if (value != null) {
                    try {
                        read(o, value);
                    } catch (RuntimeException e) {
                        throw new IllegalArgumentException(source + ": " + e.getMessage());
                    }
                }
            }
        }

        /** Converts the value as picocli will, throwing a sentence that says what is wrong with it. */
        private static void read(CommandLine.Model.OptionSpec o, String value) {
            if (o.converters().length > 0) {
                try {
                    o.converters()[0].convert(value);
                } catch (CommandLine.TypeConversionException e) {
                    throw e;
                } catch (Exception e) {
                    throw new IllegalArgumentException("'" + value + "' is not valid for --" + name(o) + ": " + e.getMessage(), e);
                }
                return;
            }
            Class<?> type = o.type();
            if (type == int.class || type == Integer.class) {
                try {
                    Integer.parseInt(value);
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("'" + value + "' is not a whole number (--" + name(o) + ")", e);
                }
            } else if (type.isEnum()) {
                boolean known = Arrays.stream(type.getEnumConstants()).anyMatch(c -> ((Enum<?>) c).name().equalsIgnoreCase(value));
                if (!known) {
                    throw new IllegalArgumentException("'" + value + "' is not one of " + Arrays.stream(type.getEnumConstants())
                            .map(c -> ((Enum<?>) c).name().toLowerCase(Locale.ROOT)).toList() + " (--" + name(o) + ")");
                }
            } else if (type == boolean.class || type == Boolean.class) {
                if (!value.equalsIgnoreCase("true") && !value.equalsIgnoreCase("false")) {
                    throw new IllegalArgumentException("'" + value + "' is neither true nor false (--" + name(o) + ")");
                }
            }
        }

        private static String name(CommandLine.Model.OptionSpec o) {
            return o.longestName().replaceFirst("^--", "");
        }

        @Override
        public String defaultValue(CommandLine.Model.ArgSpec arg) {
            if (!(arg instanceof CommandLine.Model.OptionSpec o) || o.usageHelp() || o.versionHelp()) {
                return null;
            }
            String name = name(o);
            if (name.equals("config")) {
                return null;
            }
            if (given.contains(name)) {
                return null;
            }
            String fromEnv = env.get(variable(name));
            if (fromEnv != null) {
                return fromEnv;
            }
            String fromFile = file.getProperty(name);
            return fromFile == null ? null : fromFile.strip();
        }
    }

    ServerConfig config() throws IOException {
        return ServerConfig.builder().port(port).bindAddress(bind).dataDir(dataDir).maxConnections(maxConnections)
                .firstFrameTimeout(firstFrameTimeout).idleTimeout(idleTimeout).tokenIdleLifetime(tokenIdle)
                .tokenMaxLifetime(tokenMax).maxFrameBytes(maxFrameBytes).maxMessageChars(maxMessageChars)
                .inboxCapacity(inboxCapacity).maxFetchWait(maxFetchWait).passwordIterations(passwordIterations)
                .retention(retention).deviceHorizon(deviceHorizon).shutdownGrace(shutdownGrace)
                .abuse(new AbuseLimits(connectionsPerAddress, requestRate, requestBurst,
                        loginFailuresPerAccount, loginFailuresPerAddress, loginBackoffMax, accountsPerAddressPerHour,
                        loginsPerAccountPerMinute, sessionsPerAccount, frameTimeout, writeTimeout, loginAccountWaitMax))
                .groups(new GroupLimits(groupMembersMax, groupsPerUserMax, groupMessageRate, groupMessageBurst))
                .tls(tls())
                .postgres(postgres())
                .metricsPort(metricsPort).metricsBind(metricsBind)
                .grpcPort(grpcPort)
                .web(new WebSettings(webPort, webBind, webOrigins))
                .build();
    }

    private PostgresSettings postgres() throws IOException {
        if (store == null) {
            if (storePasswordFile != null) {
                throw new IllegalArgumentException("--store-password-file needs --store");
            }
            return null;
        }
        char[] password = new char[0];
        if (storePasswordFile != null) {
            password = Files.readAllLines(storePasswordFile, StandardCharsets.UTF_8).stream().findFirst()
                    .orElse("").toCharArray();
        } else if (System.getenv("WIRECHAT_DB_PASSWORD") != null) {
            password = System.getenv("WIRECHAT_DB_PASSWORD").toCharArray();
        }
        return new PostgresSettings(store, password, storePoolSize);
    }

    private TlsSettings tls() throws IOException {
        if (tlsKeyStore == null) {
            if (tlsPasswordFile != null) {
                throw new IllegalArgumentException("--tls-password-file needs --tls-keystore");
            }
            return null;
        }
        char[] password;
        if (tlsPasswordFile != null) {
            String first = Files.readAllLines(tlsPasswordFile, StandardCharsets.UTF_8).stream().findFirst().orElse("");
            password = first.toCharArray();
        } else if (System.getenv("WIRECHAT_TLS_PASSWORD") != null) {
            password = System.getenv("WIRECHAT_TLS_PASSWORD").toCharArray();
        } else {
            throw new IllegalArgumentException("--tls-keystore needs its password: set WIRECHAT_TLS_PASSWORD or use --tls-password-file");
        }
        return new TlsSettings(tlsKeyStore, password);
    }

    /**
     * The settings in effect, one {@code name = value} a line, as a settings file holds them, so that the output fed
     * back with {@code --config} gives the same settings: durations in the options' syntax ({@code 60m}), an unset
     * option as a comment, secrets masked.
     */
    String effectiveSettings() {
        StringBuilder b = new StringBuilder("# wirechat-server settings in effect (command line, environment, settings file,"
                + " defaults); a valid --config file\n");
        for (CommandLine.Model.OptionSpec o : spec.options()) {
            String name = o.longestName().replaceFirst("^--", "");
            if (o.usageHelp() || o.versionHelp() || name.equals("print-config") || name.equals("config")) {
                continue;
            }
            Object v = o.getValue();
            if (v == null || (v instanceof Integer i && i == -1) || (v instanceof List<?> l && l.isEmpty())) {
                b.append("# ").append(name).append(" = (not set)\n");
                continue;
            }
            String shown = switch (v) {
                case Duration d -> DurationConverter.format(d);
                case Enum<?> e -> e.name().toLowerCase(Locale.ROOT);
                case List<?> l -> String.join(",", l.stream().map(String::valueOf).toList());
                default -> v.toString();
            };
            // a password never travels in a setting (files and environment variables hold them), but a URL may carry one
            shown = shown.replaceAll("(?i)(password=)[^&]*", "$1***");
            b.append(name).append(" = ").append(shown).append('\n');
        }
        b.append("# TLS key store password: ").append(System.getenv("WIRECHAT_TLS_PASSWORD") != null
                ? "set in WIRECHAT_TLS_PASSWORD (not shown)" : "from tls-password-file, if any").append('\n');
        b.append("# database password: ").append(System.getenv("WIRECHAT_DB_PASSWORD") != null
                ? "set in WIRECHAT_DB_PASSWORD (not shown)" : "from store-password-file, if any").append('\n');
        return b.toString();
    }

    @Override
    public Integer call() {
        if (printConfig) {
            out.print(effectiveSettings());
            out.flush();
            return 0;
        }
        ServerConfig config;
        try {
            config = config();
        } catch (IllegalArgumentException e) {
            err.println("wirechat-server: " + e.getMessage());
            return 2;
        } catch (IOException e) {
            err.println("wirechat-server: cannot read a password file: " + e.getMessage());
            return 2;
        }
        if (logFormat != null) {
            useLogFormat(logFormat);
        }
        OpenFileLimit.check(config);
        WireServer server;
        try {
            server = WireServer.start(config);
        } catch (IOException | StoreException e) {
            err.println("wirechat-server: " + e.getMessage());
            return 1;
        }
        Runtime.getRuntime().addShutdownHook(new Thread(server::close, "shutdown"));
        out.println("wirechat server listening on " + server.address().getAddress().getHostAddress() + ":"
                + server.port() + (config.tls() == null ? "" : " with TLS") + " (data in "
                + server.storeDescription() + "); Ctrl-C stops it");
        server.webPort().ifPresent(p -> out.println("web client on " + WireServer.webUrl(config, p)));
        server.awaitTermination();
        return server.failure().isPresent() ? EXIT_FATAL : 0;
    }

    /**
     * Configures Logback again (it has been configured already, with logback.xml) with the built-in
     * configuration for the format: logback.xml for text, logback-json.xml for JSON. (With a logback.xml of
     * one's own, choose the encoder there and leave this option out.)
     */
    private static void useLogFormat(LogFormat format) {
        if (!(LoggerFactory.getILoggerFactory() instanceof ch.qos.logback.classic.LoggerContext context)) {
            return;
        }
        context.reset();
        ch.qos.logback.classic.joran.JoranConfigurator configurator = new ch.qos.logback.classic.joran.JoranConfigurator();
        configurator.setContext(context);
        try {
            configurator.doConfigure(ServerMain.class.getResource(format == LogFormat.JSON ? "/logback-json.xml" : "/logback.xml"));
        } catch (ch.qos.logback.core.joran.spi.JoranException e) {
            throw new IllegalStateException("the logging configuration cannot be read", e);
        }
    }

    /** {@code wirechat-server health}: asks a running server whether it is ready, for scripts and service managers. */
    @Command(name = "health", mixinStandardHelpOptions = true,
            description = "Asks a running server's /health/ready (on its --metrics-port) and prints the answer;"
                    + " exit status 0 if ready, 1 if not, 2 if it cannot be asked.")
    static final class Health implements Callable<Integer> {
        @Option(names = "--config", paramLabel = "FILE", description = "The server's settings file (its metrics-port and metrics-bind are used).")
        Path configFile;

        @Option(names = "--metrics-port", paramLabel = "PORT", description = "The server's metrics port.")
        int port = -1;

        @Option(names = "--metrics-bind", paramLabel = "ADDRESS", description = "Its address (default: ${DEFAULT-VALUE}).")
        String host = "127.0.0.1";

        @Option(names = "--timeout", paramLabel = "DURATION", converter = DurationConverter.class,
                description = "How long to wait for the answer (default: 5s).")
        Duration timeout = Duration.ofSeconds(5);

        @picocli.CommandLine.Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            if (port < 0) {
                spec.commandLine().getErr().println("wirechat-server health: which port? give --metrics-port"
                        + " (or WIRECHAT_METRICS_PORT, or --config with metrics-port)");
                return 2;
            }
            String h = host.contains(":") ? "[" + host + "]" : host;
            URI uri = URI.create("http://" + h + ":" + port + "/health/ready");
            try (HttpClient http = HttpClient.newBuilder().connectTimeout(timeout).build()) {
                HttpResponse<String> r = http.send(HttpRequest.newBuilder(uri).timeout(timeout).build(),
                        HttpResponse.BodyHandlers.ofString());
                spec.commandLine().getOut().print(r.body());
                spec.commandLine().getOut().flush();
                return r.statusCode() == 200 ? 0 : 1;
            } catch (IOException e) {
                spec.commandLine().getErr().println("wirechat-server health: cannot ask " + uri + ": " + e);
                return 2;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return 2;
            }
        }
    }

    /**
     * {@code wirechat-server admin}: administration of the server running on a data directory, through its
     * administration socket (only its own user can use it); {@code restore} works on a stopped server's.
     */
    @Command(name = "admin", mixinStandardHelpOptions = true,
            description = {"Administers the server running on the data directory, as its own user:",
                "  users list [PATTERN]   accounts (wildcards * and ?), with who is online",
                "  users show NAME        one account: full name, id, online, undelivered messages",
                "  users reset-password NAME   sets a new password (asked twice, or the first line of --password-file",
                "                         or of standard input) and revokes every login of the account",
                "  users disable NAME     the account cannot log in (ACCOUNT_DISABLED); its logins are revoked",
                "  users enable NAME      it can log in again",
                "  users delete NAME      deletes the account (refused while it has undelivered messages)",
                "  check [DIR]            checks the data directory (or DIR: a backup or a stopped server's data directory):",
                "                         the database, the message log against it, a backup's files against its manifest",
                "  backup DEST            a consistent copy of the data, with a manifest, into the new directory DEST",
                "                         (while it serves, or of a stopped server's data directory)",
                "  restore SRC            checks the backup SRC against its manifest, then copies it into the data directory",
                "                         of a stopped server (it must hold no data)",
                "  accept-log-damage      a stopped server's damaged message log: goes on without the lost messages",
                "                         (their ids are never given out again); the server then starts",
                "Exit status: 0 done, 1 refused or failed, 2 no server there (or a usage error), 3 damage found (check)",
                "or the backup is damaged or incomplete (restore), 4 not a backup (restore), 5 a server runs on the",
                "directory, or it holds data (restore, accept-log-damage)."})
    static final class Admin implements Callable<Integer> {
        @Option(names = "--data-dir", paramLabel = "DIR", description = "The server's data directory (default: ${DEFAULT-VALUE}).")
        Path dataDir = D.dataDir();

        @Option(names = "--config", paramLabel = "FILE", description = "The server's settings file (its data-dir is used).")
        Path configFile;

        @Option(names = "--password-file", paramLabel = "FILE", description = "users reset-password: the new password, first line.")
        Path passwordFile;

        @picocli.CommandLine.Parameters(paramLabel = "COMMAND", arity = "1..*", description = "What to do (see above).")
        List<String> words;

        @picocli.CommandLine.Spec
        picocli.CommandLine.Model.CommandSpec spec;

        @Override
        public Integer call() {
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            Integer offline = offlineCommand(words, dataDir, out, err);
            if (offline != null) {
                return offline;
            }
            List<String> request = new ArrayList<>(words);
            if (request.size() == 3 && request.get(0).equals("users") && request.get(1).equals("reset-password")) {
                String password;
                try {
                    password = newPassword(System.console(), passwordFile, request.get(2));
                } catch (IOException | IllegalArgumentException e) {
                    err.println("wirechat-server admin: " + e.getMessage());
                    return 2;
                }
                request.add(password); // over the socket only this user can use; the server never logs it
            }
            if (request.size() == 2 && request.get(0).equals("backup")) {
                request.set(1, Path.of(request.get(1)).toAbsolutePath().toString()); // the server's directory is not ours
            }
            List<String> answer;
            try {
                answer = AdminServer.ask(dataDir, request);
            } catch (IOException e) {
                err.println("wirechat-server admin: no server is running on " + dataDir.toAbsolutePath()
                        + " that this user may administer (" + e.getMessage() + ")");
                return 2;
            }
            boolean ok = !answer.isEmpty() && answer.get(0).equals("OK");
            PrintWriter to = ok ? out : err;
            answer.stream().skip(1).forEach(to::println);
            to.flush();
            return ok ? 0 : 1;
        }
    }

    /**
     * The commands that work without a server: restore and accept-log-damage always, check and backup on a
     * stopped server's SQLite data directory (under its lock; while a server holds it they go through its
     * socket) and check on a backup. Returns the exit status, or null for a command for the socket.
     */
    private static Integer offlineCommand(List<String> words, Path dataDir, PrintWriter out, PrintWriter err) {
        String command = words.get(0);
        boolean sqlite = Files.isRegularFile(dataDir.resolve(SqliteStore.DATABASE_FILE));
        try {
            switch (command) {
                case "restore" -> {
                    if (words.size() != 2) {
                        err.println("usage: wirechat-server admin restore SRC [--data-dir DIR]");
                        return 2;
                    }
                    out.println(StoppedStore.restore(Path.of(words.get(1)), dataDir));
                    return 0;
                }
                case "accept-log-damage" -> {
                    if (words.size() != 1) {
                        err.println("usage: wirechat-server admin accept-log-damage [--data-dir DIR]");
                        return 2;
                    }
                    try (var stopped = StoppedStore.open(dataDir)) {
                        out.println(stopped.acceptLogDamage());
                        return 0;
                    }
                }
                case "check" -> {
                    if (words.size() > 2) {
                        err.println("usage: wirechat-server admin check [DIR] [--data-dir DIR]");
                        return 2;
                    }
                    Path target = words.size() == 2 ? Path.of(words.get(1)) : dataDir;
                    StoppedStore.Checked checked;
                    if (StoppedStore.isBackup(target)) {
                        checked = StoppedStore.checkBackup(target);
                    } else if (words.size() == 2 || sqlite) {
                        try (var stopped = StoppedStore.open(target)) {
                            checked = stopped.check();
                        } catch (StoppedStore.Refused e) {
                            if (words.size() == 2 && !target.toAbsolutePath().normalize().equals(dataDir.toAbsolutePath().normalize())) {
                                throw e;
                            }
                            return null; // a server runs on it: ask it
                        }
                    } else {
                        return null;
                    }
                    (checked.sound() ? out : err).println(checked.report());
                    return checked.sound() ? 0 : StoppedStore.Refusal.DAMAGED.exitStatus();
                }
                case "backup" -> {
                    if (words.size() != 2 || !sqlite) {
                        return null;
                    }
                    try (var stopped = StoppedStore.open(dataDir)) {
                        out.println(stopped.backup(Path.of(words.get(1)).toAbsolutePath()));
                        return 0;
                    } catch (StoppedStore.Refused e) {
                        return null; // a server runs on it: it takes the backup while it serves
                    }
                }
                default -> {
                    return null;
                }
            }
        } catch (StoppedStore.Refused e) {
            err.println("wirechat-server admin: " + e.getMessage());
            return e.refusal().exitStatus();
        } catch (IOException | RuntimeException e) {
            err.println("wirechat-server admin: " + (e.getMessage() == null ? e.toString() : e.getMessage()));
            return 1;
        }
    }

    /** The new password: from the file, asked twice at a terminal, or the first line of standard input. */
    private static String newPassword(Console console, Path file, String user) throws IOException {
        if (file != null) {
            List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
            if (lines.isEmpty()) {
                throw new IllegalArgumentException(file + " is empty");
            }
            return lines.get(0);
        }
        if (console != null) {
            char[] a = console.readPassword("New password for %s: ", user);
            char[] b = console.readPassword("Again: ");
            if (a == null || b == null || !Arrays.equals(a, b)) {
                throw new IllegalArgumentException("the passwords differ — nothing changed");
            }
            return new String(a);
        }
        String line = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
        if (line == null) {
            throw new IllegalArgumentException("no password on standard input");
        }
        return line;
    }

    /** Reads 500ms, 10s, 60m, 24h, 7d, 0, or an ISO-8601 duration (PT1H). */
    static final class DurationConverter implements CommandLine.ITypeConverter<Duration> {
        /** The duration as the converter reads it: 0, or a whole number of the largest unit that divides it (60m, 90s). */
        static String format(Duration d) {
            if (d.isZero()) {
                return "0";
            }
            if (d.isNegative() || d.toNanosPart() % 1_000_000 != 0) {
                return d.toString();
            }
            long ms = d.toMillis();
            long[] units = {Duration.ofDays(1).toMillis(), Duration.ofHours(1).toMillis(), Duration.ofMinutes(1).toMillis(),
                Duration.ofSeconds(1).toMillis(), 1};
            String[] names = {"d", "h", "m", "s", "ms"};
            for (int i = 0; i < units.length; i++) {
                if (ms % units[i] == 0) {
                    return ms / units[i] + names[i];
                }
            }
            throw new AssertionError(d);
        }

        @Override
        public Duration convert(String value) {
            String v = value.trim().toLowerCase(Locale.ROOT);
            if (v.equals("0")) {
                return Duration.ZERO;
            }
            if (v.startsWith("p")) {
                return Duration.parse(value.trim());
            }
            int split = 0;
            while (split < v.length() && Character.isDigit(v.charAt(split))) {
                split++;
            }
            if (split == 0 || split == v.length()) {
                throw new CommandLine.TypeConversionException("'" + value + "' is not a duration: use a number and a unit, e.g. 30s, 60m, 24h");
            }
            long n = Long.parseLong(v.substring(0, split));
            return switch (v.substring(split)) {
                case "ms" -> Duration.ofMillis(n);
                case "s" -> Duration.ofSeconds(n);
                case "m" -> Duration.ofMinutes(n);
                case "h" -> Duration.ofHours(n);
                case "d" -> Duration.ofDays(n);
                default -> throw new CommandLine.TypeConversionException("'" + value + "': unknown unit; use ms, s, m, h or d");
            };
        }
    }
}
