package org.wirechat.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.wirechat.server.ServerFixture.PASSWORD;
import static org.wirechat.server.ServerFixture.fetch;
import static org.wirechat.server.ServerFixture.send;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.wirechat.protocol.ErrorCode;
import org.wirechat.protocol.Request;
import org.wirechat.protocol.Response;

/**
 * What the spec left open until issue 27 said so (docs/wire_design.md), each as the spec now states it.
 * SQLite here; {@code PostgresSpecClarificationsTest} runs them on PostgreSQL.
 */
@Timeout(60)
class SpecClarificationsTest {
    @TempDir
    Path dir;
    ServerFixture fx;
    TestConnection c;

    ServerFixture fixture(Path dataDir) {
        return new ServerFixture(Backend.SQLITE, dataDir, b -> b);
    }

    @BeforeEach
    void start() {
        fx = fixture(dir);
        c = fx.connect();
    }

    @AfterEach
    void stop() {
        c.close();
        fx.close();
    }

    private String device(String user, String device) {
        return c.ok(new Request.LoginDevice(user, PASSWORD, device), Response.DeviceLoggedIn.class).token();
    }

    private List<String> bodies(String token) {
        return c.ok(fetch(token, 0), Response.Messages.class).messages().stream().map(Response.Message::body).toList();
    }

    @Test
    void deviceIdsAreComparedExactlySoPhoneAndPHONEAreTwoDevices() {
        String alice = fx.register(c, "alice");
        c.ok(new Request.CreateAccount("bob", "Bob", PASSWORD), Response.AccountCreated.class);
        String lower = device("bob", "phone");
        String upper = device("bob", "PHONE");
        long id = c.ok(send(alice, "bob", "hello"), Response.Sent.class).messageId();
        assertThat(bodies(lower)).containsExactly("hello");
        c.ok(fetch(lower, id), Response.Messages.class);
        assertThat(bodies(upper)).as("its own mark: the other's acknowledgement is not its").containsExactly("hello");
        assertThat(bodies(lower)).as("and neither took the device from the other").isEmpty();
    }

    @Test
    void aDeviceAddedAfterASendGetsItsCopyOnlyWhileAnotherDeviceStillWaitsForIt() {
        String alice = fx.register(c, "alice");
        c.ok(new Request.CreateAccount("bob", "Bob", PASSWORD), Response.AccountCreated.class);
        String phone = device("bob", "phone");
        device("bob", "laptop"); // holds bob's messages, never polls here
        c.ok(send(phone, "alice", "sent while the laptop waits"), Response.Sent.class);
        String tablet = device("bob", "tablet");
        assertThat(c.ok(fetch(tablet, 0), Response.Messages.class).messages()).as("the laptop still waits for the copy")
                .extracting(m -> m.sender() + ">" + m.recipient() + ":" + m.body())
                .containsExactly("bob>alice:sent while the laptop waits");

        c.ok(new Request.CreateAccount("carol", "Carol", PASSWORD), Response.AccountCreated.class);
        String only = device("carol", "phone");
        c.ok(send(only, "alice", "sent from her only device"), Response.Sent.class);
        String second = device("carol", "tablet");
        assertThat(bodies(second)).as("no device waited for it, so no copy was kept: it is in HISTORY").isEmpty();
        assertThat(c.ok(new Request.History(second, "alice", 0, 10), Response.Conversation.class).messages())
                .extracting(Response.Message::body).containsExactly("sent from her only device");
    }

    @Test
    void aMemberWhoIsNotTheOwnerMayRemoveThemselvesWhichIsLeaving() {
        String alice = fx.register(c, "alice");
        String bob = fx.register(c, "bob");
        c.ok(new Request.GroupCreate(alice, "#crew"), Response.GroupCreated.class);
        c.ok(new Request.GroupAdd(alice, "#crew", "bob"), Response.MemberAdded.class);
        fx.register(c, "carol");
        c.ok(new Request.GroupAdd(alice, "#crew", "carol"), Response.MemberAdded.class);
        c.error(new Request.GroupRemove(bob, "#crew", "carol"), ErrorCode.NOT_THE_OWNER);
        c.ok(new Request.GroupRemove(bob, "#crew", "BOB"), Response.MemberRemoved.class);
        c.error(send(bob, "#crew", "still here?"), ErrorCode.NOT_A_MEMBER);
        assertThat(c.ok(new Request.GroupMembers(alice, "#crew"), Response.Members.class).members())
                .extracting(Response.Member::username).containsExactly("alice", "carol");
        c.error(new Request.GroupRemove(bob, "#crew", "bob"), ErrorCode.NOT_A_MEMBER);
    }

    @Test
    void aMalformedGroupRecipientOrPeerIsInvalidGroupName() {
        String alice = fx.register(c, "alice");
        for (String bad : List.of("#", "#no space", "#bad!", "#" + "x".repeat(50))) {
            c.error(send(alice, bad, "hi"), ErrorCode.INVALID_GROUP_NAME);
            c.error(new Request.History(alice, bad, 0, 10), ErrorCode.INVALID_GROUP_NAME);
        }
        c.error(send(alice, "#" + "x".repeat(49), "hi"), ErrorCode.NO_SUCH_GROUP);
        c.error(send(alice, "no space", "hi"), ErrorCode.INVALID_USERNAME);
    }

    @Test
    void historyNamesALiveAccountSoADeletedOnesNameIsNoSuchUserAndItsNewOwnerInheritsNothing() {
        String alice = fx.register(c, "alice");
        String bob = fx.register(c, "bob");
        c.ok(send(alice, "bob", "to bob"), Response.Sent.class);
        c.ok(send(bob, "alice", "from bob"), Response.Sent.class);
        long last = c.ok(fetch(bob, 0), Response.Messages.class).messages().getLast().id();
        c.ok(fetch(bob, last), Response.Messages.class);
        c.ok(new Request.DeleteAccount(bob, PASSWORD), Response.AccountDeleted.class);
        assertThat(bodies(alice)).as("what the deleted account sent is still delivered").containsExactly("from bob");
        c.error(new Request.History(alice, "bob", 0, 10), ErrorCode.NO_SUCH_USER);
        String newBob = fx.register(c, "bob");
        assertThat(c.ok(new Request.History(alice, "bob", 0, 10), Response.Conversation.class).messages()).isEmpty();
        assertThat(c.ok(new Request.History(newBob, "alice", 0, 10), Response.Conversation.class).messages()).isEmpty();
    }
}
