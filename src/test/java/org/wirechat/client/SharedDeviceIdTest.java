package org.wirechat.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.wirechat.protocol.Response;
import org.wirechat.server.Await;
import org.wirechat.server.ServerFixture;

/**
 * Issue 27: two running clients with one device id (one HOME) each showed part of what arrived, and
 * nothing told the person. Now the second login takes the device over and the first client is told once
 * and stops polling, so the one that polls shows all 40.
 */
@Timeout(60)
class SharedDeviceIdTest {
    static final String PW = "correct horse";

    @TempDir
    Path dir;

    /** A listener that collects messages and what it was told. */
    private record Screen(List<Response.Message> messages, List<String> inUse, List<String> problems) implements ChatClient.Listener {
        Screen() {
            this(new CopyOnWriteArrayList<>(), new CopyOnWriteArrayList<>(), new CopyOnWriteArrayList<>());
        }

        @Override
        public void messages(List<Response.Message> m) {
            messages.addAll(m);
        }

        @Override
        public void deviceInUse(String why) {
            inUse.add(why);
        }

        @Override
        public void problem(String what) {
            problems.add(what);
        }
    }

    @Test
    void theSecondClientOfOneDeviceIdTakesItOverAndTheFirstIsToldOnce() throws Exception {
        Screen first = new Screen();
        Screen second = new Screen();
        try (ServerFixture fx = new ServerFixture(dir.resolve("server"));
                ChatClient alice = new ChatClient("127.0.0.1", fx.server().port(), m -> { }, ScriptedClient.FAST);
                ChatClient one = new ChatClient("127.0.0.1", fx.server().port(), first,
                        ScriptedClient.FAST.withDevice(DeviceId.of(dir.resolve("home"))));
                ChatClient two = new ChatClient("127.0.0.1", fx.server().port(), second,
                        ScriptedClient.FAST.withDevice(DeviceId.of(dir.resolve("home"))))) {
            alice.register("alice", "Alice", PW);
            one.register("bob", "Bob", PW);
            alice.login("alice", PW);
            one.login("bob", PW);
            Await.until("the first client polls", () -> fx.server().waitingFetches() > 0);
            two.login("bob", PW);
            Await.until("the first client is told", () -> !first.inUse().isEmpty());
            for (int i = 1; i <= 40; i++) {
                alice.send("bob", "message " + i);
            }
            assertThat(alice.awaitSent(Duration.ofSeconds(30))).isTrue();
            Await.until("the second client shows all 40", () -> second.messages().size() >= 40);
            assertThat(second.messages()).extracting(Response.Message::body).doesNotHaveDuplicates().hasSize(40);
            assertThat(first.messages()).as("the first stopped polling: it shows none, and said why").isEmpty();
            assertThat(first.inUse()).as("told once").hasSize(1);
            assertThat(first.inUse().getFirst()).contains("device id");
            assertThat(second.inUse()).isEmpty();
        }
    }
}
