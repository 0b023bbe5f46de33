package org.wirechat.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.wirechat.server.ServerFixture.PASSWORD;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.wirechat.protocol.Request;
import org.wirechat.protocol.Response;

/** The shaded server jar, started with java -jar as a user would, serves a whole conversation. */
class ServerJarIT {
    @TempDir
    Path dir;

    @Test
    void theServerJarRunsAndStopsCleanly() throws Exception {
        Path jar = Path.of("target", "wirechat-server.jar");
        assertThat(jar).exists();
        try (ServerProcess server = ServerProcess.fromJar(jar, dir.resolve("data"), dir.resolve("server.log"));
                TestConnection c = new TestConnection(server.address)) {
            c.ok(new Request.CreateAccount("alice", "Alice", PASSWORD), Response.AccountCreated.class);
            String token = c.ok(new Request.Login("alice", PASSWORD), Response.LoggedIn.class).token();
            c.ok(ServerFixture.send(token, "alice", "hello from the jar"), Response.Sent.class);
            assertThat(c.ok(ServerFixture.fetch(token, 0), Response.Messages.class).messages())
                    .extracting(Response.Message::body).containsExactly("hello from the jar");
            server.terminate();
            // Logback was found in the shaded jar (the services transformer), and logged the lifecycle.
            assertThat(server.logText()).contains("wirechat listening on").contains("stopped")
                    .doesNotContain("SLF4J(W)").doesNotContain("ERROR");
        }
        assertThat(Files.exists(dir.resolve("data").resolve("wirechat.db"))).isTrue();
    }

    /** The jar's own logging configuration: the audit trail as key="value" text, or one JSON object a line. */
    @Test
    void theAuditTrailInTextAndWithLogFormatJson() throws Exception {
        Path jar = Path.of("target", "wirechat-server.jar");
        try (ServerProcess server = ServerProcess.fromJar(jar, dir.resolve("text"), dir.resolve("text.log"));
                TestConnection c = new TestConnection(server.address)) {
            assertThat(server.startupOutput).as("only the listening line: Logback says nothing of its own configuration")
                    .hasSize(1).noneMatch(l -> l.contains("logback"));
            c.ok(new Request.CreateAccount("alice", "Alice", PASSWORD), Response.AccountCreated.class);
            Await.until("the audit line is written", () -> server.logText().contains("account created"));
            assertThat(server.logText()).contains("org.wirechat.audit - account created event=\"account_created\" user=\"alice\""
                    + " address=\"127.0.0.1\"");
        }
        Path log = dir.resolve("json.log");
        try (ServerProcess server = ServerProcess.fromJar(jar, dir.resolve("json"), log, "--log-format", "json");
                TestConnection c = new TestConnection(server.address)) {
            assertThat(server.startupOutput).hasSize(1).noneMatch(l -> l.contains("logback"));
            c.ok(new Request.CreateAccount("bob", "Bob", PASSWORD), Response.AccountCreated.class);
            Await.until("the audit line is written", () -> server.logText().contains("account_created"));
        }
        java.util.List<String> lines = Files.readAllLines(log).stream().filter(l -> !l.isBlank()).toList();
        assertThat(lines).isNotEmpty().allSatisfy(l -> assertThat(l).startsWith("{").endsWith("}"));
        assertThat(lines).anySatisfy(l -> assertThat(l).contains("\"loggerName\":\"org.wirechat.audit\"")
                .contains("{\"event\":\"account_created\"}").contains("{\"user\":\"bob\"}"));
    }

    /** Both jars, run by a Java older than 21 (Debian 12's default is 17): a sentence and exit 2, not a stack trace. */
    @Test
    void anOldJavaIsToldWhichJavaItNeeds() throws Exception {
        Path oldJava = olderJava();
        org.junit.jupiter.api.Assumptions.assumeTrue(oldJava != null, "no Java older than 21 under /usr/lib/jvm to try");
        for (String jar : new String[] {"wirechat-server.jar", "wirechat-client.jar"}) {
            Process p = new ProcessBuilder(oldJava.toString(), "-jar", Path.of("target", jar).toString(), "--help")
                    .redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            assertThat(p.waitFor()).as("exit status of %s: %s", jar, out).isEqualTo(2);
            assertThat(out).contains("wirechat needs Java 21 or newer").contains("scripts/")
                    .doesNotContain("UnsupportedClassVersionError").doesNotContain("Exception");
        }
    }

    /** A java launcher of a JDK or JRE older than 21 under /usr/lib/jvm, from its release file; null if none. */
    private static Path olderJava() throws java.io.IOException {
        Path jvms = Path.of("/usr/lib/jvm");
        if (!Files.isDirectory(jvms)) {
            return null;
        }
        try (var homes = Files.list(jvms)) {
            for (Path home : homes.sorted().toList()) {
                Path release = home.resolve("release");
                Path java = home.resolve("bin").resolve("java");
                if (!Files.isRegularFile(release) || !Files.isExecutable(java)) {
                    continue;
                }
                for (String line : Files.readAllLines(release)) {
                    if (line.startsWith("JAVA_VERSION=")) {
                        String v = line.substring("JAVA_VERSION=".length()).replace("\"", "");
                        String major = v.startsWith("1.") ? v.substring(2, 3) : v.split("[.+-]")[0];
                        if (Integer.parseInt(major) < 21) {
                            return java;
                        }
                    }
                }
            }
        }
        return null;
    }
}
