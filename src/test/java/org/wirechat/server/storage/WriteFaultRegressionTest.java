package org.wirechat.server.storage;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.wirechat.protocol.Request;
import org.wirechat.protocol.Response;
import org.wirechat.server.Await;
import org.wirechat.server.Backend;
import org.wirechat.server.ServerFixture;
import org.wirechat.server.TestConnection;
import org.wirechat.server.storage.FaultPlan.Fault;
import org.wirechat.server.storage.FaultPlan.Point;

/** What {@link WriteFaultTest} found, each failure made again on purpose, with one fault at one write. */
@Timeout(60)
class WriteFaultRegressionTest {
    @TempDir
    Path tmp;

    /**
     * LOGIN_DEVICE was then answered before the device's mark was in the message log (the mark was written
     * with the next batch; now the answer waits for it, see {@code LoginDeviceCrashTest}). When that write failed (disk full), the mark was dropped with the batch: the device,
     * told it was logged in, held nothing, so the account's other device acknowledging a message took it
     * out of memory and the new device never got it. Now a refused registration is written again in front
     * of the next batch, as a login's token is kept until the disk takes it.
     */
    @Test
    void aDeviceWhoseRegistrationMetAFullDiskStillGetsWhatItsOtherDeviceAcknowledged() {
        FaultPlan plan = new FaultPlan(true);
        try (ServerFixture fx = new ServerFixture(Backend.SQLITE, tmp, b -> b.storageIo(plan));
                TestConnection alice = fx.connect(); TestConnection bob = fx.connect(); TestConnection phone = fx.connect()) {
            String a = fx.register(alice, "alice");
            String b = fx.register(bob, "bob");
            plan.at(Point.LOG_WRITE, 1, Fault.DISK_FULL).arm();
            String p = phone.ok(new Request.LoginDevice("bob", ServerFixture.PASSWORD, "phone"), Response.DeviceLoggedIn.class).token();
            Await.until("the phone's registration met the full disk", () -> plan.fired() != null);
            assertThat(plan.fired()).contains("LOG_WRITE #1");

            long id = alice.ok(ServerFixture.send(a, "bob", "for both devices"), Response.Sent.class).messageId();
            assertThat(bob.ok(ServerFixture.fetch(b, 0), Response.Messages.class).messages()).extracting(Response.Message::id)
                    .containsExactly(id);
            bob.ok(ServerFixture.fetch(b, id), Response.Messages.class); // bob's default device has it

            assertThat(bodies(phone.ok(ServerFixture.fetch(p, 0), Response.Messages.class).messages()))
                    .as("the phone, logged in before the message was sent").containsExactly("for both devices");
            fx.restart();
            try (TestConnection again = fx.connect()) {
                String p2 = again.ok(new Request.LoginDevice("bob", ServerFixture.PASSWORD, "phone"), Response.DeviceLoggedIn.class).token();
                assertThat(bodies(again.ok(ServerFixture.fetch(p2, 0), Response.Messages.class).messages()))
                        .as("after a restart, not yet acknowledged by the phone").containsExactly("for both devices");
            }
        }
    }

    private static List<String> bodies(List<Response.Message> messages) {
        return messages.stream().map(Response.Message::body).toList();
    }
}
