package org.wirechat.client.desktop;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.wirechat.client.ChatClient;
import org.wirechat.client.ChatException;
import org.wirechat.client.ScriptedClient;
import org.wirechat.client.local.StoreFiles;
import org.wirechat.protocol.ErrorCode;
import org.wirechat.protocol.Limits;
import org.wirechat.protocol.PatternMode;
import org.wirechat.protocol.Request;
import org.wirechat.protocol.Response;
import org.wirechat.server.Await;
import org.wirechat.server.ServerFixture;
import org.wirechat.server.TestConnection;

/** The desktop client's behaviour, without a screen, against a real server. */
@Timeout(120)
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

        // carol is online on one plain connection: closing it is the event the server sees at once (a
        // client's own poll would be noticed only when its long poll ends)
        TestConnection carol = fx.connect();
        fx.register(carol, "carol");
        model.refreshUsers();
        assertThat(user("carol").online()).isTrue();
        carol.close();
        Await.until("carol shown offline", () -> {
            try {
                model.refreshUsers();
            } catch (ChatException e) {
                throw new AssertionError(e);
            }
            return !user("carol").online();
        });
    }

    @Test
    void theOpenConversationShowsWhoIsTypingUntilTheirMessageAndTheDraftTellsThePeer() throws Exception {
        model.register("127.0.0.1", port(), "alice", "Alice", PW);
        model.open("bob");
        Await.until("both pollers SYNC (a device is told events from its first SYNC on)", () -> fx.server().liveDevices() == 2);
        bob.typing("alice", true);
        Await.until("alice sees bob typing", () -> model.snapshot().typing().equals("bob is typing…"));
        bob.send("alice", "here I am");
        Await.until("his message ends it", () -> model.snapshot().conversation().stream().anyMatch(l -> l.body().equals("here I am"))
                && model.snapshot().typing().isEmpty());

        try (TestConnection laptop = fx.connect()) { // bob's laptop, SYNCing by hand: what alice's draft tells
            String token = laptop.ok(new Request.LoginDevice("bob", PW, "bob-laptop"), Response.DeviceLoggedIn.class).token();
            laptop.ok(new Request.Sync(token, 0, 10, 0), Response.Events.class); // from its first SYNC on, events wait for it
            model.draftChanged("h");
            model.draftChanged("he"); // within 3 s: not told again
            assertThat(laptop.ok(new Request.Sync(token, 0, 10, 0), Response.Events.class).typing())
                    .containsExactly(new Response.Typing("alice", "alice", true, 6_000));
            model.draftChanged(""); // the draft emptied: told "stopped"
            assertThat(laptop.ok(new Request.Sync(token, 0, 10, 0), Response.Events.class).typing())
                    .containsExactly(new Response.Typing("alice", "alice", false, 0));
            fx.clock.advance(java.time.Duration.ofSeconds(2)); // the server passes one indication a state every 2 s
            model.draftChanged("x");
            assertThat(laptop.ok(new Request.Sync(token, 0, 10, 0), Response.Events.class).typing()).hasSize(1);
            fx.clock.advance(java.time.Duration.ofSeconds(2));
            model.send("x"); // sent: the next draft tells again at once, not 3 s after the last
            model.draftChanged("y");
            assertThat(laptop.ok(new Request.Sync(token, 0, 10, 0), Response.Events.class).typing()).extracting(Response.Typing::typing)
                    .containsExactly(true);
        }
    }

    @Test
    void groupsAreConversationsTheirMessagesArriveThereAndMembersCanBeListed() throws ChatException {
        model.register("127.0.0.1", port(), "alice", "Alice", PW);
        model.createGroup("crew"); // the '#' is added
        assertThat(model.snapshot().open()).isEqualTo("#crew");
        model.addMember("bob");
        assertThat(model.snapshot().conversations()).extracting(ChatModel.Conversation::peer, ChatModel.Conversation::fullName)
                .contains(org.assertj.core.groups.Tuple.tuple("#crew", "group · 2 members · owner alice"));
        assertThat(model.members().members()).extracting(Response.Member::username, Response.Member::owner)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("alice", true), org.assertj.core.groups.Tuple.tuple("bob", false));

        model.send("hello crew");
        Await.until("bob gets it from the group", () -> bobGot.stream().anyMatch(m -> m.recipient().equals("#crew")));
        model.open("bob"); // elsewhere when it arrives: unread in the group's conversation, not bob's
        bob.send("#crew", "hi alice").result().join();
        Await.until("the group's conversation counts it", () -> model.snapshot().unread("#crew") == 1);
        assertThat(model.snapshot().unread("bob")).isZero();
        model.open("#crew");
        assertThat(model.snapshot().conversation()).extracting(ChatModel.Line::sender, ChatModel.Line::body)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("alice", "hello crew"), org.assertj.core.groups.Tuple.tuple("bob", "hi alice"));

        model.leaveGroup();
        assertThat(model.snapshot().open()).isNull();
        assertThat(model.snapshot().conversations()).extracting(ChatModel.Conversation::peer).doesNotContain("#crew");
        assertThatThrownBy(() -> model.addMember("bob")).hasMessageContaining("open a group first");
    }

    @Test
    void whatYourOtherDeviceSendsAppearsInItsConversationAsYoursAndNotAsUnread() throws Exception {
        try (ChatModel laptop = new ChatModel(ChatModel.ClientFactory.with(ScriptedClient.FAST.withDevice("alice-laptop")));
                ChatClient phone = new ChatClient("127.0.0.1", port(), m -> { }, ScriptedClient.FAST.withDevice("alice-phone"))) {
            phone.register("alice", "Alice", PW);
            phone.login("alice", PW);
            laptop.login("127.0.0.1", port(), "alice", PW);
            phone.send("bob", "from the phone").result().join();
            phone.send("bob", "and again").result().join();
            Await.until("the laptop shows them in bob's conversation", () -> laptop.snapshot().conversations().stream()
                    .anyMatch(c -> c.peer().equals("bob") && "and again".equals(c.last())));
            laptop.open("bob");
            Await.until("both there", () -> laptop.snapshot().conversation().size() == 2);
            assertThat(laptop.snapshot().conversation()).extracting(ChatModel.Line::sender, ChatModel.Line::body, ChatModel.Line::mine)
                    .containsExactly(org.assertj.core.groups.Tuple.tuple("alice", "from the phone", true),
                            org.assertj.core.groups.Tuple.tuple("alice", "and again", true));
            assertThat(laptop.snapshot().unread("bob")).as("one's own messages are not unread").isZero();
        }
    }

    @Test
    void yourGroupMessagesShowHowManyMembersHaveThemUnlessYourReceiptsAreOff() throws Exception {
        model.register("127.0.0.1", port(), "alice", "Alice", PW);
        try (ChatClient carol = new ChatClient("127.0.0.1", port(), m -> { }, ScriptedClient.FAST)) {
            carol.register("carol", "Carol", PW);
            model.createGroup("crew");
            model.addMember("bob");
            model.addMember("carol");
            carol.close(); // carol's client stops: it will not acknowledge
            model.send("hello crew");
            Await.until("bob has it", () -> bobGot.stream().anyMatch(m -> m.body().equals("hello crew")));
            // bob's client acknowledges it with its next poll; the window asks every few seconds, this test at once
            Await.until("shown reaching one of two", () -> {
                model.refreshReceipts();
                ChatModel.Line l = model.snapshot().conversation().getLast();
                return l.reach().equals("1/2") && l.delivery() == ChatModel.Delivery.SENT;
            });
            model.setReceipts(false);
            assertThat(model.snapshot().conversation().getLast()).as("alice's own off: she learns nothing of others")
                    .extracting(ChatModel.Line::reach, ChatModel.Line::delivery).containsExactly("", ChatModel.Delivery.SENT);
        }
        try (ChatClient carol = new ChatClient("127.0.0.1", port(), m -> { }, ScriptedClient.FAST)) {
            model.setReceipts(true);
            carol.login("carol", PW); // her client polls and acknowledges what waits
            Await.until("shown reaching both", () -> {
                model.refreshReceipts();
                ChatModel.Line l = model.snapshot().conversation().getLast();
                return l.reach().equals("2/2") && l.delivery() == ChatModel.Delivery.DELIVERED;
            });
        }
    }

    @Test
    void theConversationListAndUnreadCountsSurviveALogoutAndTheKeptHistoryReadsWithTheServerStopped() throws Exception {
        ChatModel.Stores kept = new StoreFiles(dir.resolve("device"), "alice-laptop")::open;
        try (ChatModel laptop = new ChatModel(ChatModel.ClientFactory.with(ScriptedClient.FAST.withDevice("alice-laptop")), kept)) {
            laptop.register("127.0.0.1", port(), "alice", "Alice", PW);
            laptop.createGroup("crew");
            laptop.addMember("bob");
            laptop.send("hello crew");
            laptop.open("bob");
            laptop.send("hello bob");
            Await.until("both stored", () -> bobGot.size() == 2);
            bob.send("#crew", "hi from bob").result().join();
            Await.until("unread in the group", () -> laptop.snapshot().unread("#crew") == 1);
            List<ChatModel.Conversation> before = laptop.snapshot().conversations();
            assertThat(before).extracting(ChatModel.Conversation::peer).containsExactly("#crew", "bob");

            laptop.logout();
            assertThat(laptop.snapshot().conversations()).isEmpty();
            laptop.login("127.0.0.1", port(), "alice", PW);
            assertThat(laptop.snapshot().conversations()).as("the same list, unread count and last messages").isEqualTo(before);
            assertThat(before.getFirst().lastMillis()).as("a group shows its last message's time").isPositive();

            // the new login's poll under way before the server goes (CI once took it down 8 ms after the login)
            Await.until("the laptop polls again (beside bob)", () -> fx.server().waitingFetches() == 2);
            fx.down();
            Await.until(() -> "the model notices; it shows " + laptop.snapshot().link() + " (" + laptop.snapshot().linkDetail()
                    + "), problem \"" + laptop.snapshot().problem() + "\", status \"" + laptop.snapshot().status() + "\"",
                    () -> laptop.snapshot().link() == ChatModel.LinkState.RECONNECTING);
            laptop.open("#crew");
            ChatModel.Snapshot s = laptop.snapshot();
            assertThat(s.conversation()).extracting(ChatModel.Line::sender, ChatModel.Line::body)
                    .containsExactly(org.assertj.core.groups.Tuple.tuple("alice", "hello crew"),
                            org.assertj.core.groups.Tuple.tuple("bob", "hi from bob"));
            assertThat(s.unread("#crew")).isZero();
            assertThat(s.status()).contains("offline");
            laptop.open("bob");
            assertThat(laptop.snapshot().conversation()).extracting(ChatModel.Line::body).containsExactly("hello bob");
        }
    }

    /**
     * Issue 27 §11 on the desktop: a member added to a group (the server sends no notice) sees the group as a
     * conversation of its own, owner and members under its name, at the next refresh of the lists (every 15 s,
     * and at login) — before anyone has written in it.
     */
    @Test
    void aGroupYouWereAddedToAppearsAmongTheConversationsAtTheNextRefresh() throws ChatException {
        model.register("127.0.0.1", port(), "alice", "Alice", PW);
        assertThat(model.snapshot().conversations()).extracting(ChatModel.Conversation::peer).doesNotContain("#crew");
        bob.createGroup("#crew");
        bob.addToGroup("#crew", "alice");
        model.refreshUsers();
        assertThat(model.snapshot().conversations()).extracting(ChatModel.Conversation::peer, ChatModel.Conversation::fullName)
                .contains(org.assertj.core.groups.Tuple.tuple("#crew", "group · 2 members · owner bob"));
    }

    /**
     * Regression (issue 27 §11, the desktop's half): a member added to a group was told nothing — the group just
     * appeared in the list. The refresh that finds it says so once in the status line, as the terminal does; a
     * group made by this user is not news. A group one was added to while logged out is told at the next login
     * (this device recorded the groups it saw), once; a device new to the account has nothing to compare with.
     */
    @Test
    void aMemberAddedToAGroupIsToldOnceAlsoWhenItHappenedWhileLoggedOut() throws ChatException {
        ChatModel.Stores kept = new StoreFiles(dir.resolve("device"), "alice-laptop")::open;
        try (ChatModel laptop = new ChatModel(ChatModel.ClientFactory.with(ScriptedClient.FAST.withDevice("alice-laptop")), kept)) {
            laptop.register("127.0.0.1", port(), "alice", "Alice", PW);
            laptop.createGroup("#mine");
            laptop.refreshUsers();
            assertThat(laptop.snapshot().status()).doesNotContain("added");
            bob.createGroup("#crew");
            bob.addToGroup("#crew", "alice");
            laptop.refreshUsers();
            assertThat(laptop.snapshot().status()).contains("you were added to #crew (owner bob, 2 members)")
                    .doesNotContain("#mine", "while you were away");
            laptop.dismissProblem(); // Escape: read
            laptop.refreshUsers();
            assertThat(laptop.snapshot().status()).doesNotContain("added");

            laptop.logout();
            bob.createGroup("#night");
            bob.addToGroup("#night", "alice");
            laptop.login("127.0.0.1", port(), "alice", PW);
            assertThat(laptop.snapshot().status()).contains("while you were away, you were added to #night (owner bob, 2 members)")
                    .doesNotContain("#crew", "#mine");
            laptop.dismissProblem();
            laptop.refreshUsers();
            assertThat(laptop.snapshot().status()).doesNotContain("added");
            assertThat(laptop.snapshot().conversations()).extracting(ChatModel.Conversation::peer).contains("#crew", "#mine", "#night");
        }
        ChatModel.Stores fresh = new StoreFiles(dir.resolve("other-device"), "alice-desk")::open;
        try (ChatModel desk = new ChatModel(ChatModel.ClientFactory.with(ScriptedClient.FAST.withDevice("alice-desk")), fresh)) {
            desk.login("127.0.0.1", port(), "alice", PW);
            assertThat(desk.snapshot().status()).as("a new device: nothing to compare with").doesNotContain("added");
        }
    }

    @Test
    void aGroupShowsItsLastMessageAfterLoginNotMidnight() throws Exception {
        bob.createGroup("#crew");
        bob.register("alice", "Alice", PW);
        bob.addToGroup("#crew", "alice");
        long sentAt = bob.send("#crew", "before alice came").result().join().timestampMillis();
        List<Response.Message> read = new CopyOnWriteArrayList<>();
        try (ChatClient other = new ChatClient("127.0.0.1", port(), read::addAll, ScriptedClient.FAST)) {
            other.login("alice", PW); // another client reads it: the desktop's FETCH will not carry it
            Await.until("read there", () -> !read.isEmpty());
        } // closing acknowledges it
        model.login("127.0.0.1", port(), "alice", PW);
        Await.until("the group's row shows its last message", () -> model.snapshot().conversations().stream()
                .anyMatch(c -> c.peer().equals("#crew") && c.last().equals("before alice came")));
        assertThat(model.snapshot().conversations()).filteredOn(c -> c.peer().equals("#crew")).singleElement()
                .satisfies(c -> assertThat(c.lastMillis()).isEqualTo(sentAt));
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
    void theFilterFindsAPartOfANameIgnoringCase() throws ChatException {
        bob.register("bella", "Bella Swan", PW);
        bob.register("carol", "Carol", PW);
        model.register("127.0.0.1", port(), "alice", "Alice", PW);
        model.filter("OB");
        assertThat(model.snapshot().users()).extracting(ChatModel.User::username).containsExactly("bob");
        model.filter("l");
        assertThat(model.snapshot().users()).extracting(ChatModel.User::username).containsExactly("alice", "bella", "bob", "carol");
        model.filter("swa");
        assertThat(model.snapshot().users()).as("the full name too").extracting(ChatModel.User::username).containsExactly("bella");
        assertThat(model.snapshot().filter()).isEqualTo("swa");
        model.filter("b");
        assertThat(model.snapshot().users()).extracting(ChatModel.User::username).containsExactly("bella", "bob");
        model.filter("b?");
        assertThat(model.snapshot().users()).as("a wildcard matches the whole name, as before").isEmpty();
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
    void aChangedPasswordLogsTheOtherSessionsOutAndANewFullNameReachesTheDirectory() throws Exception {
        model.register("127.0.0.1", port(), "alice", "Alice", PW);
        try (ChatClient phone = new ChatClient("127.0.0.1", port(), m -> { }, ScriptedClient.FAST)) {
            phone.login("alice", PW);
            assertThatThrownBy(() -> model.changePassword("wrong horse!", "battery staple")).isInstanceOf(ChatException.class)
                    .hasMessageContaining("wrong username or password");
            assertThat(model.snapshot().problem()).contains("wrong username or password");
            phone.groups(); // still logged in: nothing changed

            model.changePassword(PW, "battery staple");

            assertThatThrownBy(phone::groups).isInstanceOf(ChatException.class)
                    .extracting(e -> ((ChatException) e).code()).isEqualTo(ErrorCode.NOT_AUTHENTICATED);
            model.open("bob");
            model.send("still here"); // this session goes on
            Await.until("alice's message stored", () -> bobGot.size() == 1);
        }
        assertThat(model.setFullName("Alice Liddell")).isEqualTo("Alice Liddell");
        assertThat(bob.list(PatternMode.WILDCARD, "alice", "", 10).accounts()).extracting(Response.Account::fullName).containsExactly("Alice Liddell");
    }

    @Test
    void aSearchListsTheMatchingMessagesNewestFirstWithTheirConversationsAndOneOpensThere() throws ChatException {
        model.register("127.0.0.1", port(), "alice", "Alice", PW);
        bob.send("alice", "Lunch at the Café?").result().join();
        model.createGroup("crew");
        model.addMember("bob");
        bob.send("#crew", "café for everyone").result().join();
        model.open("bob");
        model.send("cafe sounds good");
        Await.until("alice's answer stored", () -> bobGot.stream().anyMatch(m -> m.body().equals("cafe sounds good")));
        bob.send("alice", "something else").result().join();

        ChatModel.SearchPage page = model.search("CAFE", 0);
        assertThat(page.found()).extracting(ChatModel.Found::conversation, ChatModel.Found::sender, ChatModel.Found::body)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("bob", "alice", "cafe sounds good"),
                        org.assertj.core.groups.Tuple.tuple("#crew", "bob", "café for everyone"),
                        org.assertj.core.groups.Tuple.tuple("bob", "bob", "Lunch at the Café?"));
        assertThat(page.nextBeforeId()).isZero();
        assertThat(SearchDialog.line(page.found().get(2), "alice")).endsWith("] bob \u2192 you: Lunch at the Café?");
        assertThat(SearchDialog.line(page.found().get(1), "alice")).endsWith("] bob in #crew: café for everyone");
        assertThat(SearchDialog.line(page.found().get(0), "alice")).endsWith("] you \u2192 bob: cafe sounds good");

        assertThatThrownBy(() -> model.search("?!", 0)).isInstanceOf(ChatException.class);
        assertThat(model.snapshot().problem()).contains("no word");
        model.open(page.found().get(1).conversation());
        assertThat(model.snapshot().open()).isEqualTo("#crew");
    }

    @Test
    void theServerIsCheckedBeforeAnyPasswordIsAskedOrSent() throws Exception {
        assertThat(model.checkServer("127.0.0.1", port(), ChatClient.Transport.WIRE)).isEqualTo("wirechat server at 127.0.0.1:" + port());
        int nobody;
        try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            nobody = s.getLocalPort();
        }
        assertThatThrownBy(() -> model.checkServer("127.0.0.1", nobody, ChatClient.Transport.WIRE))
                .hasMessageContaining("nothing is listening");
        // TLS to a plain server: the handshake fails at once, before anything else is sent
        try (ChatModel withTls = new ChatModel(ChatModel.ClientFactory.with(
                ScriptedClient.FAST.withTls(javax.net.ssl.SSLContext.getDefault().getSocketFactory())))) {
            assertThatThrownBy(() -> withTls.checkServer("127.0.0.1", port(), ChatClient.Transport.WIRE)).hasMessageContaining("TLS");
            assertThatThrownBy(() -> withTls.login("127.0.0.1", port(), "bob", PW)).hasMessageContaining("TLS");
        }
        // something else answers there (as a TLS server does to plain TCP): said before the password goes
        try (java.net.ServerSocket other = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            Thread.ofVirtual().start(() -> {
                try (java.net.Socket s = other.accept()) {
                    s.getOutputStream().write("HTTP/1.1 400 Bad Request\r\n\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
                    s.getInputStream().readAllBytes();
                } catch (java.io.IOException e) {
                    // the client closed it
                }
            });
            assertThatThrownBy(() -> model.checkServer("127.0.0.1", other.getLocalPort(), ChatClient.Transport.WIRE))
                    .hasMessageContaining("not wirechat");
        }
        assertThat(model.snapshot().me()).isNull();
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

    /**
     * The client's own backoff is made slow here (a minute), so only the model's reconnection can bring it
     * back quickly: a countdown in the status line, "Retry now", and back within {@link Reconnect#LONGEST} of
     * the server's return, with the poller started over so what waits arrives at once.
     */
    @Test
    void aLostConnectionCountsDownRetriesNowAndIsBackSoonAfterTheServer() throws Exception {
        ChatClient.Options slow = new ChatClient.Options(java.time.Duration.ofSeconds(2),
                new org.wirechat.client.Backoff(java.time.Duration.ofSeconds(60), java.time.Duration.ofSeconds(60)),
                java.time.Duration.ofSeconds(10), java.time.Duration.ofSeconds(20));
        try (ChatModel phoneLike = new ChatModel(ChatModel.ClientFactory.with(slow))) {
            phoneLike.register("127.0.0.1", port(), "alice", "Alice", PW);
            fx.down();
            Await.until("the model notices", () -> phoneLike.snapshot().link() == ChatModel.LinkState.RECONNECTING);
            Await.until("a countdown is shown", () -> phoneLike.snapshot().status().matches(".*reconnecting in \\d s….*"));
            assertThat(phoneLike.retryNow()).as("the server is still away").isFalse();
            assertThat(phoneLike.snapshot().link()).isEqualTo(ChatModel.LinkState.RECONNECTING);
            Await.until("the countdown has reached its longest wait", () -> phoneLike.snapshot().retryInSeconds()
                    == Reconnect.LONGEST.toSeconds());
            fx.up();
            long back = System.nanoTime();
            Await.until("connected again without anyone asking", () -> phoneLike.snapshot().link() == ChatModel.LinkState.CONNECTED);
            System.out.printf("reconnected %d ms after the server's return (the model tries every %d s at most)%n",
                    java.time.Duration.ofNanos(System.nanoTime() - back).toMillis(), Reconnect.LONGEST.toSeconds());
            bob.send("alice", "waiting for you").result().join();
            Await.until("the poller started over and hands it over", () -> phoneLike.snapshot().unread("bob") == 1);

            fx.down();
            Await.until("lost again", () -> phoneLike.snapshot().link() == ChatModel.LinkState.RECONNECTING);
            fx.up();
            assertThat(phoneLike.retryNow()).as("Retry now reaches the server at once").isTrue();
            assertThat(phoneLike.snapshot().link()).isEqualTo(ChatModel.LinkState.CONNECTED);
            assertThat(phoneLike.snapshot().status()).isEqualTo("Connected as alice");
        }
    }

    @Test
    void aSessionEndedElsewhereAsksForTheLoginAgain() throws ChatException {
        model.register("127.0.0.1", port(), "alice", "Alice", PW);
        fx.clock.advance(java.time.Duration.ofDays(2)); // past every token's lifetime
        assertThatThrownBy(() -> model.open("bob")).hasMessageContaining("log in");
        Await.until("session marked ended", () -> model.snapshot().sessionExpired());
    }

    @Test
    void theFilterShowsOnlyMatchesAndConversationsKeepTheirOwnList() throws ChatException {
        bob.register("zoe", "Zoe", PW);
        model.register("127.0.0.1", port(), "alice", "Alice", PW);
        bob.send("alice", "hello from bob");
        Await.until("bob's conversation listed", () -> model.snapshot().unread("bob") == 1);
        model.filter("z*");
        ChatModel.Snapshot s = model.snapshot();
        assertThat(s.users()).as("the directory holds what matches, nothing else").extracting(ChatModel.User::username)
                .containsExactly("zoe");
        assertThat(s.conversations()).singleElement().satisfies(c -> {
            assertThat(c.peer()).isEqualTo("bob");
            assertThat(c.fullName()).as("looked up though the filter does not list him").isEqualTo("Bob Builder");
            assertThat(c.presence()).isEqualTo(ChatModel.Presence.ONLINE);
            assertThat(c.unread()).isEqualTo(1);
            assertThat(c.last()).isEqualTo("hello from bob");
        });
    }

    /** The poller starts inside the login; what it hands over before the session is installed is kept. */
    @Test
    void messagesWaitingAtLoginAreAllCountedAsUnread() throws ChatException {
        bob.register("alice", "Alice", PW);
        for (int i = 1; i <= 3; i++) {
            bob.send("alice", "waiting " + i).result().join();
        }
        model.login("127.0.0.1", port(), "alice", PW);
        Await.until("three unread from bob", () -> model.snapshot().unread("bob") == 3);
        assertThat(model.snapshot().conversations()).extracting(ChatModel.Conversation::last).containsExactly("waiting 3");
    }

    @Test
    void conversationsComeLatestFirst() throws ChatException {
        ChatClient carol = new ChatClient("127.0.0.1", port(), m -> { }, ScriptedClient.FAST);
        try (carol) {
            carol.register("carol", "Carol", PW);
            carol.login("carol", PW);
            model.register("127.0.0.1", port(), "alice", "Alice", PW);
            bob.send("alice", "first").result().join();
            Await.until("bob's", () -> model.snapshot().conversations().size() == 1);
            carol.send("alice", "second").result().join();
            Await.until("carol's", () -> model.snapshot().conversations().size() == 2);
            assertThat(model.snapshot().conversations()).extracting(ChatModel.Conversation::peer).containsExactly("carol", "bob");
            model.open("bob");
            model.send("an answer to bob");
            assertThat(model.snapshot().conversations()).extracting(ChatModel.Conversation::peer).containsExactly("bob", "carol");
        }
    }

    private ChatModel.Delivery lastDelivery() {
        return model.snapshot().conversation().getLast().delivery();
    }

    @Test
    void yourMessagesShowStoredThenDeliveredOnceThePeerHasThemAndNotWithReceiptsOff() throws Exception {
        model.register("127.0.0.1", port(), "alice", "Alice", PW);
        model.open("bob");
        model.send("are you there?");
        Await.until("stored", () -> lastDelivery() == ChatModel.Delivery.SENT);
        Await.until("bob has it", () -> bobGot.stream().anyMatch(m -> m.body().equals("are you there?")));
        // bob's client acknowledges it with its next poll; the window asks every few seconds, this test at once
        Await.until("shown delivered", () -> {
            model.refreshReceipts();
            return lastDelivery() == ChatModel.Delivery.DELIVERED;
        });

        bob.setReceipts(false);
        model.open("bob");
        assertThat(lastDelivery()).as("bob shares no receipts now").isEqualTo(ChatModel.Delivery.SENT);
        bob.setReceipts(true);
        model.open("bob");
        assertThat(lastDelivery()).isEqualTo(ChatModel.Delivery.DELIVERED);
        model.setReceipts(false);
        assertThat(lastDelivery()).as("alice's own off: she sees none either").isEqualTo(ChatModel.Delivery.SENT);
    }

    @Test
    void aMessageSentAfterTheReceiptsWereAskedIsNotShownDeliveredByThem() throws Exception {
        model.register("127.0.0.1", port(), "alice", "Alice", PW);
        model.open("bob"); // asked: nothing of alice's waits for bob
        bob.close(); // bob's client stops acknowledging
        model.send("after the question");
        Await.until("stored", () -> lastDelivery() != ChatModel.Delivery.PENDING);
        assertThat(lastDelivery()).as("\"none waiting\" was said before this one existed").isEqualTo(ChatModel.Delivery.SENT);
        model.refreshReceipts();
        assertThat(lastDelivery()).as("asked again: it waits for bob").isEqualTo(ChatModel.Delivery.SENT);
    }

    @Test
    void whileDisconnectedPresenceIsUnknownMessagesWaitAndTheStatusSaysOnlyWhatIsTrue() throws Exception {
        model.register("127.0.0.1", port(), "alice", "Alice", PW);
        model.open("bob");
        fx.down();
        Await.until("the model notices", () -> model.snapshot().link() == ChatModel.LinkState.RECONNECTING);
        assertThat(model.snapshot().users()).extracting(ChatModel.User::presence).containsOnly(ChatModel.Presence.UNKNOWN);
        assertThat(model.snapshot().status()).startsWith("Connection lost").contains("reconnecting");

        model.send("written during the outage"); // queued at once, shown pending
        assertThat(model.snapshot().conversation()).last().satisfies(l -> {
            assertThat(l.delivery()).isEqualTo(ChatModel.Delivery.PENDING);
            assertThat(l.mine()).isTrue();
        });
        assertThat(model.snapshot().status()).contains("1 message waits to be sent");
        assertThatThrownBy(model::refreshUsers).hasMessageContaining("not connected");
        assertThat(model.snapshot().status()).contains("not connected");

        fx.up();
        Await.until("connected again", () -> model.snapshot().link() == ChatModel.LinkState.CONNECTED);
        Await.until("the message is stored", () -> model.snapshot().conversation().stream()
                .allMatch(l -> l.delivery() == ChatModel.Delivery.SENT));
        assertThat(model.snapshot().status()).as("the outage's problem is gone with it").isEqualTo("Connected as alice");
        assertThat(model.snapshot().conversation()).singleElement().satisfies(l -> assertThat(l.id()).isPositive());
        Await.until("bob has it", () -> bobGot.stream().anyMatch(m -> m.body().equals("written during the outage")));
        assertThat(bobGot).filteredOn(m -> m.body().equals("written during the outage")).hasSize(1);
    }

    @Test
    void aLoginThatGetsNoAnswerCanBeCancelled() throws Exception {
        try (java.net.ServerSocket silent = new java.net.ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
            // accepts (the kernel does) and never answers
            java.util.concurrent.CompletableFuture<Throwable> outcome = new java.util.concurrent.CompletableFuture<>();
            Thread.ofVirtual().start(() -> {
                try {
                    model.login("127.0.0.1", silent.getLocalPort(), "alice", PW);
                    outcome.complete(null);
                } catch (ChatException e) {
                    outcome.complete(e);
                }
            });
            Await.until("the login is under way", () -> silent.isBound() && model.snapshot().me() == null && loginUnderWay());
            model.cancelLogin();
            assertThat(outcome.join()).isInstanceOf(ChatException.class).hasMessageContaining("cancelled");
            assertThat(model.snapshot().me()).isNull();
        }
    }

    private boolean loginUnderWay() {
        try {
            java.lang.reflect.Field f = ChatModel.class.getDeclaredField("loggingIn");
            f.setAccessible(true);
            synchronized (model) {
                return f.get(model) != null;
            }
        } catch (ReflectiveOperationException e) {
            throw new AssertionError(e);
        }
    }

    @Test
    void eachDayGetsAHeadingAndEachMessageItsTime() {
        java.time.ZoneId utc = java.time.ZoneOffset.UTC;
        java.time.LocalDate today = java.time.LocalDate.of(2026, 11, 27); // a Friday
        java.util.function.Function<String, Long> at = t -> java.time.LocalDateTime.parse(t).toInstant(java.time.ZoneOffset.UTC).toEpochMilli();
        List<ChatModel.Line> lines = List.of(
                new ChatModel.Line(1, "bob", at.apply("2025-12-31T23:59:00"), "last year", false),
                new ChatModel.Line(2, "bob", at.apply("2026-03-01T08:00:00"), "this year", false),
                new ChatModel.Line(3, "alice", at.apply("2026-11-23T10:00:00"), "monday", true),
                new ChatModel.Line(4, "bob", at.apply("2026-11-26T22:00:00"), "yesterday", false),
                new ChatModel.Line(5, "alice", at.apply("2026-11-27T07:05:00"), "today 1", true),
                new ChatModel.Line(6, "bob", at.apply("2026-11-27T09:10:00"), "today 2", false));
        List<String> shown = ChatModel.rows(lines, utc, today).stream().map(r -> switch (r) {
            case ChatModel.DayRow d -> "== " + d.label();
            case ChatModel.MessageRow m -> m.time() + " " + m.line().body();
        }).toList();
        assertThat(shown).containsExactly("== 31 December 2025", "23:59 last year", "== Sunday 1 March", "08:00 this year",
                "== Monday", "10:00 monday", "== Yesterday", "22:00 yesterday", "== Today", "07:05 today 1", "09:10 today 2");
    }
}
