package org.wirechat.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.wirechat.server.ServerFixture.PASSWORD;
import static org.wirechat.server.ServerFixture.fetch;
import static org.wirechat.server.ServerFixture.send;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.wirechat.protocol.ErrorCode;
import org.wirechat.protocol.Request;
import org.wirechat.protocol.Response;

/** Durability across restarts, token expiry, account deletion, password storage. */
class AccountLifecycleTest {
    @TempDir
    Path dir;
    ServerFixture fx;
    TestConnection c;

    /** SQLite here; {@code PostgresAccountLifecycleTest} runs every test again on PostgreSQL. */
    Backend backend() {
        return Backend.SQLITE;
    }

    /** The wire protocol here; {@code GrpcAccountLifecycleTest} runs every test again over gRPC. */
    boolean overGrpc() {
        return false;
    }

    @BeforeEach
    void start() {
        fx = new ServerFixture(backend(), dir,
                b -> b.tokenIdleLifetime(Duration.ofMinutes(60)).tokenMaxLifetime(Duration.ofHours(24)).grpcPort(overGrpc() ? 0 : -1));
        if (overGrpc()) {
            fx.connectingOverGrpc();
        }
        c = fx.connect();
    }

    @AfterEach
    void stop() {
        c.close();
        fx.close();
    }

    private void reconnect() {
        c.close();
        c = fx.connect();
    }

    @Test
    void everythingSurvivesARestart() {
        String alice = fx.register(c, "alice");
        String bob = fx.register(c, "bob");
        Response.Sent delivered = c.ok(send(alice, "bob", "delivered"), Response.Sent.class);
        c.ok(fetch(bob, 0), Response.Messages.class);
        c.ok(fetch(bob, delivered.messageId()), Response.Messages.class);
        Response.Sent waiting = c.ok(send(alice, "bob", "still waiting"), Response.Sent.class);

        fx.restart();
        reconnect();
        // tokens, accounts, the undelivered message and the history are all still there
        assertThat(c.ok(fetch(bob, 0), Response.Messages.class).messages())
                .extracting(Response.Message::id).containsExactly(waiting.messageId());
        assertThat(c.ok(new Request.History(alice, "bob", 0, 10), Response.Conversation.class).messages())
                .extracting(Response.Message::body).containsExactly("delivered", "still waiting");
        assertThat(c.ok(new Request.Login("bob", PASSWORD), Response.LoggedIn.class).unread()).isEqualTo(1);
        c.error(new Request.CreateAccount("ALICE", "x", PASSWORD), ErrorCode.USERNAME_TAKEN);
        // ids keep increasing after a restart
        assertThat(c.ok(send(alice, "bob", "after restart"), Response.Sent.class).messageId()).isGreaterThan(waiting.messageId());
    }

    @Test
    void unacknowledgedMessagesAreDeliveredAgainOnANewConnection() {
        String alice = fx.register(c, "alice");
        String bob = fx.register(c, "bob");
        c.ok(send(alice, "bob", "one"), Response.Sent.class);
        c.ok(send(alice, "bob", "two"), Response.Sent.class);
        List<Response.Message> first = c.ok(fetch(bob, 0), Response.Messages.class).messages();
        reconnect(); // the connection dropped before bob acknowledged
        assertThat(c.ok(fetch(bob, 0), Response.Messages.class).messages()).isEqualTo(first);
    }

    @Test
    void aTokenRevokedOnAnotherConnectionIsRefusedOnThisOne() {
        String alice = fx.register(c, "alice");
        c.ok(fetch(alice, 0), Response.Messages.class); // this connection now remembers the token
        try (TestConnection other = fx.connect()) {
            other.ok(new Request.Logout(alice), Response.LoggedOut.class);
        }
        c.error(fetch(alice, 0), ErrorCode.NOT_AUTHENTICATED);

        String bob = fx.register(c, "bob");
        c.ok(fetch(bob, 0), Response.Messages.class);
        try (TestConnection other = fx.connect()) {
            other.ok(new Request.DeleteAccount(fx.login(other, "bob"), PASSWORD), Response.AccountDeleted.class);
        }
        c.error(fetch(bob, 0), ErrorCode.NOT_AUTHENTICATED);
    }

    @Test
    void aTokenExpiresAfterAnHourUnusedAndUseExtendsIt() {
        fx.register(c, "alice");
        String token = fx.login(c, "alice");
        fx.clock.advance(Duration.ofMinutes(59));
        c.ok(fetch(token, 0), Response.Messages.class); // used: good for another hour
        fx.clock.advance(Duration.ofMinutes(59));
        c.ok(fetch(token, 0), Response.Messages.class);
        fx.clock.advance(Duration.ofMinutes(60));
        c.error(fetch(token, 0), ErrorCode.NOT_AUTHENTICATED);
    }

    @Test
    void anExtendedTokenSurvivesARestart() {
        fx.register(c, "alice");
        String token = fx.login(c, "alice");
        fx.clock.advance(Duration.ofMinutes(50));
        c.ok(fetch(token, 0), Response.Messages.class);
        fx.restart();
        reconnect();
        fx.clock.advance(Duration.ofMinutes(50)); // 100 minutes after login, 50 after last use
        c.ok(fetch(token, 0), Response.Messages.class);
    }

    @Test
    void aTokenExpiresAtItsMaximumLifetimeEvenWhenUsed() {
        fx.register(c, "alice");
        String token = fx.login(c, "alice");
        for (int i = 0; i < 47; i++) { // every 30 minutes for 23.5 hours
            fx.clock.advance(Duration.ofMinutes(30));
            c.ok(fetch(token, 0), Response.Messages.class);
        }
        fx.clock.advance(Duration.ofMinutes(30));
        c.error(fetch(token, 0), ErrorCode.NOT_AUTHENTICATED);
    }

    @Test
    void deleteIsRefusedUntilTheInboxIsEmptyThenFreesTheName() {
        String alice = fx.register(c, "alice");
        String bob = fx.register(c, "bob");
        String bobPhone = fx.login(c, "bob");
        c.ok(send(alice, "bob", "first"), Response.Sent.class);
        c.ok(send(alice, "bob", "second"), Response.Sent.class);

        c.error(new Request.DeleteAccount(bob, "wrong password"), ErrorCode.BAD_CREDENTIALS);
        Response.Error refused = c.error(new Request.DeleteAccount(bob, PASSWORD), ErrorCode.INBOX_NOT_EMPTY);
        assertThat(refused.details()).containsExactly("2");

        List<Response.Message> inbox = c.ok(fetch(bob, 0), Response.Messages.class).messages();
        c.ok(fetch(bob, inbox.get(1).id()), Response.Messages.class);
        c.ok(new Request.DeleteAccount(bob, PASSWORD), Response.AccountDeleted.class);

        // every token of the account is revoked, login fails, and sends to the name fail
        c.error(fetch(bob, 0), ErrorCode.NOT_AUTHENTICATED);
        c.error(fetch(bobPhone, 0), ErrorCode.NOT_AUTHENTICATED);
        c.error(new Request.Login("bob", PASSWORD), ErrorCode.BAD_CREDENTIALS);
        assertThat(c.error(send(alice, "bob", "hello?"), ErrorCode.NO_SUCH_USER).reason()).contains("no such user: bob");
        c.error(new Request.History(alice, "bob", 0, 10), ErrorCode.NO_SUCH_USER);

        // the name can be registered again, and the new account inherits nothing
        String newBob = fx.register(c, "bob");
        assertThat(c.ok(new Request.Login("bob", PASSWORD), Response.LoggedIn.class).unread()).isZero();
        assertThat(c.ok(fetch(newBob, 0), Response.Messages.class).messages()).isEmpty();
        assertThat(c.ok(new Request.History(newBob, "alice", 0, 10), Response.Conversation.class).messages()).isEmpty();
        assertThat(c.ok(new Request.History(alice, "bob", 0, 10), Response.Conversation.class).messages()).isEmpty();
    }

    @Test
    void aNameDeletedAndRegisteredAgainReachesTheNewAccount() {
        String alice = fx.register(c, "alice");
        String bob = fx.register(c, "bob");
        c.ok(send(alice, "BOB", "to the first bob"), Response.Sent.class); // the server now knows bob's account
        List<Response.Message> inbox = c.ok(fetch(bob, 0), Response.Messages.class).messages();
        c.ok(fetch(bob, inbox.get(0).id()), Response.Messages.class);
        c.ok(new Request.DeleteAccount(bob, PASSWORD), Response.AccountDeleted.class);
        String newBob = fx.register(c, "Bob");

        c.ok(send(alice, "bob", "to the second bob"), Response.Sent.class);
        assertThat(c.ok(fetch(newBob, 0), Response.Messages.class).messages())
                .extracting(Response.Message::recipient, Response.Message::body)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("Bob", "to the second bob"));
    }

    @Test
    void messagesFromADeletedAccountAreStillDelivered() {
        String alice = fx.register(c, "alice");
        String bob = fx.register(c, "bob");
        c.ok(send(alice, "bob", "goodbye"), Response.Sent.class);
        c.ok(new Request.DeleteAccount(alice, PASSWORD), Response.AccountDeleted.class);
        assertThat(c.ok(fetch(bob, 0), Response.Messages.class).messages())
                .extracting(Response.Message::sender, Response.Message::body)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("alice", "goodbye"));
    }

    @Test
    void passwordsAndTokensAreNeverStoredInClear() throws Exception {
        String secret = "my very secret passphrase";
        c.ok(new Request.CreateAccount("alice", "Alice", secret), Response.AccountCreated.class);
        String token = c.ok(new Request.Login("alice", secret), Response.LoggedIn.class).token();
        fx.restart(); // everything on disk, WAL checkpointed or not
        try (Stream<Path> files = Files.walk(dir)) { // SQLite's files and the message log (none for PostgreSQL)
            for (Path f : files.filter(Files::isRegularFile).toList()) {
                String content = new String(Files.readAllBytes(f), StandardCharsets.ISO_8859_1);
                assertThat(content).as(f.toString()).doesNotContain(secret).doesNotContain(token);
            }
        }
        try (Connection db = fx.database()) { // every stored value, whatever the store
            for (String table : List.of("accounts", "tokens", "messages")) {
                try (ResultSet rs = db.createStatement().executeQuery("SELECT * FROM " + table)) {
                    while (rs.next()) {
                        for (int i = 1; i <= rs.getMetaData().getColumnCount(); i++) {
                            Object v = rs.getObject(i);
                            String text = v instanceof byte[] b ? new String(b, StandardCharsets.ISO_8859_1) : String.valueOf(v);
                            assertThat(text).as(table).doesNotContain(secret).doesNotContain(token);
                        }
                    }
                }
            }
        }
        assertThat(storedHash("alice")).startsWith("pbkdf2-sha256$1000$");
    }

    @Test
    void aHashMadeWithOlderParametersIsUpgradedAtLogin() throws Exception {
        fx.register(c, "alice");
        c.close();
        fx.reconfigure(b -> b.passwordIterations(2_000));
        c = fx.connect();
        fx.login(c, "alice");
        assertThat(storedHash("alice")).startsWith("pbkdf2-sha256$2000$");
        fx.login(c, "alice");
    }

    private String storedHash(String username) throws Exception {
        try (Connection db = fx.database();
                ResultSet rs = db.createStatement().executeQuery(
                        "SELECT password_hash FROM accounts WHERE username = '" + username + "' AND deleted_at IS NULL")) {
            assertThat(rs.next()).isTrue();
            return rs.getString(1);
        }
    }
}
