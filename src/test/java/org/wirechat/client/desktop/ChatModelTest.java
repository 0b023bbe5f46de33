package org.wirechat.client.desktop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.wirechat.client.ChatClient;
import org.wirechat.client.ChatException;
import org.wirechat.client.ScriptedClient;
import org.wirechat.protocol.ErrorCode;
import org.wirechat.protocol.Limits;
import org.wirechat.protocol.Response;
import org.wirechat.server.Await;
import org.wirechat.server.ServerFixture;

/** The desktop client's behaviour, without a screen, against a real server. */
class ChatModelTest {
    static final String PW = "correct horse";

    @TempDir
    Path dir;
    ServerFixture fx;
    ChatModel model;
    ChatClient bob;
    final List<Response.Message> bobGot = new CopyOnWriteArrayList<>();

    @BeforeEach
    void start() throws ChatException {
        fx = new ServerFixture(dir);
        model = new ChatModel(ChatModel.ClientFactory.with(ScriptedClient.FAST));
        bob = new ChatClient("127.0.0.1", fx.server().port(), bobGot::addAll, ScriptedClient.FAST);
        bob.register("bob", "Bob Builder", PW);
        bob.login("bob", PW);
    }

    @AfterEach
    void stop() {
        model.close();
        bob.close();
        fx.close();
    }

    private int port() {
        return fx.server().port();
    }

    private ChatModel.User user(String name) {
        return model.snapshot().users().stream().filter(u -> u.username().equals(name)).findFirst().orElseThrow();
    }

    @Test
    void registeringLogsInAndListsUsersWithOnlineMarks() throws ChatException {
        model.register("127.0.0.1", port(), "alice", "Alice Liddell", PW);
        ChatModel.Snapshot s = model.snapshot();
        assertThat(s.me()).isEqualTo("alice");
        assertThat(s.link()).isEqualTo(ChatModel.LinkState.CONNECTED);
        assertThat(s.users()).extracting(ChatModel.User::username, ChatModel.User::fullName, ChatModel.User::online)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("alice", "Alice Liddell", true),
                        org.assertj.core.groups.Tuple.tuple("bob", "Bob Builder", true));

        bob.logout(); // the server sees bob's poll connection close a moment later
        Await.until("bob shown offline", () -> {
            try {
                model.refreshUsers();
            } catch (ChatException e) {
                throw new AssertionError(e);
            }
            return !user("bob").online();
        });
    }

    @Test
    void theFilterTakesWildcards() throws ChatException {
        bob.register("bella", "Bella", PW);
        bob.register("carol", "Carol", PW);
        model.register("127.0.0.1", port(), "alice", "Alice", PW);
        model.filter("b*");
        assertThat(model.snapshot().users()).extracting(ChatModel.User::username).containsExactly("bella", "bob");
        model.filter("?arol");
        assertThat(model.snapshot().users()).extracting(ChatModel.User::username).containsExactly("carol");
        model.filter("");
        assertThat(model.snapshot().users()).hasSize(4);
        assertThat(model.snapshot().filter()).isEqualTo("*");
    }

    @Test
    void aMessageToAClosedConversationCountsAsUnreadUntilItIsOpened() throws ChatException {
        model.register("127.0.0.1", port(), "alice", "Alice", PW);
        bob.send("alice", "one");
        bob.send("alice", "two");
        Await.until("two unread from bob", () -> model.snapshot().unread("bob") == 2);
        assertThat(model.snapshot().users()).extracting(ChatModel.User::username).as("rows stay in place")
                .containsExactly("alice", "bob");

        model.open("bob");
        ChatModel.Snapshot s = model.snapshot();
        assertThat(s.unread("bob")).isZero();
        assertThat(s.conversation()).extracting(ChatModel.Line::body).containsExactly("one", "two");

        bob.send("alice", "three"); // the open conversation grows instead
        Await.until("the third shows", () -> model.snapshot().conversation().size() == 3);
        assertThat(model.snapshot().unread("bob")).isZero();
    }

    @Test
    void sendingGoesToTheOpenConversationAndTheReplyAppears() throws ChatException {
        model.register("127.0.0.1", port(), "alice", "Alice", PW);
        model.open("bob");
        model.send("hello bob");
        Await.until("bob receives it", () -> !bobGot.isEmpty());
        assertThat(bobGot.get(0).sender()).isEqualTo("alice");
        bob.send("alice", "hi alice");
        Await.until("the reply shows", () -> model.snapshot().conversation().size() == 2);
        assertThat(model.snapshot().conversation()).extracting(ChatModel.Line::body, ChatModel.Line::mine)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("hello bob", true),
                        org.assertj.core.groups.Tuple.tuple("hi alice", false));
    }

    @Test
    void openingLoadsHistoryAPageAtATime() throws ChatException {
        model.register("127.0.0.1", port(), "alice", "Alice", PW);
        int total = ChatModel.HISTORY_PAGE + 7;
        for (int i = 0; i < total; i++) {
            bob.send("alice", "m" + i);
        }
        Await.until("all arrived", () -> model.snapshot().unread("bob") == total);
        model.open("bob");
        assertThat(model.snapshot().conversation()).hasSize(ChatModel.HISTORY_PAGE);
        assertThat(model.snapshot().conversation().get(ChatModel.HISTORY_PAGE - 1).body()).isEqualTo("m" + (total - 1));
        assertThat(model.snapshot().olderAvailable()).isTrue();
        model.loadOlder();
        assertThat(model.snapshot().conversation()).hasSize(total);
        assertThat(model.snapshot().conversation().get(0).body()).isEqualTo("m0");
        assertThat(model.snapshot().olderAvailable()).isFalse();
    }

    @Test
    void draftsAreCheckedAgainstTheLimitBeforeSending() {
        assertThat(ChatModel.draftProblem("")).isEqualTo("type a message");
        assertThat(ChatModel.draftProblem("x".repeat(Limits.BODY_MAX - 1))).isEmpty();
        assertThat(ChatModel.draftProblem("x".repeat(Limits.BODY_MAX))).isEmpty();
        assertThat(ChatModel.draftProblem("x".repeat(Limits.BODY_MAX + 1)))
                .isEqualTo("too long: " + (Limits.BODY_MAX + 1) + " of at most " + Limits.BODY_MAX + " characters");
        String emoji = "😀".repeat(Limits.BODY_MAX); // counted as the server counts: code points, not UTF-16 units
        assertThat(ChatModel.length(emoji)).isEqualTo(Limits.BODY_MAX);
        assertThat(ChatModel.draftProblem(emoji)).isEmpty();
    }

    @Test
    void sendingToAUserDeletedMeanwhileSaysSoClearly() throws ChatException {
        model.register("127.0.0.1", port(), "alice", "Alice", PW);
        model.open("bob");
        bob.deleteAccount(PW);
        model.send("are you there?"); // queued at once; the server's refusal marks it
        Await.until("the message is marked refused", () -> model.snapshot().conversation().stream()
                .anyMatch(l -> l.delivery() == ChatModel.Delivery.FAILED));
        assertThat(model.snapshot().conversation()).singleElement().satisfies(l -> {
            assertThat(l.body()).isEqualTo("are you there?");
            assertThat(l.note()).contains("no such user: bob");
        });
        assertThat(model.snapshot().problem()).contains("no such user: bob");
        model.refreshUsers(); // the periodic refresh does not hide the problem before it is read
        assertThat(model.snapshot().problem()).contains("no such user: bob");
        assertThat(model.snapshot().users()).extracting(ChatModel.User::username).containsExactly("alice");
    }

    @Test
    void wrongPasswordsAndBadInputAreReportedWithoutLoggingIn() {
        assertThatThrownBy(() -> model.login("127.0.0.1", port(), "bob", "wrong password"))
                .hasMessageContaining("wrong username or password");
        assertThatThrownBy(() -> model.register("127.0.0.1", port(), "bob", "Another Bob", PW))
                .hasMessageContaining("taken");
        assertThatThrownBy(() -> model.login("127.0.0.1", 0, "bob", PW)).hasMessageContaining("port");
        assertThatThrownBy(() -> model.login(" ", port(), "bob", PW)).hasMessageContaining("host");
        assertThat(model.snapshot().me()).isNull();
        assertThat(model.snapshot().link()).isEqualTo(ChatModel.LinkState.LOGGED_OUT);
    }

    @Test
    void deletingTheAccountHandsOverWaitingMailThenLogsOut() throws ChatException {
        model.register("127.0.0.1", port(), "alice", "Alice", PW);
        model.open("bob");
        bob.send("alice", "last words");
        assertThatThrownBy(() -> model.deleteAccount("wrong password")).hasMessageContaining("wrong");
        model.deleteAccount(PW);
        assertThat(model.snapshot().me()).isNull();
        assertThatThrownBy(() -> model.login("127.0.0.1", port(), "alice", PW)).hasMessageContaining("wrong username");
    }

    @Test
    void aServerRestartIsShownAndRecoveredFromWithoutLosingMessages() throws ChatException {
        model.register("127.0.0.1", port(), "alice", "Alice", PW);
        List<ChatModel.LinkState> seen = new CopyOnWriteArrayList<>();
        model.addListener(m -> seen.add(m.snapshot().link()));
        model.open("bob");
        fx.restart();
        Await.until("the model notices", () -> seen.contains(ChatModel.LinkState.RECONNECTING));
        bob.send("alice", "sent while alice was reconnecting");
        Await.until("it arrives", () -> model.snapshot().conversation().size() == 1);
        Await.until("connected again", () -> model.snapshot().link() == ChatModel.LinkState.CONNECTED);
        model.send("and the answer goes out");
        Await.until("bob has it", () -> bobGot.stream().anyMatch(m -> m.body().equals("and the answer goes out")));
    }

    @Test
    void aSessionEndedElsewhereAsksForTheLoginAgain() throws ChatException {
        model.register("127.0.0.1", port(), "alice", "Alice", PW);
        fx.clock.advance(java.time.Duration.ofDays(2)); // past every token's lifetime
        assertThatThrownBy(() -> model.open("bob")).hasMessageContaining("log in");
        Await.until("session marked ended", () -> model.snapshot().sessionExpired());
    }
}
