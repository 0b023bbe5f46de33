package org.wirechat.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.wirechat.client.desktop.ChatModel;
import org.wirechat.client.local.StoreFiles;
import org.wirechat.server.Await;
import org.wirechat.server.ServerFixture;

/** One running client is one device: two clients started from one HOME never share a device id. */
@Timeout(60)
class OneDevicePerClientTest {
    static final String PW = "correct horse";

    @TempDir
    Path dir;
    ServerFixture fx;

    @BeforeEach
    void start() {
        fx = new ServerFixture(dir.resolve("server"));
    }

    @AfterEach
    void stop() {
        fx.close();
    }

    /**
     * Regression (issue 27 §1): two terminal clients of bob with the same HOME were one device sharing one
     * mark, and each showed only part of what alice sent (38 and 36 of 40).
     */
    @Test
    void twoClientsOfBobWithTheSameHomeEachShowAllFortyMessages() throws Exception {
        Path home = dir.resolve("bob-home");
        String port = String.valueOf(fx.server().port());
        try (ChatClient alice = new ChatClient("127.0.0.1", fx.server().port(), m -> { }, ScriptedClient.FAST)) {
            alice.register("alice", "Alice", PW);
            alice.register("bob", "Bob", PW);
            alice.login("alice", PW);
            try (ScriptedClient first = ScriptedClient.main(home, "127.0.0.1", port)) {
                first.type("/login bob", PW).awaitOutput("logged in as bob");
                try (ScriptedClient second = ScriptedClient.main(home, "127.0.0.1", port)) {
                    second.type("/login bob", PW).awaitOutput("logged in as bob");
                    for (int i = 1; i <= 40; i++) {
                        alice.send("bob", "message " + i + ".");
                    }
                    assertThat(alice.awaitSent(Duration.ofSeconds(30))).isTrue();
                    for (ScriptedClient bob : List.of(first, second)) {
                        Await.until("40 of 40 shown; so far:\n" + bob.output(), () -> shown(bob.output()) == 40);
                    }
                    assertThat(first.finish()).isZero();
                    assertThat(second.finish()).isZero();
                    String idOne = Files.readString(home.resolve("device-id")).strip();
                    String idTwo = Files.readString(home.resolve("device-id.2")).strip();
                    assertThat(idOne).isNotEqualTo(idTwo);
                    String both = first.output() + second.output();
                    assertThat(count(both, "another wirechat is already running on this computer (as device " + idOne
                            + "), so this one logs in as a separate device, " + idTwo + ":")).as("said once, by the second").isEqualTo(1);
                    for (ScriptedClient bob : List.of(first, second)) { // none twice
                        for (int i = 1; i <= 40; i++) {
                            assertThat(count(bob.output(), "alice: message " + i + ".")).isEqualTo(1);
                        }
                    }
                }
            }
        }
    }

    /**
     * Issue 27 §1's other case: the desktop client beside a terminal of bob, from one HOME (each missed 4–6 of
     * 60 when they shared an id). The desktop's id is claimed as {@code ClientMain} claims it for {@code --gui},
     * while the terminal, started first, holds the first.
     */
    @Test
    void theDesktopClientBesideATerminalOfBobWithTheSameHomeEachShowAllFortyMessages() throws Exception {
        Path home = dir.resolve("bob-home");
        int port = fx.server().port();
        try (ChatClient alice = new ChatClient("127.0.0.1", port, m -> { }, ScriptedClient.FAST)) {
            alice.register("alice", "Alice", PW);
            alice.register("bob", "Bob", PW);
            alice.login("alice", PW);
            try (ScriptedClient terminal = ScriptedClient.main(home, "127.0.0.1", String.valueOf(port))) {
                terminal.type("/login bob", PW).awaitOutput("logged in as bob");
                try (DeviceId.Claim desktopsId = DeviceId.claim(home);
                        ChatModel desktop = new ChatModel(ChatModel.ClientFactory.with(ScriptedClient.FAST.withDevice(desktopsId.id())),
                                new StoreFiles(dir.resolve("desktop-data"), desktopsId.id())::open)) {
                    String terminalsId = Files.readString(home.resolve("device-id")).strip();
                    assertThat(desktopsId.id()).isNotEqualTo(terminalsId);
                    assertThat(desktopsId.note()).startsWith("another wirechat is already running on this computer (as device "
                            + terminalsId + "), so this one logs in as a separate device, " + desktopsId.id() + ":");
                    desktop.tellAtLogin(desktopsId.note()); // as the --gui client does: said in the window, not only on stderr
                    desktop.login("127.0.0.1", port, "bob", PW);
                    assertThat(desktop.snapshot().status()).contains("so this one logs in as a separate device");
                    desktop.open("alice");
                    for (int i = 1; i <= 40; i++) {
                        alice.send("bob", "message " + i + ".");
                    }
                    assertThat(alice.awaitSent(Duration.ofSeconds(30))).isTrue();
                    Await.until("the terminal shows 40 of 40; so far:\n" + terminal.output(), () -> shown(terminal.output()) == 40);
                    Await.until(() -> "the desktop shows 40 of 40; so far " + desktop.snapshot().conversation().size(),
                            () -> desktop.snapshot().conversation().size() >= 40);
                    assertThat(desktop.snapshot().conversation()).extracting(ChatModel.Line::body).doesNotHaveDuplicates()
                            .hasSize(40).contains("message 1.", "message 40.");
                }
                assertThat(terminal.finish()).isZero();
                for (int i = 1; i <= 40; i++) {
                    assertThat(count(terminal.output(), "alice: message " + i + ".")).isEqualTo(1);
                }
            }
        }
    }

    /**
     * Regression (issue 27): the second client said "another wirechat is running here as device X; this one is
     * device Y" — true, but it told a person neither what that means nor what to do. Now it says so in plain
     * words: what happened, that nothing is missed but the kept conversations are apart, and how to go on with
     * the other one's.
     */
    @Test
    void aSecondClientSaysInPlainWordsWhatHappenedAndWhatToDo() throws IOException {
        try (DeviceId.Claim one = DeviceId.claim(dir); DeviceId.Claim two = DeviceId.claim(dir); DeviceId.Claim three = DeviceId.claim(dir)) {
            assertThat(two.note()).isEqualTo("another wirechat is already running on this computer (as device " + one.id()
                    + "), so this one logs in as a separate device, " + two.id() + ": both get every message, but each keeps"
                    + " its own copy of your conversations. To go on with the other one's copy, close this one and use that"
                    + " one (or close that one and start this one again).");
            assertThat(three.note()).startsWith("2 other wirechats are already running on this computer (the first as device "
                    + one.id() + "), so this one logs in as a separate device, " + three.id() + ": each gets every message")
                    .contains("To go on with the first one's copy");
        }
    }

    @Test
    void theSameInstallationReusesItsIdsRunAfterRun() throws IOException {
        String first;
        String second;
        try (DeviceId.Claim one = DeviceId.claim(dir); DeviceId.Claim two = DeviceId.claim(dir)) {
            first = one.id();
            second = two.id();
            assertThat(one.note()).isNull();
            assertThat(two.note()).startsWith("another wirechat is already running on this computer (as device " + first
                    + "), so this one logs in as a separate device, " + second + ":");
            assertThat(first).isEqualTo(DeviceId.of(dir)).isNotEqualTo(second);
        }
        try (DeviceId.Claim again = DeviceId.claim(dir)) {
            assertThat(again.id()).as("alone again: the first id").isEqualTo(first);
            try (DeviceId.Claim two = DeviceId.claim(dir)) {
                assertThat(two.id()).as("the second id again, not a new device").isEqualTo(second);
            }
        }
        assertThat(Files.list(dir).map(p -> p.getFileName().toString()).filter(n -> n.startsWith("device-id") && !n.endsWith(".lock")))
                .containsExactlyInAnyOrder("device-id", "device-id.2");
    }

    /**
     * A client killed with SIGKILL leaves its lock file behind, but the operating system has released its
     * lock: the next client takes that id again. While it ran, another process could not.
     */
    @Test
    void aKilledClientsIdIsTakenAgainByTheNext() throws Exception {
        Path home = dir.resolve("home");
        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), ClientMain.class.getName(), "--script", "127.0.0.1",
                String.valueOf(fx.server().port()));
        pb.environment().put("WIRECHAT_CONFIG_DIR", home.toString());
        pb.redirectErrorStream(true);
        File log = dir.resolve("client.log").toFile();
        pb.redirectOutput(log);
        Process client = pb.start();
        try {
            client.getOutputStream().write("/help\n".getBytes(StandardCharsets.UTF_8)); // stdin stays open: it keeps running
            client.getOutputStream().flush();
            Await.until("the other client has started", () -> read(log).contains("commands:"));
            String its = Files.readString(home.resolve("device-id")).strip();
            try (DeviceId.Claim meanwhile = DeviceId.claim(home)) {
                assertThat(meanwhile.id()).as("held by the other process").isNotEqualTo(its);
                assertThat(meanwhile.note()).contains("as device " + its);
            }
            client.destroyForcibly(); // SIGKILL: nothing of its own runs
            assertThat(client.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(home.resolve("device-id.lock")).exists();
            try (DeviceId.Claim after = DeviceId.claim(home)) {
                assertThat(after.id()).isEqualTo(its);
                assertThat(after.note()).isNull();
            }
        } finally {
            client.destroyForcibly();
        }
    }

    /**
     * Regression: the client kept its files under Java's user.home, the account's home from the password
     * database, so two HOMEs of one account (and test-package's client) shared one device id and one copy of
     * the conversations in the account's own home. Each HOME is its own now, as for a shell and the XDG rules.
     */
    @Test
    void theClientKeepsItsDeviceIdAndConversationsUnderTheHomeItIsGiven() throws Exception {
        Path home = dir.resolve("other-home");
        Files.createDirectories(home);
        ProcessBuilder pb = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), ClientMain.class.getName(), "--script", "127.0.0.1",
                String.valueOf(fx.server().port()));
        for (String own : List.of("WIRECHAT_CONFIG_DIR", "WIRECHAT_DATA_DIR", "XDG_CONFIG_HOME", "XDG_DATA_HOME")) {
            pb.environment().remove(own);
        }
        pb.environment().put("HOME", home.toString());
        pb.redirectErrorStream(true);
        File log = dir.resolve("client.log").toFile();
        pb.redirectOutput(log);
        Process client = pb.start();
        try {
            client.getOutputStream().write("/register carol Carol King\ncorrect horse\n".getBytes(StandardCharsets.UTF_8));
            client.getOutputStream().close();
            assertThat(client.waitFor(30, TimeUnit.SECONDS)).isTrue();
            assertThat(client.exitValue()).as(read(log)).isZero();
        } finally {
            client.destroyForcibly();
        }
        assertThat(home.resolve(".config/wirechat/device-id")).exists();
        try (var kept = Files.list(home.resolve(".local/share/wirechat"))) {
            assertThat(kept.map(p -> p.getFileName().toString())).anyMatch(n -> n.contains("carol") && n.endsWith(".db"));
        }
    }

    private static String read(File f) {
        try {
            return Files.readString(f.toPath());
        } catch (IOException e) {
            return "";
        }
    }

    private static int shown(String output) {
        Matcher m = Pattern.compile("alice: message (\\d+)\\.").matcher(output);
        java.util.Set<String> seen = new java.util.HashSet<>();
        while (m.find()) {
            seen.add(m.group(1));
        }
        return seen.size();
    }

    private static int count(String haystack, String needle) {
        Matcher m = Pattern.compile(Pattern.quote(needle)).matcher(haystack);
        int n = 0;
        while (m.find()) {
            n++;
        }
        return n;
    }
}
