package org.wirechat.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.wirechat.server.ServerProcess;

/** Both jars with java -jar, as a user runs them: a server and two scripted clients chatting. */
class ClientJarIT {
    @TempDir
    Path dir;

    private record Run(int exit, String output) {
    }

    private static Run client(int port, String script) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar", Path.of("target", "wirechat-client.jar").toString(), "127.0.0.1", String.valueOf(port))
                .redirectErrorStream(true).start();
        p.getOutputStream().write(script.getBytes(StandardCharsets.UTF_8));
        p.getOutputStream().close();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
        return new Run(p.exitValue(), out);
    }

    /** Our classes in a jar, by package ("org/wirechat/client", …). */
    private static java.util.Set<String> packagesIn(String jar) throws IOException {
        try (java.util.jar.JarFile f = new java.util.jar.JarFile(Path.of("target", jar).toFile())) {
            return f.stream().map(java.util.jar.JarEntry::getName).filter(n -> n.startsWith("org/wirechat/") && n.endsWith(".class"))
                    .map(n -> n.substring(0, n.indexOf('/', "org/wirechat/".length()))).collect(java.util.stream.Collectors.toSet());
        }
    }

    @Test
    void eachJarHoldsOnlyItsOwnSide() throws IOException {
        assertThat(packagesIn("wirechat-client.jar")).containsExactlyInAnyOrder("org/wirechat/client", "org/wirechat/bench",
                "org/wirechat/protocol", "org/wirechat/launch", "org/wirechat/grpc");
        try (java.util.jar.JarFile client = new java.util.jar.JarFile(Path.of("target", "wirechat-client.jar").toFile())) {
            assertThat(client.getEntry("org/sqlite/JDBC.class")).as("the local store's SQLite driver ships with the client").isNotNull();
        }
        assertThat(packagesIn("wirechat-server.jar")).containsExactlyInAnyOrder("org/wirechat/server", "org/wirechat/protocol",
                "org/wirechat/launch", "org/wirechat/grpc");
    }

    @Test
    void twoClientJarsChatThroughTheServerJar() throws Exception {
        try (ServerProcess server = ServerProcess.fromJar(Path.of("target", "wirechat-server.jar"),
                dir.resolve("data"), dir.resolve("server.log"))) {
            int port = server.address.getPort();
            Run alice = client(port, String.join("\n", List.of("/register alice Alice", "correct horse",
                    "/register bob Bob", "correct horse", "/login alice", "correct horse", "@bob hi from a jar", "")));
            assertThat(alice.exit()).as(alice.output()).isZero();
            assertThat(alice.output()).contains("sent to bob");
            Run bob = client(port, "/login bob\ncorrect horse\n");
            assertThat(bob.exit()).as(bob.output()).isZero();
            assertThat(bob.output()).contains("1 unread message", "alice: hi from a jar")
                    .as("Logback configured without complaint (the server's logback.xml names a server class)")
                    .doesNotContain("|-ERROR", "|-WARN", "ClassNotFoundException");
            Run bad = client(port, "@alice not logged in\n");
            assertThat(bad.exit()).isEqualTo(1);
            assertThat(bad.output()).contains("error: not logged in");
        }
        Run help = clientJar("--help");
        assertThat(help.exit()).isZero();
        assertThat(help.output()).contains("HOST", "PORT", "--script", "--gui");
    }

    @Test
    void theDesktopClientIsInTheJarAndSaysSoWhenThereIsNoScreen() throws Exception {
        try (java.util.jar.JarFile jar = new java.util.jar.JarFile(Path.of("target", "wirechat-client.jar").toFile())) {
            assertThat(jar.getEntry("com/formdev/flatlaf/FlatLightLaf.class")).as("FlatLaf shaded in").isNotNull();
            assertThat(jar.getEntry("org/wirechat/client/desktop/ChatWindow.class")).isNotNull();
        }
        Run noScreen = clientJar("-Djava.awt.headless=true", "--gui", "localhost", "50051");
        assertThat(noScreen.exit()).isEqualTo(2);
        assertThat(noScreen.output()).contains("--gui needs a screen");
    }

    private static Run clientJar(String... args) throws IOException, InterruptedException {
        List<String> command = new java.util.ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        for (String a : args) {
            if (a.startsWith("-D")) {
                command.add(a);
            }
        }
        command.add("-jar");
        command.add(Path.of("target", "wirechat-client.jar").toString());
        for (String a : args) {
            if (!a.startsWith("-D")) {
                command.add(a);
            }
        }
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor(30, TimeUnit.SECONDS);
        return new Run(p.exitValue(), out);
    }
}
