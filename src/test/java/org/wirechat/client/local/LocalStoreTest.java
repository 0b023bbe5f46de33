package org.wirechat.client.local;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.sql.DriverManager;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.wirechat.protocol.Response;

/** A device's local store on disk: kept once by id, unread counted once, private files, a schema version. */
@Timeout(60)
class LocalStoreTest {
    @TempDir
    Path dir;

    private static Response.Message m(long id, String from, String to, String body) {
        return new Response.Message(id, from, to, 1_000 * id, body);
    }

    private StoreFiles files() {
        return new StoreFiles(dir.resolve("data"), "laptop-1");
    }

    @Test
    void aMessageHandedOverTwiceOrAlsoReadFromHistoryIsKeptAndCountedOnce() throws IOException {
        try (LocalStore s = files().open("127.0.0.1", 5000, "alice")) {
            s.fetched(List.of(m(1, "bob", "alice", "one"), m(2, "bob", "alice", "two")), null);
            s.fetched(List.of(m(2, "bob", "alice", "two")), null); // redelivered after a lost acknowledgement
            s.filled(List.of(m(1, "bob", "alice", "one"), m(2, "bob", "alice", "two"), m(3, "alice", "bob", "three")));
            assertThat(s.history("bob", 0, 10)).extracting(LocalStore.Message::id, LocalStore.Message::mine)
                    .containsExactly(org.assertj.core.groups.Tuple.tuple(1L, false), org.assertj.core.groups.Tuple.tuple(2L, false),
                            org.assertj.core.groups.Tuple.tuple(3L, true));
            assertThat(s.conversations()).containsExactly(new LocalStore.Conversation("bob", 3, 3_000, "three", 2));
        }
    }

    @Test
    void whatHistoryBroughtFirstIsStillUnreadWhenThePollerHandsItOver() throws IOException {
        try (LocalStore s = files().open("127.0.0.1", 5000, "alice")) {
            s.filled(List.of(m(7, "bob", "alice", "hi")));
            assertThat(s.conversations().getFirst().unread()).isZero();
            s.fetched(List.of(m(7, "bob", "alice", "hi")), null);
            assertThat(s.conversations().getFirst().unread()).isEqualTo(1);
            s.read("BOB");
            s.fetched(List.of(m(7, "bob", "alice", "hi")), null); // handed over again: already shown here
            assertThat(s.conversations().getFirst().unread()).isZero();
        }
    }

    @Test
    void groupsYourOwnAndTheOpenConversationAreNotUnread() throws IOException {
        try (LocalStore s = files().open("127.0.0.1", 5000, "alice")) {
            s.fetched(List.of(m(1, "bob", "#crew", "in the group"), m(2, "alice", "carol", "from my phone"),
                    m(3, "dave", "alice", "while reading")), "dave");
            assertThat(s.conversations()).extracting(LocalStore.Conversation::peer, LocalStore.Conversation::unread)
                    .containsExactly(org.assertj.core.groups.Tuple.tuple("dave", 0), org.assertj.core.groups.Tuple.tuple("carol", 0),
                            org.assertj.core.groups.Tuple.tuple("#crew", 1));
        }
    }

    @Test
    void theStoreOutlivesTheClientAndIsPrivate() throws IOException {
        StoreFiles files = files();
        try (LocalStore s = files.open("127.0.0.1", 5000, "Alice")) {
            s.remember("#quiet");
            s.fetched(List.of(m(1, "bob", "alice", "kept")), null);
            s.sent("bob", 2, 2_000, "mine");
            s.delivered("bob", 2);
        }
        Path file = files.fileFor("127.0.0.1", 5000, "alice");
        assertThat(file.getFileName().toString()).isEqualTo("127.0.0.1+5000+alice+laptop-1.db");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file))).isEqualTo("rw-------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(file.getParent()))).isEqualTo("rwx------");
        try (LocalStore s = files.open("127.0.0.1", 5000, "alice")) {
            assertThat(s.conversations()).containsExactly(new LocalStore.Conversation("bob", 2, 2_000, "mine", 1),
                    new LocalStore.Conversation("#quiet", 0, 0, "", 0));
            assertThat(s.history("bob", 0, 10)).last().satisfies(l -> assertThat(l.delivered()).isTrue());
        }
        assertThat(new StoreFiles(dir.resolve("data"), null).fileFor("::1", 7, "bob").getFileName().toString())
                .as("each device, account and server its own file").isEqualTo("%3A%3A1+7+bob+default.db");
        assertThat(new StoreFiles(dir, "Laptop_1").fileFor("h", 1, "bob")).as("device ids are kept as written")
                .isNotEqualTo(new StoreFiles(dir, "laptop_1").fileFor("h", 1, "bob"));
    }

    @Test
    void onlyTheLatestMessagesOfAConversationAreKeptAndHistoryPagesBackwards() throws IOException {
        try (LocalStore s = files().open("127.0.0.1", 5000, "alice")) {
            List<Response.Message> many = new ArrayList<>();
            for (int i = 1; i <= LocalStore.KEPT_PER_CONVERSATION + 5; i++) {
                many.add(m(i, "bob", "alice", "m" + i));
            }
            s.filled(many);
            List<LocalStore.Message> latest = s.history("bob", 0, 3);
            assertThat(latest).extracting(LocalStore.Message::id).containsExactly(1003L, 1004L, 1005L);
            assertThat(s.history("bob", 1003, 2)).extracting(LocalStore.Message::id).containsExactly(1001L, 1002L);
            assertThat(s.history("bob", 0, 2_000)).hasSize(LocalStore.KEPT_PER_CONVERSATION).first()
                    .satisfies(l -> assertThat(l.id()).isEqualTo(6));
        }
    }

    @Test
    void aStoreMadeByANewerClientIsRefusedNotMisread() throws Exception {
        Path file = files().fileFor("127.0.0.1", 5000, "alice");
        files().open("127.0.0.1", 5000, "alice").close();
        try (var c = DriverManager.getConnection("jdbc:sqlite:" + file); var st = c.createStatement()) {
            st.execute("PRAGMA user_version = " + (LocalStore.SCHEMA_VERSION + 1));
        }
        assertThatThrownBy(() -> files().open("127.0.0.1", 5000, "alice")).isInstanceOf(IOException.class)
                .hasMessageContaining("newer client");
    }

    /** The groups a device saw are kept, so a group one was added to while logged out is found at the next login. */
    @Test
    void theGroupsNewSinceTheyWereLastRecordedAreFoundOnceAndNoneTheFirstTime() throws IOException {
        try (LocalStore s = files().open("127.0.0.1", 5000, "alice")) {
            assertThat(s.groupsNow(List.of("#crew"))).as("the first time: nothing to compare with").isEmpty();
        }
        try (LocalStore s = files().open("127.0.0.1", 5000, "alice")) {
            assertThat(s.groupsNow(List.of("#CREW", "#night", "#day"))).containsExactly("#night", "#day");
            assertThat(s.groupsNow(List.of("#night", "#day"))).isEmpty();
            assertThat(s.groupsNow(List.of())).isEmpty(); // left them all
            assertThat(s.groupsNow(List.of("#night"))).containsExactly("#night"); // added again
        }
    }

    /** A store made by the first layout (no groups recorded) is brought up to this one, its messages kept. */
    @Test
    void aStoreOfTheFirstLayoutIsMigratedAndKeepsItsMessages() throws Exception {
        Path file = files().fileFor("127.0.0.1", 5000, "alice");
        Files.createDirectories(file.getParent());
        try (var c = DriverManager.getConnection("jdbc:sqlite:" + file); var st = c.createStatement()) {
            st.execute("CREATE TABLE conversation (key TEXT PRIMARY KEY, peer TEXT NOT NULL)");
            st.execute("CREATE TABLE message (id INTEGER PRIMARY KEY, conversation TEXT NOT NULL, sender TEXT NOT NULL,"
                    + " recipient TEXT NOT NULL, at_millis INTEGER NOT NULL, body TEXT NOT NULL, mine INTEGER NOT NULL,"
                    + " delivered INTEGER NOT NULL DEFAULT 0, fetched INTEGER NOT NULL, unread INTEGER NOT NULL)");
            st.execute("INSERT INTO conversation VALUES ('bob', 'bob')");
            st.execute("INSERT INTO message VALUES (5, 'bob', 'bob', 'alice', 5000, 'kept', 0, 0, 1, 1)");
            st.execute("PRAGMA user_version = 1");
        }
        try (LocalStore s = files().open("127.0.0.1", 5000, "alice")) {
            assertThat(s.conversations()).containsExactly(new LocalStore.Conversation("bob", 5, 5_000, "kept", 1));
            assertThat(s.groupsNow(List.of("#crew"))).isEmpty();
            assertThat(s.groupsNow(List.of("#crew", "#night"))).containsExactly("#night");
        }
    }
}
