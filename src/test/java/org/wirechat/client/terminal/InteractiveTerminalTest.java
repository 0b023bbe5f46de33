package org.wirechat.client.terminal;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.wirechat.client.Backoff;
import org.wirechat.client.ChatClient;
import org.wirechat.client.ChatException;
import org.wirechat.protocol.Response;
import org.wirechat.server.Await;
import org.wirechat.server.ServerFixture;

/** The interactive terminal client, driven through a pseudo-terminal as a person types at it. */
@Timeout(90)
class InteractiveTerminalTest {
    static final String PW = "correct horse";
    /** Quick reconnection attempts; a request retried for ten minutes, so a prompt it holds up never comes back in a test. */
    static final ChatClient.Options OPTIONS = new ChatClient.Options(Duration.ofSeconds(2),
            new Backoff(Duration.ofMillis(20), Duration.ofMillis(300)), Duration.ofSeconds(10), Duration.ofMinutes(10));

    @TempDir
    Path dir;
    ServerFixture fx;
    ChatClient bob;
    final List<Response.Message> bobGot = new CopyOnWriteArrayList<>();

    @BeforeEach
    void start() throws ChatException {
        fx = new ServerFixture(dir);
        try (ChatClient alice = new ChatClient("127.0.0.1", fx.server().port(), m -> { }, OPTIONS)) {
            alice.register("alice", "Alice", PW);
        }
        bob = new ChatClient("127.0.0.1", fx.server().port(), bobGot::addAll, OPTIONS);
        bob.register("bob", "Bob", PW);
        bob.login("bob", PW);
    }

    @AfterEach
    void stop() {
        bob.close();
        fx.close();
    }

    private List<String> bobsBodies() {
        return bobGot.stream().map(Response.Message::body).toList();
    }

    /** Plain text being typed tells the conversation it goes to that alice types; the line sent, bob has the message. */
    @Test
    void typingPlainTextTellsThePeerAndACommandDoesNot() throws Exception {
        List<Response.Typing> bobTold = new CopyOnWriteArrayList<>();
        try (Person alice = new Person();
                ChatClient laptop = new ChatClient("127.0.0.1", fx.server().port(), new ChatClient.Listener() {
                    @Override
                    public void messages(List<Response.Message> m) {
                    }

                    @Override
                    public void typing(Response.Typing t) {
                        bobTold.add(t);
                    }
                }, OPTIONS.withDevice("bob-laptop"))) {
            laptop.login("bob", PW);
            Await.until("bob's two clients SYNC", () -> fx.server().liveDevices() == 2);
            alice.start(fx.server().port(), OPTIONS);
            alice.type("/login alice\r").awaitScreen("Password:");
            alice.type(PW + "\r").awaitScreen("logged in as alice");
            alice.type("/to bob\r").awaitScreen("\u2192 bob");
            Await.until("alice's client SYNCs too", () -> fx.server().liveDevices() == 3);
            alice.type("/he"); // a command being typed is no draft
            alice.type("\u0015"); // Ctrl-U: the line emptied
            alice.type("hel");
            Await.until(() -> "bob told alice types; he was told " + bobTold, () -> !bobTold.isEmpty());
            assertThat(bobTold.getFirst()).extracting(Response.Typing::from, Response.Typing::conversation, Response.Typing::typing)
                    .containsExactly("alice", "alice", true);
            alice.type("lo\r");
            Await.until(() -> "bob receiving it; he has " + bobsBodies() + "; alice's screen:\n" + alice.screen(),
                    () -> bobsBodies().contains("hello"));
            assertThat(bobTold).as("told once while typing (a repeat only after 3 s)").hasSize(1);
            assertThat(alice.quit()).isZero();
        }
    }

    /**
     * Regression (issue 27): lines typed before the prompt was ready were lost. JLine probed the new terminal for
     * its modes, read the input for the answer and threw away what else was there: "/login alice", typed as the
     * client started, was never carried out. Now every line typed ahead is carried out, in the order typed —
     * as a shell does — also the ones typed while the login is still under way.
     */
    @Test
    void linesTypedBeforeThePromptIsReadyAreCarriedOutInOrder() {
        try (Person alice = new Person()) {
            alice.type("/login alice\r"); // before the client has even started
            alice.start(fx.server().port(), OPTIONS);
            alice.awaitScreen("Password:");
            alice.type(PW + "\r@bob typed while logging in\r@bob and a second line\r");
            Await.until(() -> "bob receiving both lines; he has " + bobsBodies() + "; alice's screen:\n" + alice.screen(),
                    () -> bobGot.size() == 2);
            assertThat(bobsBodies()).containsExactly("typed while logging in", "and a second line");
            assertThat(alice.quit()).isZero();
        }
    }

    /**
     * Regression (issue 27): the server going away during a login's follow-ups (its limits, the groups) left the
     * prompt dead for as long as a request is retried (30 s by default; ten minutes here): nothing typed was
     * answered. Now the prompt answers at once — /status tells it is reconnecting and how to try now, a message
     * is queued — and the follow-ups are asked again when the server is back.
     */
    @Test
    void thePromptAnswersWhenTheServerDiesDuringTheLoginsFollowUps() throws Exception {
        bob.createGroup("#crew");
        bob.addToGroup("#crew", "alice");
        try (DyingProxy server = new DyingProxy(fx.server().port()); Person alice = new Person()) {
            alice.start(server.port(), OPTIONS).awaitScreen("/register or /login to start");
            alice.type("/login alice\r").awaitScreen("Password:");
            alice.type(PW + "\r").awaitScreen("logged in as alice");
            Await.until("the server gone during the login's follow-ups", server::dead);
            int from = alice.screen().length();
            alice.type("/status\r").awaitScreen("not connected", from);
            // the notice of the lost connection comes once, when the client first finds the server gone: before this
            // /status or after it, whichever of its calls fails first
            alice.awaitScreen("Enter or /retry tries now", alice.screen().indexOf("logged in as alice"));
            alice.type("@bob written while the server is away\r").awaitScreen("queued for bob", from);
            assertThat(alice.screen().substring(from)).doesNotContain("your groups");

            server.revive();
            alice.type("\r"); // Enter: try now
            alice.awaitScreen("reconnected to", from).awaitScreen("your groups: #crew", from);
            Await.until(() -> "bob receiving the queued message; he has " + bobsBodies(),
                    () -> bobsBodies().contains("written while the server is away"));
            assertThat(alice.quit()).isZero();
        }
    }
}
