package org.wirechat.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.wirechat.client.local.LocalStore;
import org.wirechat.client.local.StoreFiles;
import org.wirechat.client.terminal.TerminalClient;
import org.wirechat.server.Await;
import org.wirechat.server.ServerFixture;

/** The terminal client keeps this device's copy of the conversations (issue 27), as the desktop client does. */
class TerminalStoreTest {
    static final String PW = TerminalClientTest.PW;

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

    private int port() {
        return fx.server().port();
    }

    private String script(String... lines) {
        try (ScriptedClient c = new ScriptedClient(port())) {
            c.type(lines);
            assertThat(c.finish()).as("exit status; output:%n%s", c.output()).isZero();
            return c.output();
        }
    }

    /** A client on bob's laptop: its own device id, its conversations in the test's data directory. */
    private ScriptedClient bobsLaptop() {
        StoreFiles files = new StoreFiles(dir.resolve("bob-data"), "bob-laptop");
        return new ScriptedClient(port(), ScriptedClient.FAST.withDevice("bob-laptop"), (TerminalClient.Stores) files::open);
    }

    @Test
    @Timeout(60)
    void theConversationListAndUnreadCountsSurviveLogoutAndANewClient() throws Exception {
        for (String u : new String[] {"alice", "bob", "carol"}) {
            script("/register " + u + " Full Name of " + u, PW);
        }
        script("/login alice", PW, "@bob one", "@bob two");
        script("/login carol", PW, "@bob from carol");
        try (ScriptedClient laptop = bobsLaptop()) {
            laptop.type("/login bob", PW).awaitOutput("carol: from carol");
            assertThat(laptop.output()).as("nothing was kept before this login").doesNotContain("kept on this device");
            assertThat(laptop.finish()).isZero();
        }
        assertThat(Files.exists(new StoreFiles(dir.resolve("bob-data"), "bob-laptop").fileFor("127.0.0.1", port(), "bob")))
                .as("the file the desktop client would open for this server, account and device").isTrue();

        try (ScriptedClient again = bobsLaptop()) { // a new process on the same device
            again.type("/login bob", PW)
                    .awaitOutput("kept on this device: 3 unread in 2 conversations: carol (1), alice (2)");
            again.type("/conversations").awaitOutput("alice (2 unread) \u2014 last");
            assertThat(again.output()).containsSubsequence("carol (1 unread) \u2014 last", "\u201cfrom carol\u201d",
                    "alice (2 unread) \u2014 last", "\u201ctwo\u201d");
            again.type("/history alice", "/logout", "/login bob", PW)
                    .awaitOutput("kept on this device: 1 unread in 1 conversation: carol (1)");
            again.type("@carol hi", "/c").awaitOutput("carol \u2014 last");
            assertThat(again.output().substring(again.output().lastIndexOf("carol \u2014 last")))
                    .as("answering carol read her conversation; it is the latest now").contains("\u201chi\u201d")
                    .contains("alice \u2014 last");
            assertThat(again.finish()).isZero();
        }
    }

    @Test
    @Timeout(60)
    void historyWithTheServerStoppedShowsWhatThisDeviceReceived() {
        script("/register alice Alice A", PW);
        script("/register bob Bob B", PW);
        script("/login alice", PW, "@bob hello while you were away", "@bob and a second line");
        try (ScriptedClient laptop = bobsLaptop()) {
            laptop.type("/login bob", PW).awaitOutput("alice: and a second line");
            laptop.type("@alice got them").awaitOutput("sent to alice");
            fx.down();
            laptop.awaitOutput("connection to the server lost");
            laptop.type("/history alice").awaitOutput("(offline: from this device's copy)");
            laptop.type("/conversations").awaitOutput("alice \u2014 last");
            String out = laptop.output();
            String offline = out.substring(out.indexOf("(offline: from this device's copy)"));
            assertThat(offline).containsSubsequence("alice: hello while you were away", "alice: and a second line",
                    "you: got them");
            assertThat(out).doesNotContain("error: not connected");
            fx.up();
        }
    }

    /** What another device read while this one was away past the server's horizon is filled in by HISTORY at login. */
    @Test
    @Timeout(60)
    void aLoginFillsInWhatThisDeviceMissedFromHistory() throws Exception {
        fx.close();
        fx = new ServerFixture(dir.resolve("devices"), b -> b.deviceHorizon(Duration.ofMinutes(1)));
        script("/register alice Alice A", PW);
        script("/register bob Bob B", PW);
        script("/login alice", PW, "@bob one");
        try (ScriptedClient laptop = bobsLaptop()) {
            laptop.type("/login bob", PW).awaitOutput("alice: one");
            assertThat(laptop.finish()).isZero();
        }
        script("/login alice", PW, "@bob three");
        fx.clock.advance(Duration.ofMinutes(2)); // the laptop idle past the horizon
        try (ScriptedClient phone = new ScriptedClient(port(), ScriptedClient.FAST.withDevice("bob-phone"))) {
            phone.type("/login bob", PW).awaitOutput("alice: three");
            assertThat(phone.finish()).isZero();
        }
        script("/login alice", PW, "@bob four");
        Path file = new StoreFiles(dir.resolve("bob-data"), "bob-laptop").fileFor("127.0.0.1", port(), "bob");
        try (ScriptedClient laptop = bobsLaptop(); LocalStore kept = LocalStore.open(file, "bob")) {
            // the poller may show "four" before the login's command shows what was missed: each is awaited
            laptop.type("/login bob", PW).awaitOutput("alice: four").awaitOutput("1 message reached your other devices only");
            assertThat(laptop.output()).doesNotContain("alice: three");
            Await.until("the laptop's copy holds the message it missed", () -> kept.history("alice", 0, 10).stream()
                    .map(LocalStore.Message::body).toList().equals(List.of("one", "three", "four")));
            assertThat(kept.conversations()).singleElement().satisfies(c -> assertThat(c.unread())
                    .as("'one' and 'four' came to this device unread; 'three' was filled in, not unread").isEqualTo(2));
            assertThat(laptop.finish()).isZero();
        }
    }

    @Test
    @Timeout(60)
    void aGroupLeftLeavesTheConversationList() {
        script("/register alice Alice A", PW);
        script("/register bob Bob B", PW);
        script("/login alice", PW, "/group create #crew", "/group add #crew bob", "#crew hello crew");
        try (ScriptedClient laptop = bobsLaptop()) {
            laptop.type("/login bob", PW).awaitOutput("alice in #crew: hello crew");
            laptop.type("/conversations").awaitOutput("#crew (1 unread)");
            laptop.type("/group leave #crew", "/conversations").awaitOutput("no conversations kept on this device yet");
            assertThat(laptop.finish()).isZero();
        }
    }

    /**
     * A group one was added to while logged out is told at the next login on this device (it recorded the groups
     * it saw), once; the first login of a device has nothing to compare with, and a group one made is not news.
     */
    @Test
    @Timeout(60)
    void aGroupOneWasAddedToWhileLoggedOutIsToldAtTheNextLoginOnce() {
        script("/register alice Alice", PW);
        script("/register bob Bob", PW);
        script("/login alice", PW, "/group create #crew", "/group add #crew bob");
        try (ScriptedClient laptop = bobsLaptop()) {
            laptop.type("/login bob", PW, "/group create #mine").awaitOutput("your groups: #crew");
            assertThat(laptop.finish()).isZero();
            assertThat(laptop.output()).as("the device's first login: nothing to compare with").doesNotContain("added");
        }
        script("/login alice", PW, "/group create #night", "/group add #night bob");
        try (ScriptedClient laptop = bobsLaptop()) {
            laptop.type("/login bob", PW).awaitOutput("while you were away, you were added to #night (owner alice, 2 members)");
            assertThat(laptop.finish()).isZero();
            assertThat(laptop.output()).doesNotContain("added to #crew", "added to #mine");
        }
        try (ScriptedClient laptop = bobsLaptop()) {
            laptop.type("/login bob", PW).awaitOutput("your groups:");
            assertThat(laptop.finish()).isZero();
            assertThat(laptop.output()).as("told once").doesNotContain("added");
        }
    }
}
