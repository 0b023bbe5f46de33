package org.wirechat.server.storage;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
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

/**
 * What a crash right after a LOGIN_DEVICE's answer leaves (found by {@code KillModelProperties} on SQLite,
 * seed 7897773716893508701: "LOST: u0/laptop was not handed 8").
 */
@Timeout(60)
class LoginDeviceCrashTest {
    /**
     * How long the message log's writer is held before it writes the laptop's registration, unless the
     * laptop's LOGIN_DEVICE is answered first (the old behaviour, shown at once). A login that waits for
     * its registration to be on disk cannot be answered meanwhile: it is answered once this has passed.
     */
    private static final long HELD_SECONDS = 3;

    @TempDir
    Path tmp;

    /**
     * LOGIN_DEVICE was answered as soon as the device's registration was queued for the message log, not
     * once it was written. A SIGKILL in between lost the registration while the device's token (in SQLite)
     * stood: after the restart the account had one device again, so a message its other device sent was
     * not copied to the one told it was logged in, and that device never got it. Now the answer waits for
     * the registration to be written and synced.
     */
    @Test
    void aDeviceWhoseLoginWasAnsweredJustBeforeACrashIsStillCopiedItsAccountsOwnMessages() throws Exception {
        FaultPlan plan = new FaultPlan(true);
        Path crashed = tmp.resolve("crashed");
        CountDownLatch copied = new CountDownLatch(1);
        String phone;
        String laptop;
        try (ServerFixture fx = new ServerFixture(Backend.SQLITE, tmp.resolve("data"), b -> b.storageIo(plan));
                TestConnection alice = fx.connect(); TestConnection bob = fx.connect()) {
            fx.register(alice, "alice");
            fx.register(bob, "bob");
            phone = bob.ok(new Request.LoginDevice("bob", ServerFixture.PASSWORD, "phone"), Response.DeviceLoggedIn.class).token();
            // LIST_DEVICES waits for the log writer: the phone's registration is in the log before the plan is armed
            assertThat(bob.ok(new Request.ListDevices(phone), Response.Devices.class).devices()).hasSize(1);

            // the log's next write to a segment (the laptop's registration) waits until the directory is copied, or HELD_SECONDS
            plan.only("\\.seg").at(Point.LOG_WRITE, 1, Fault.ACTION, real -> copied.await(HELD_SECONDS, TimeUnit.SECONDS)).arm();
            laptop = bob.ok(new Request.LoginDevice("bob", ServerFixture.PASSWORD, "laptop"), Response.DeviceLoggedIn.class).token();
            copy(fx.dataDir, crashed); // what a SIGKILL right after the answer leaves: the files as they are now
            copied.countDown();
            Await.until("the laptop's registration reached the log", () -> plan.fired() != null);
        }

        try (ServerFixture fx = new ServerFixture(Backend.SQLITE, crashed); TestConnection bob = fx.connect()) {
            bob.ok(ServerFixture.send(phone, "alice", "from the phone, after the crash"), Response.Sent.class);
            List<Response.Message> got = bob.ok(ServerFixture.fetch(laptop, 0), Response.Messages.class).messages();
            assertThat(got).as("the laptop, told it was logged in before the crash").extracting(Response.Message::body)
                    .containsExactly("from the phone, after the crash");
            assertThat(bob.ok(new Request.ListDevices(laptop), Response.Devices.class).devices()).hasSize(2);
        }
    }

    /** Copies the data directory's files as they are (the SQLite database with its WAL, the message log's files). */
    private static void copy(Path from, Path to) throws IOException {
        try (Stream<Path> all = Files.walk(from)) {
            all.forEach(p -> {
                try {
                    Path target = to.resolve(from.relativize(p).toString());
                    if (Files.isDirectory(p)) {
                        Files.createDirectories(target);
                    } else if (Files.isRegularFile(p)) { // not the admin socket
                        Files.copy(p, target);
                    }
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        }
    }
}
