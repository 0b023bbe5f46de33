package org.wirechat.server;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Comparator;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Assumptions;
import org.wirechat.server.storage.SchemaTemplate;

/**
 * One throwaway PostgreSQL cluster per test JVM, started by {@code scripts/pg-cluster} in a temporary
 * directory on a free loopback port the first time a test asks for it, and stopped (its directory
 * deleted, without holding up the JVM's exit) when the JVM exits. Each test gets a database of its own.
 *
 * <p>Without PostgreSQL's server programs the PostgreSQL tests are skipped, saying why; with
 * {@code WIRECHAT_REQUIRE_POSTGRES} set (as {@code .ci/run} sets it) they fail instead.
 */
public final class PostgresCluster {
    private static final Pattern STARTED = Pattern.compile("port=(\\d+) user=(\\w+)");
    private static final AtomicInteger databases = new AtomicInteger();
    private static PostgresCluster instance;
    private static String unavailable;

    private final Path dir;
    private final int port;
    private final String user;
    /** Makes the databases, one ahead of the tests (a daemon: the JVM's exit does not wait for it). */
    private final ExecutorService creator = Executors.newSingleThreadExecutor(
            Thread.ofPlatform().daemon().name("create-database").factory());
    private Future<String> next;
    private Future<String> nextMigrated;
    /** The database {@link #newMigratedDatabase()} copies, once made. */
    private String template;

    private PostgresCluster(Path dir, int port, String user) {
        this.dir = dir;
        this.port = port;
        this.user = user;
    }

    /** The cluster, started if needed; skips (or fails, in CI) the calling test when it cannot be had. */
    public static synchronized PostgresCluster get() {
        if (instance == null && unavailable == null) {
            try {
                instance = start();
            } catch (IOException | InterruptedException e) {
                unavailable = e.getMessage();
            }
        }
        if (instance == null) {
            String why = "PostgreSQL is not available here (" + unavailable + ")";
            if (System.getenv("WIRECHAT_REQUIRE_POSTGRES") != null) {
                throw new AssertionError(why + ", and WIRECHAT_REQUIRE_POSTGRES is set");
            }
            Assumptions.abort(why + ": the PostgreSQL tests are skipped");
        }
        return instance;
    }

    private static PostgresCluster start() throws IOException, InterruptedException {
        Path dir = Files.createTempDirectory("wirechat-pg-");
        Path data = dir.resolve("data");
        ProcessBuilder start = new ProcessBuilder("bash", script().toString(), "start", data.toString()).redirectErrorStream(true);
        start.environment().put("WIRECHAT_PG_DURABLE", "off"); // no test crashes PostgreSQL itself: no fsync to wait for
        Process p = start.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(120, TimeUnit.SECONDS) || p.exitValue() != 0) {
            p.destroyForcibly();
            deleteTree(dir);
            throw new IOException("scripts/pg-cluster start failed: " + out.strip());
        }
        Matcher m = STARTED.matcher(out);
        if (!m.find()) {
            throw new IOException("scripts/pg-cluster said: " + out.strip());
        }
        PostgresCluster cluster = new PostgresCluster(dir, Integer.parseInt(m.group(1)), m.group(2));
        Runtime.getRuntime().addShutdownHook(new Thread(cluster::stop, "stop-postgresql"));
        return cluster;
    }

    private static Path script() {
        Path here = Path.of("").toAbsolutePath();
        for (Path p = here; p != null; p = p.getParent()) {
            Path s = p.resolve("scripts").resolve("pg-cluster");
            if (Files.isRegularFile(s)) {
                return s;
            }
        }
        throw new IllegalStateException("scripts/pg-cluster not found above " + here);
    }

    /**
     * Stops the cluster at once (no shutdown checkpoint: nothing in it is wanted again) and deletes its
     * directory, in a process of its own that the exiting JVM does not wait for: a cluster that held a
     * hundred test databases is a gigabyte in some 40,000 files, and deleting them here held the test JVM
     * past surefire's 30-second limit for an exit (it killed the JVM and the directory was left behind).
     */
    private void stop() {
        try {
            new ProcessBuilder("bash", "-c", "bash \"$0\" discard \"$1/data\"; rm -rf \"$1\"", script().toString(), dir.toString())
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        } catch (IOException e) {
            // the JVM is exiting; the directory is in the temporary folder
        }
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> all = Files.walk(dir)) {
            all.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (IOException ignored) {
            // best effort
        }
    }

    public int port() {
        return port;
    }

    /** A URL for the store (no password: the throwaway cluster trusts loopback). */
    public String url(String database) {
        return "postgresql://127.0.0.1:" + port + "/" + database + "?user=" + user;
    }

    /**
     * A new, empty database, never handed out before. Each is made one ahead, while the test before uses
     * its own: CREATE DATABASE copies the 7 MB template and syncs it to disk, some 0.1-0.3 s that every
     * PostgreSQL test waited for.
     */
    public synchronized String newDatabase() {
        Future<String> ready = next != null ? next : creator.submit(() -> createDatabase(null));
        next = creator.submit(() -> createDatabase(null));
        return ready(ready);
    }

    /**
     * A new database with wirechat's schema in place, never handed out before: a copy of a template database that
     * the store's own migrations brought up to date once per test JVM. A server starting on it finds its schema
     * current, as on any restart, instead of running every migration again (a tenth of a second of each
     * PostgreSQL test); migrating an empty database is tested where it is the point ({@code PostgresSchemaTest},
     * {@code PostgresInboxTest}), and the store contract, model and crash tests start on empty databases.
     */
    public synchronized String newMigratedDatabase() {
        Future<String> ready = nextMigrated != null ? nextMigrated : creator.submit(() -> createDatabase(template()));
        nextMigrated = creator.submit(() -> createDatabase(template()));
        return ready(ready);
    }

    private static String ready(Future<String> ready) {
        try {
            return ready.get(60, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            throw new IllegalStateException("cannot create a test database: " + e.getCause().getMessage(), e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while a test database was made", e);
        } catch (TimeoutException e) {
            throw new IllegalStateException("a test database was not made within 60 s", e);
        }
    }

    /** A new database, empty or a copy of {@code template}; runs on the creator thread. */
    private String createDatabase(String template) throws SQLException {
        String name = "wirechat_test_" + ProcessHandle.current().pid() + "_" + databases.incrementAndGet();
        try (Connection c = DriverManager.getConnection("jdbc:" + url("postgres")); Statement st = c.createStatement()) {
            st.execute("CREATE DATABASE " + name + (template != null ? " TEMPLATE " + template : ""));
        }
        return name;
    }

    /** The migrated template, made on the first call; runs on the creator thread, the only one to touch it. */
    private String template() throws SQLException {
        if (template == null) {
            String name = createDatabase(null);
            try (Connection c = DriverManager.getConnection("jdbc:" + url(name))) {
                SchemaTemplate.migrate(c);
            } // no connection to it stays open: PostgreSQL copies a template no one is connected to
            template = name;
        }
        return template;
    }

    /** Settings for a new, empty database. */
    public PostgresSettings newStore() {
        return new PostgresSettings(url(newDatabase()), new char[0], 8);
    }

    /** Settings for a new database with the schema in place ({@link #newMigratedDatabase()}). */
    public PostgresSettings newMigratedStore() {
        return new PostgresSettings(url(newMigratedDatabase()), new char[0], 8);
    }
}
