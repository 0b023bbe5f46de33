package org.wirechat.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.wirechat.server.Await;
import org.wirechat.server.ServerFixture;

/** The terminal client driven with piped commands against a real server. */
class TerminalClientTest {
    static final String PW = "correct horse";

    @TempDir
    Path dir;
    ServerFixture fx;

    @BeforeEach
    void start() {
        fx = new ServerFixture(dir);
    }

    @AfterEach
    void stop() {
        fx.close();
    }

    private int port() {
        return fx.server().port();
    }

    private int script(String... lines) {
        try (ScriptedClient c = new ScriptedClient(port())) {
            c.type(lines);
            return c.finish();
        }
    }

    private String scriptOutput(int expectedExit, String... lines) {
        ScriptedClient c = new ScriptedClient(port());
        c.type(lines);
        assertThat(c.finish()).as("exit status; output:\n%s", c.output()).isEqualTo(expectedExit);
        return c.output();
    }

    private void register(String user) {
        assertThat(script("/register " + user + " Full Name of " + user, PW)).isZero();
    }

    private static int count(String haystack, String needle) {
        Matcher m = Pattern.compile(Pattern.quote(needle)).matcher(haystack);
        int n = 0;
        while (m.find()) {
            n++;
        }
        return n;
    }

    @Test
    void twoUsersExchangeMessagesBothWays() {
        register("alice");
        register("bob");
        try (ScriptedClient bob = new ScriptedClient(port()); ScriptedClient alice = new ScriptedClient(port())) {
            bob.type("/login bob", PW).awaitOutput("logged in as bob");
            alice.type("/login alice", PW).awaitOutput("logged in as alice");
            alice.type("@bob hello bob, ça va? 😀").awaitOutput("sent to bob");
            bob.awaitOutput("alice: hello bob, ça va? 😀");
            bob.type("/msg alice fine, and\tyou?").awaitOutput("sent to alice");
            alice.awaitOutput("bob: fine, and\tyou?");
            bob.type("plain text goes to alice too").awaitOutput("sent to alice");
            alice.awaitOutput("bob: plain text goes to alice too");
            assertThat(bob.finish()).isZero();
            assertThat(alice.finish()).isZero();
            assertThat(count(bob.output(), "alice: hello bob")).isEqualTo(1);
            assertThat(count(alice.output(), "bob: fine")).isEqualTo(1);
        }
        // the history holds the conversation, both ways, oldest first
        String history = scriptOutput(0, "/login alice", PW, "/history bob");
        assertThat(history).containsSubsequence("you ", ": hello bob", "bob: fine, and", "bob: plain text");
    }

    /** The client run as one installation (a device of its own) of whatever account it logs in to. */
    private String asDevice(String device, String... lines) {
        try (ScriptedClient c = new ScriptedClient(port(), ScriptedClient.FAST.withDevice(device))) {
            c.type(lines);
            assertThat(c.finish()).as("exit status; output:%n%s", c.output()).isZero();
            return c.output();
        }
    }

    @Test
    void eachInstallationGetsEveryMessageAndOneAwayTooLongIsToldWhatItMissed() {
        fx.close();
        fx = new ServerFixture(dir.resolve("devices"), b -> b.deviceHorizon(java.time.Duration.ofMinutes(1)));
        register("alice");
        register("bob");
        asDevice("bob-phone", "/login bob", PW);
        asDevice("bob-laptop", "/login bob", PW);
        assertThat(script("/login alice", PW, "@bob one", "@bob two")).isZero();
        assertThat(asDevice("bob-phone", "/login bob", PW)).contains("2 unread messages", "alice: one", "alice: two");
        assertThat(asDevice("bob-laptop", "/login bob", PW)).as("the phone's reading takes nothing from the laptop")
                .contains("2 unread messages", "alice: one", "alice: two");

        assertThat(script("/login alice", PW, "@bob three")).isZero();
        fx.clock.advance(java.time.Duration.ofMinutes(2)); // the laptop idle past the horizon
        assertThat(asDevice("bob-phone", "/login bob", PW)).contains("alice: three");
        assertThat(script("/login alice", PW, "@bob four")).isZero(); // answered once the phone's reading is stored
        String back = asDevice("bob-laptop", "/login bob", PW);
        assertThat(back).contains("1 message reached your other devices only (see /history USER)")
                .doesNotContain("alice: three").contains("alice: four");
    }

    @Test
    void whatOneInstallationSendsIsShownOnTheOthersAsYoursAndTheConversationGoesOnThere() {
        register("alice");
        register("bob");
        try (ScriptedClient laptop = new ScriptedClient(port(), ScriptedClient.FAST.withDevice("bob-laptop"))) {
            laptop.type("/login bob", PW).awaitOutput("logged in as bob");
            asDevice("bob-phone", "/login bob", PW, "@alice hi from the phone", "/group create #crew", "#crew crew, hi");
            laptop.awaitOutput("you \u2192 alice: hi from the phone");
            laptop.awaitOutput("you in #crew: crew, hi");
            laptop.type("/msg alice and from the laptop").awaitOutput("sent to alice");
            assertThat(laptop.finish()).isZero();
            assertThat(laptop.output()).doesNotContain("you \u2192 alice: and from the laptop"); // never its own back
        }
        assertThat(scriptOutput(0, "/login alice", PW, "/history bob")).containsSubsequence("bob: hi from the phone",
                "bob: and from the laptop");
    }

    @Test
    void groupsAreMadeAndWrittenToAsPeopleTypeThem() {
        register("alice");
        register("bob");
        register("carol");
        assertThat(scriptOutput(0, "/login alice", PW, "/group create #crew", "/group add #crew bob", "/group add #crew carol",
                "#crew hello crew")).contains("created #crew", "added bob to #crew", "added carol to #crew", "sent to #crew");
        try (ScriptedClient bob = new ScriptedClient(port())) {
            bob.type("/login bob", PW).awaitOutput("bob");
            bob.awaitOutput("alice in #crew: hello crew");
            bob.type("#crew thanks, all").awaitOutput("sent to #crew");
            bob.type("/group members #crew").awaitOutput("3 members");
            bob.type("/group list").awaitOutput("#crew  3 members, owner alice");
            bob.type("/group remove #crew carol").awaitOutput("only #crew's owner (alice) may do that");
            assertThat(bob.finish()).isNotZero(); // a command failed
            assertThat(bob.output()).contains("alice (owner)", "carol");
        }
        assertThat(scriptOutput(0, "/login carol", PW, "/history #crew")) // the unread ones shown as they arrive, before or after
                .contains("alice in #crew: hello crew", "bob in #crew: thanks, all")
                .containsSubsequence("alice: hello crew", "bob: thanks, all");
        Await.until("alice sees that both have her message", () -> scriptOutput(0, "/login alice", PW, "/history #crew")
                .contains("you \u2713\u2713 2/2: hello crew"));
        assertThat(scriptOutput(0, "/login carol", PW, "/group leave #crew", "/group list"))
                .contains("you left #crew", "you are in no group");
        assertThat(scriptOutput(1, "/login carol", PW, "#crew still here?")).contains("not a member of #crew");
        assertThat(scriptOutput(1, "/login carol", PW, "/group create #")).contains("a group's name is '#' and 1 to 49");
        assertThat(scriptOutput(1, "/login carol", PW, "/group add #crew")).contains("usage: /group add #NAME USER");
    }

    @Test
    void historyMarksYourMessagesStoredThenDeliveredUnlessReceiptsAreOff() {
        register("alice");
        register("bob");
        assertThat(script("/login alice", PW, "@bob are you there?")).isZero();
        assertThat(scriptOutput(0, "/login alice", PW, "/history bob"))
                .as("stored, bob has not fetched it").contains("you \u2713: are you there?");

        String bobs = scriptOutput(0, "/login bob", PW);
        assertThat(bobs).contains("alice: are you there?");
        // bob's client acknowledges what it showed on its way out or on its next poll: asked again until then
        Await.until("alice sees it delivered",
                () -> scriptOutput(0, "/login alice", PW, "/history bob").contains("you \u2713\u2713: are you there?"));

        String off = scriptOutput(0, "/login bob", PW, "/receipts off");
        assertThat(off).contains("delivery receipts off");
        assertThat(scriptOutput(0, "/login alice", PW, "/history bob"))
                .as("bob shares no receipts: no marks").contains("you: are you there?");
        assertThat(scriptOutput(1, "/login bob", PW, "/receipts maybe")).contains("usage: /receipts on|off");
    }

    @Test
    void aMessageToAnOfflineUserArrivesAtTheirNextLogin() {
        register("alice");
        register("bob");
        assertThat(script("/login alice", PW, "@bob are you there?", "@bob second")).isZero();
        String out = scriptOutput(0, "/login bob", PW);
        assertThat(out).containsSubsequence("logged in as bob — 2 unread messages:", "alice: are you there?", "alice: second");
        // shown and acknowledged: not shown again
        assertThat(scriptOutput(0, "/login bob", PW)).contains("no unread messages").doesNotContain("are you there");
    }

    @Test
    void errorsGetClearMessagesAndAFailedScriptExitsNonZero() {
        register("alice");
        String out = scriptOutput(1,
                "@bob hello",                        // not logged in
                "/login alice", "wrong password",
                "/login nobody", PW,
                "/register alice Alice Again", PW,
                "/register bad!name Bad",            // refused before a password is asked
                "/register carol Carol", "short",
                "/login alice", PW,
                "@carol hello",
                "@alice " + "x".repeat(1001),
                "/history nobody",
                "/list -r (",
                "/frobnicate");
        assertThat(out).contains(
                "error: not logged in — log in first",
                "error: wrong username or password",
                "error: username taken: alice (names are unique ignoring case)",
                "error: a username may hold only letters A-Z a-z, digits 0-9, '.', '_' and '-'",
                "error: a password has 8 to 50 characters",
                "error: no such user: carol — message not sent",
                "error: a message has at most 1000 characters, this one has 1001",
                "error: no such user: nobody",
                "error: invalid regular expression",
                "unknown command /frobnicate");
        assertThat(count(out, "wrong username or password")).as("unknown user and wrong password read the same").isEqualTo(2);
    }

    @Test
    void theSameCommandsSucceedWithExitZero() {
        register("alice");
        String out = scriptOutput(0, "/login alice", PW, "/list", "/list a*", "/logout");
        assertThat(out).contains("* alice  (Full Name of alice)", "logged out alice");
    }

    @Test
    void thePollerSurvivesAServerRestartWithoutLosingOrDuplicating() {
        register("alice");
        register("bob");
        try (ScriptedClient bob = new ScriptedClient(port()); ScriptedClient alice = new ScriptedClient(port())) {
            bob.type("/login bob", PW).awaitOutput("logged in as bob");
            alice.type("/login alice", PW, "@bob before the restart").awaitOutput("sent to bob");
            bob.awaitOutput("alice: before the restart");

            fx.restart();
            alice.type("@bob after the restart"); // alice's client reconnects and retries the send
            bob.awaitOutput("alice: after the restart");
            bob.awaitOutput("reconnected");
            alice.type("@bob and once more");
            bob.awaitOutput("alice: and once more");

            assertThat(bob.finish()).isZero();
            assertThat(alice.finish()).isZero();
            assertThat(count(bob.output(), "alice: before the restart")).isEqualTo(1);
            assertThat(count(bob.output(), "alice: after the restart")).isEqualTo(1);
            assertThat(count(bob.output(), "alice: and once more")).isEqualTo(1);
            assertThat(bob.output()).contains("connection to the server lost");
        }
    }

    @Test
    void deleteReceivesEveryWaitingMessageFirst() {
        register("alice");
        register("bob");
        assertThat(script("/login alice", PW, "@bob one", "@bob two")).isZero();
        String out = scriptOutput(0, "/login bob", PW, "/delete", "yes", PW);
        assertThat(out).containsSubsequence("alice: one", "alice: two", "account bob deleted");
        assertThat(count(out, "alice: one")).isEqualTo(1);
        assertThat(scriptOutput(1, "/login bob", PW)).contains("error: wrong username or password");
        // the name is free again, and the new bob starts empty
        register("bob");
        assertThat(scriptOutput(0, "/login bob", PW)).contains("no unread messages");
    }

    @Test
    void deleteNeedsConfirmationAndTheRightPassword() {
        register("bob");
        String out = scriptOutput(1, "/login bob", PW, "/delete", "no", "/delete", "yes", "wrong password", "/list");
        assertThat(out).contains("not deleted", "error: wrong username or password", "* bob");
    }

    @Test
    void anExpiredSessionAsksToLogInAgain() {
        register("bob");
        ChatClient.Options quickPolls = new ChatClient.Options(Duration.ofSeconds(2),
                new Backoff(Duration.ofMillis(20), Duration.ofMillis(300)), Duration.ofMillis(200), Duration.ofSeconds(20));
        try (ScriptedClient bob = new ScriptedClient(port(), quickPolls)) {
            bob.type("/login bob", PW).awaitOutput("logged in as bob");
            fx.clock.advance(Duration.ofHours(2));
            bob.awaitOutput("your session as bob expired — your next command asks for the password");
            // the next message asks for the password once, in place, and then goes out
            bob.type("@bob hello", PW).awaitOutput("sent to bob");
            assertThat(bob.output()).contains("logged in as bob");
            assertThat(bob.finish()).isZero();
            assertThat(count(bob.output(), "bob: hello")).isEqualTo(1);
        }
    }

    /**
     * The issue's outage: a message typed while the server is down for 45 s (longer than any request is
     * retried) is queued at once, the prompt keeps answering, and it is delivered once when the server is back.
     */
    @Test
    @org.junit.jupiter.api.Timeout(150)
    void aMessageTypedDuringALongOutageIsDeliveredOnceAfterIt() throws InterruptedException {
        register("alice");
        register("bob");
        try (ScriptedClient alice = new ScriptedClient(port())) {
            alice.type("/login alice", PW).awaitOutput("logged in as alice");
            long outageStart = System.nanoTime();
            fx.down();
            alice.type("@bob typed during the outage").awaitOutput("queued for bob");
            int answered = 0;
            while (System.nanoTime() - outageStart < java.util.concurrent.TimeUnit.SECONDS.toNanos(45)) {
                alice.type("/help");
                answered++;
                int want = answered;
                Await.until("the prompt answers /help during the outage", () -> count(alice.output(), "commands:") == want);
                // Not a wait for a result (every result above and below is awaited): this is the outage's
                // own time passing, as a person would type now and then during 45 s without a server.
                Thread.sleep(5_000);
            }
            assertThat(ScriptedClient.FAST.retryFor()).as("the outage outlasts any retry of a request")
                    .isLessThan(Duration.ofSeconds(45));
            assertThat(alice.output()).doesNotContain("error:");
            fx.up();
            alice.awaitOutput("sent to bob");
            assertThat(alice.finish()).isZero();
        }
        String bobSees = scriptOutput(0, "/login bob", PW);
        assertThat(count(bobSees, "alice: typed during the outage")).isEqualTo(1);
    }

    /** The README's scripting table, each row as it says, and its example verbatim. */
    @Test
    void theReadmesScriptingRulesHold() {
        assertThat(scriptOutput(0, "/register dora", "Dora Explorer", PW)).contains("dora");
        assertThat(scriptOutput(0, "/register erin Erin Smith", PW)).contains("erin");
        assertThat(scriptOutput(0, "/login dora", PW, "/delete", "yes", PW)).contains("account dora deleted");
        register("alice");
        register("bob");
        // printf '/login alice\ncorrect horse\n@bob the build is green\n' | scripts/client localhost 50051
        assertThat(PW).isEqualTo("correct horse");
        assertThat(scriptOutput(0, "/login alice", "correct horse", "@bob the build is green")).contains("sent to bob");
    }

    @Test
    void registrationChecksEachAnswerAsItIsGivenAndThenLogsIn() {
        // a full name of spaces is refused before any password is asked (the password line is then an unknown command)
        String refused = scriptOutput(1, "/register frank", "   ", "/ping");
        assertThat(refused).contains("a full name has 1 to 50").contains("account not created");
        // a short password is refused at once
        assertThat(scriptOutput(1, "/register frank Frank", "short")).contains("account not created");
        // a good one creates the account and logs in with the same password
        assertThat(scriptOutput(0, "/register frank Frank", PW)).contains("account frank created").contains("logged in as frank");
    }
}
