package org.wirechat.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.wirechat.server.ServerFixture.PASSWORD;
import static org.wirechat.server.ServerFixture.fetch;
import static org.wirechat.server.ServerFixture.send;

import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.wirechat.protocol.Request;
import org.wirechat.protocol.Response;

/**
 * The default device (LOGIN's) holds the account's messages from its first acknowledgement
 * (docs/wire_design.md, LOGIN_DEVICE) — also when another device acknowledged what it acknowledges first.
 * Found by the benchmark's devices workload (each user's LOGIN device beside a LOGIN_DEVICE one): a default
 * device that acknowledged a message the other device had already acknowledged was later not handed a
 * message sent after that, once the other device had acknowledged it too. SQLite here;
 * {@code PostgresDefaultDeviceFirstAcknowledgementTest} on PostgreSQL.
 */
@Timeout(60)
class DefaultDeviceFirstAcknowledgementTest {
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

    @Test
    void aDefaultDeviceHoldsFromAnAcknowledgementOfWhatTheOtherDeviceAcknowledgedFirst() {
        String alice = fx.register(c, "alice");
        String bob = fx.register(c, "bob"); // LOGIN: bob's default device, which has acknowledged nothing
        String phone = c.ok(new Request.LoginDevice("bob", PASSWORD, "phone"), Response.DeviceLoggedIn.class).token();
        long first = c.ok(send(alice, "bob", "first"), Response.Sent.class).messageId();
        assertThat(c.ok(fetch(bob, 0), Response.Messages.class).messages()).as("the phone still waits for it")
                .extracting(Response.Message::id).containsExactly(first);
        assertThat(c.ok(fetch(phone, 0), Response.Messages.class).messages()).extracting(Response.Message::id)
                .containsExactly(first);
        c.ok(fetch(phone, first), Response.Messages.class);
        c.ok(send(alice, "alice", "after the phone's acknowledgement"), Response.Sent.class); // which is stored now
        assertThat(c.ok(fetch(bob, first), Response.Messages.class).messages())
                .as("the default device's first acknowledgement: it holds from here").isEmpty();

        long second = c.ok(send(alice, "bob", "second"), Response.Sent.class).messageId();
        assertThat(c.ok(fetch(phone, first), Response.Messages.class).messages()).extracting(Response.Message::id)
                .containsExactly(second);
        c.ok(fetch(phone, second), Response.Messages.class);
        assertThat(c.ok(fetch(bob, first), Response.Messages.class).messages())
                .as("sent after the default device's first acknowledgement, acknowledged by the phone only")
                .extracting(Response.Message::id).containsExactly(second);
    }
}
