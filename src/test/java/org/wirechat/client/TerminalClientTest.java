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
    void someoneTypingInTheConversationAddressedIsToldOnceASpell() throws Exception {
        try (ScriptedClient bob = new ScriptedClient(port());
                org.wirechat.server.TestConnection alice = fx.connect()) {
            String token = fx.register(alice, "alice"); // a plain connection: no poll of its own waits on the server
            fx.register(alice, "bob");
            bob.type("/login bob", PW).awaitOutput("logged in as bob");
            bob.type("/to alice").awaitOutput("plain text goes to alice now"); // before alice types: told for this conversation
            Await.until("bob's client SYNCs", () -> fx.server().liveDevices() == 1);
            alice.ok(new org.wirechat.protocol.Request.Typing(token, "bob", true), org.wirechat.protocol.Response.TypingSent.class);
            bob.awaitOutput("alice is typing\u2026");
            fx.clock.advance(java.time.Duration.ofSeconds(2));
            alice.ok(new org.wirechat.protocol.Request.Typing(token, "bob", true), org.wirechat.protocol.Response.TypingSent.class); // a repeat
            alice.ok(new org.wirechat.protocol.Request.Send(token, "bob", "c1", "done typing"), org.wirechat.protocol.Response.Sent.class);
            bob.awaitOutput("alice: done typing");
            assertThat(count(bob.output(), "alice is typing")).as("the repeat is the same spell").isEqualTo(1);
        }
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
        // a FETCH's wait capped at 1 s: the server notices the tablet's client gone when its poll is answered
        fx = new ServerFixture(dir.resolve("devices"), b -> b.deviceHorizon(java.time.Duration.ofMinutes(1))
                .maxFetchWait(java.time.Duration.ofSeconds(1)));
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
    void devicesListsEachInstallationByItsNameThisOneFirstAndTheOnesPastTheHorizon() {
        fx.close();
        // a FETCH's wait capped at 1 s: the server notices the tablet's client gone when its poll is answered
        fx = new ServerFixture(dir.resolve("devices"), b -> b.deviceHorizon(java.time.Duration.ofMinutes(1))
                .maxFetchWait(java.time.Duration.ofSeconds(1)));
        register("bob");
        asDevice("bob-tablet", "/login bob", PW);
        // the tablet's client gone (its last poll or login sync would be seen after the clock moved) before the clock moves
        Await.until("the tablet's client has left", () -> fx.server().openConnections() == 0);
        fx.clock.advance(java.time.Duration.ofMinutes(2)); // the tablet idle past the horizon
        asDevice("bob-laptop", "/login bob", PW);
        String out = asDevice("bob-phone", "/login bob", PW, "/devices");
        assertThat(out).containsSubsequence("bob-phone (this device), last seen", "bob-laptop, last seen",
                "bob-tablet, last seen");
        assertThat(out.lines().filter(l -> l.contains("past the horizon"))).as(out).singleElement().asString().contains("bob-tablet");
        try (ScriptedClient c = new ScriptedClient(port(), ScriptedClient.FAST.withDevice("bob-laptop"))) {
            c.type("/login bob", PW, "/devices now");
            assertThat(c.finish()).as("a mistyped command fails the script").isEqualTo(1);
            assertThat(c.output()).contains("usage: /devices");
        }
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

    /**
     * Regression (issue 27 §2): a line typed for #crew went privately to bob, because bob's message arrived
     * while it was being typed and retargeted the prompt. Now only the person changes where plain text goes.
     */
    @Test
    void aMessageArrivingWhileALineIsTypedNeverRetargetsIt() {
        register("alice");
        register("bob");
        register("carol");
        assertThat(script("/login alice", PW, "/group create #crew", "/group add #crew carol")).isZero();
        try (ScriptedClient alice = new ScriptedClient(port()); ScriptedClient carol = new ScriptedClient(port())) {
            carol.type("/login carol", PW).awaitOutput("logged in as carol");
            alice.type("/login alice", PW, "#crew hello crew").awaitOutput("sent to #crew");
            carol.awaitOutput("alice in #crew: hello crew");
            assertThat(script("/login bob", PW, "@alice are you there?")).isZero();
            alice.awaitOutput("bob: are you there?");
            alice.type("still for the crew"); // the prompt stays on #crew
            carol.awaitOutput("alice in #crew: still for the crew");
            assertThat(alice.output()).contains("bob: are you there?   (/r to answer)"); // said how to answer
            alice.type("/r yes, bob").awaitOutput("sent to bob");
            alice.type("plain text now goes to bob");
            alice.type("@nobody hello?").awaitOutput("no such user: nobody");
            alice.type("and after a failed send still to bob", "/to #crew", "back to the crew", "/to nobody");
            carol.awaitOutput("alice in #crew: back to the crew");
            assertThat(alice.finish()).isNotZero(); // @nobody and /to nobody failed
            assertThat(alice.output()).contains("no such user: nobody — /list finds people");
            assertThat(carol.finish()).isZero();
            assertThat(carol.output()).doesNotContain("yes, bob", "plain text now goes", "after a failed send");
        }
        assertThat(scriptOutput(0, "/login bob", PW)).contains("alice: yes, bob", "alice: plain text now goes to bob",
                "alice: and after a failed send still to bob").doesNotContain("crew");
    }

    /** A person who has not chosen a conversation is told how to answer, and /r chooses it. */
    @org.junit.jupiter.api.RepeatedTest(5) // the first message may arrive while the login is still returning
    void plainTextWithNoConversationChosenSaysHowToAnswer() {
        register("alice");
        register("bob");
        assertThat(script("/login bob", PW, "@alice hi")).isZero();
        String out;
        try (ScriptedClient alice = new ScriptedClient(port())) {
            alice.type("/login alice", PW).awaitOutput("bob: hi");
            alice.type("hello?", "/r", "hello bob").awaitOutput("sent to bob");
            assertThat(alice.finish()).isNotZero();
            out = alice.output();
        }
        assertThat(out).contains("bob: hi   (/r to answer)", "not sent: no conversation chosen — /r TEXT answers bob",
                "plain text goes to bob now", "sent to bob");
    }

    /** Regression (issue 27 §8): /list matched whole names only, and the README's quoted example failed pasted. */
    @Test
    void listFindsAPartOfTheNameAndTakesQuotesAsTheShellWould() {
        register("alice");
        register("bob");
        String out = scriptOutput(0, "/login alice", PW, "/list LIC", "/list -r 'a.*'", "/list \"b*\"", "/list ?o?");
        assertThat(out.lines().filter(l -> l.contains("alice  (")).count()).as("'LIC' and -r 'a.*'").isEqualTo(2);
        assertThat(out.lines().filter(l -> l.contains("bob  (")).count()).as("\"b*\" and ?o?").isEqualTo(2);
        assertThat(scriptOutput(0, "/login alice", PW, "/list zz")).contains("no users match");
    }

    /** The server gives no notice of an addition: the client notices a group it did not know and says so. */
    @Test
    void aMemberAddedToAGroupIsToldOnce() {
        register("alice");
        register("bob");
        try (ScriptedClient bob = new ScriptedClient(port())) {
            bob.type("/login bob", PW).awaitOutput("logged in as bob");
            assertThat(script("/login alice", PW, "/group create #crew", "/group add #crew bob", "#crew welcome",
                    "#crew again")).isZero();
            bob.awaitOutput("alice in #crew: again");
            assertThat(bob.finish()).isZero();
            assertThat(bob.output()).containsSubsequence("you were added to #crew (owner alice, 2 members)",
                    "alice in #crew: welcome");
            assertThat(count(bob.output(), "you were added to #crew")).isEqualTo(1);
        }
        assertThat(scriptOutput(0, "/login bob", PW)).contains("your groups: #crew");
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
    void aChangedPasswordLogsOutTheOtherSessionsAndANewFullNameIsListed() {
        register("bob");
        try (ScriptedClient phone = new ScriptedClient(port())) {
            phone.type("/login bob", PW).awaitOutput("logged in as bob");
            String out = scriptOutput(0, "/login bob", PW, "/password", PW, "battery staple", "/name Robert Tables", "/list bob");
            assertThat(out).containsSubsequence("password changed; your other sessions are logged out",
                    "your full name is now Robert Tables", "bob  (Robert Tables)");
            phone.type("/list bob").awaitOutput("expired");
        }
        assertThat(scriptOutput(1, "/login bob", PW)).contains("error: wrong username or password");
        assertThat(scriptOutput(1, "/login bob", "battery staple", "/password", "wrong password", "another one"))
                .contains("error: wrong username or password");
        assertThat(scriptOutput(1, "/login bob", "battery staple", "/password", "battery staple", "short"))
                .contains("password not changed");
        assertThat(scriptOutput(1, "/login bob", "battery staple", "/name")).contains("usage: /name FULL NAME");
    }

    @Test
    void searchListsMatchingMessagesNewestFirstWithTimeSenderAndConversation() {
        register("alice");
        register("bob");
        assertThat(script("/login bob", PW, "@alice lunch at the Café?", "/group create #crew", "/group add #crew alice",
                "#crew café for everyone", "@alice something else")).isZero();
        String out = scriptOutput(1, "/login alice", PW, "@bob cafe sounds good", "/search CAFE", "/search nothing-here",
                "/search", "/search ?!");
        assertThat(out).containsSubsequence("you \u2192 bob: cafe sounds good", "bob in #crew: café for everyone",
                "bob \u2192 you: lunch at the Café?", "no messages match nothing-here", "usage: /search WORDS");
        assertThat(out).doesNotContain("\u2192 you: something else").contains("the query has no word");
        assertThat(out).containsPattern("\\d\\d:\\d\\d\\] you \u2192 bob: cafe sounds good");
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
     * The issue's outage: a message typed while the server is down — longer than any request is retried —
     * is queued at once, the prompt keeps answering (and says when the next attempt is), and the message is
     * delivered once when the server is back. The outage lasts until the client has failed 8 attempts to
     * reach the server, which its backoff makes longer than its 1 s of retrying a request (checked below).
     */
    @Test
    @org.junit.jupiter.api.Timeout(150)
    void aMessageTypedDuringALongOutageIsDeliveredOnceAfterIt() {
        register("alice");
        register("bob");
        Backoff backoff = new Backoff(Duration.ofMillis(200), Duration.ofMillis(300));
        ChatClient.Options shortRetries = new ChatClient.Options(Duration.ofSeconds(2), backoff, Duration.ofSeconds(10),
                Duration.ofSeconds(1));
        int attempts = 8;
        Duration leastOutage = Duration.ZERO;
        for (int n = 0; n < attempts; n++) { // each wait is at least 4/5 of min(max, first × 2^n)
            Duration base = backoff.first().multipliedBy(1L << n);
            leastOutage = leastOutage.plus((base.compareTo(backoff.max()) < 0 ? base : backoff.max()).multipliedBy(4).dividedBy(5));
        }
        assertThat(leastOutage).as("the outage outlasts any retry of a request").isGreaterThan(shortRetries.retryFor());
        try (ScriptedClient alice = new ScriptedClient(port(), shortRetries)) {
            alice.type("/login alice", PW).awaitOutput("logged in as alice");
            fx.down();
            alice.type("@bob typed during the outage").awaitOutput("queued for bob");
            Pattern attempt = Pattern.compile("\\(attempt (\\d+)\\)");
            int answered = 0;
            int failed = 0;
            while (failed < attempts) { // the prompt answers throughout, and tells when it tries next
                alice.type("/status");
                int want = ++answered;
                Await.until("the prompt answers /status during the outage", () -> count(alice.output(), "server 127.0.0.1") == want);
                Matcher m = attempt.matcher(alice.output());
                while (m.find()) {
                    failed = Integer.parseInt(m.group(1));
                }
            }
            assertThat(alice.output()).contains("not connected \u2014 reconnecting", "Enter or /retry tries now")
                    .doesNotContain("error:");
            fx.up();
            alice.awaitOutput("sent to bob");
            assertThat(alice.finish()).isZero();
        }
        String bobSees = scriptOutput(0, "/login bob", PW);
        assertThat(count(bobSees, "alice: typed during the outage")).isEqualTo(1);
    }

    /**
     * Issue 27's "back within 5 s of the server's return", for the terminal client as it runs (the default
     * options: backoff capped at 4 s, a 25 s long poll): the server stays away until the client's backoff is
     * at its cap — its 7th attempt, where any longer outage (50 s) leaves it too — and the figure is printed.
     * What is asserted is what the client tells: no wait longer than the cap, and the message sent to it
     * meanwhile arrives once it is back.
     */
    @Test
    @org.junit.jupiter.api.Timeout(90)
    void afterAnOutageTheTerminalIsBackWithinItsCappedBackoffOfTheServersReturn() {
        register("alice");
        register("bob");
        try (ScriptedClient bob = new ScriptedClient(port(), ChatClient.Options.DEFAULT)) {
            // the login done (what it asks after saying so too: /status waits behind it) and its poll waiting
            bob.type("/login bob", PW, "/status").awaitOutput("server 127.0.0.1");
            Await.until("bob's poll waits", () -> fx.server().waitingFetches() > 0);
            fx.down();
            int attempt = 0;
            while (attempt < 7) { // the prompt answers throughout, and tells the attempt it waits for
                int from = bob.output().length();
                bob.type("/status");
                Await.until(() -> "/status answers during the outage; so far:\n" + bob.output(),
                        () -> bob.output().indexOf("server 127.0.0.1", from) >= 0);
                Matcher m = Pattern.compile("\\(attempt (\\d+)\\)").matcher(bob.output().substring(from));
                while (m.find()) {
                    attempt = Integer.parseInt(m.group(1));
                }
            }
            int before = bob.output().length();
            fx.up();
            long returned = System.nanoTime(); // listening again
            Await.until("the terminal says it is back", () -> bob.output().indexOf("reconnected to", before) >= 0);
            System.out.printf("terminal client back %d ms after the server's return (attempt %d, backoff cap %s)%n",
                    Duration.ofNanos(System.nanoTime() - returned).toMillis(), attempt, Backoff.DEFAULT.max());
            Matcher waits = Pattern.compile("reconnecting in (\\d+) s").matcher(bob.output());
            while (waits.find()) {
                assertThat(Integer.parseInt(waits.group(1))).as("a wait the client told").isLessThanOrEqualTo(4);
            }
            assertThat(script("/login alice", PW, "@bob while you were away")).isZero();
            bob.awaitOutput("alice: while you were away");
            assertThat(bob.finish()).isZero();
        }
    }

    /**
     * Regression (issue 27 §5): an unreachable server, or one that does not speak TLS to a TLS client, was
     * told only after /login and the password had been typed. Here no password line follows /login: asked
     * for first, its absence would end the script with "cancelled". A password line that does follow is
     * dropped, never taken for a command or a message.
     */
    @Test
    void anUnreachableServerOrATlsMismatchIsToldBeforeThePasswordIsAsked() throws Exception {
        int deadPort;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            deadPort = s.getLocalPort();
        }
        try (ScriptedClient c = new ScriptedClient(deadPort)) {
            c.type("/login alice");
            assertThat(c.finish()).isOne();
            assertThat(c.output()).contains("error: cannot connect to 127.0.0.1:" + deadPort + ": nothing is listening there")
                    .doesNotContain("cancelled");
        }
        try (ScriptedClient c = new ScriptedClient(deadPort)) {
            c.type("/register alice", "Alice", "/a password");
            assertThat(c.finish()).isOne();
            assertThat(c.output()).contains("nothing is listening there").doesNotContain("unknown command", "password");
        }
        try (ScriptedClient c = new ScriptedClient(port(), ScriptedClient.FAST.withTls(Tls.systemTrust()))) {
            c.type("/login alice");
            assertThat(c.finish()).isOne();
            assertThat(c.output()).contains("error: cannot connect to 127.0.0.1:" + port() + ": TLS with 127.0.0.1:" + port()
                    + " failed").doesNotContain("cancelled");
        }
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
