package org.wirechat.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.wirechat.protocol.Response;

/** What the client's link tells its listener when the command path and the poller see the server at once. */
@Timeout(30)
class LinkTest {

    /**
     * Under load in the full suite, the desktop model showed "connected" for good with the server stopped
     * (ChatModelTest): a request answered just before the server went marked the link up, the poller's
     * next attempt marked it down and told "lost", and only then did the late "reconnected" reach the model.
     */
    @Test
    void aLossWhileAReconnectionIsBeingToldIsToldAfterIt() {
        List<String> told = new CopyOnWriteArrayList<>();
        AtomicReference<Link> link = new AtomicReference<>();
        ChatClient.Listener listener = new ChatClient.Listener() {
            @Override
            public void messages(List<Response.Message> messages) {
            }

            @Override
            public void connectionLost(String why) {
                told.add("lost: " + why);
            }

            @Override
            public void reconnected() {
                if (told.size() == 1) { // the server goes again (the poller, on its own thread) while this is told
                    Thread poller = Thread.ofPlatform().name("poller").start(() -> link.get().down("gone again"));
                    try {
                        poller.join();
                    } catch (InterruptedException e) {
                        throw new AssertionError(e);
                    }
                }
                told.add("reconnected");
            }
        };
        link.set(new Link(listener, () -> { }));

        link.get().down("gone");
        link.get().up();

        assertThat(link.get().isUp()).isFalse();
        assertThat(told).as("the listener is left with the link's state").containsExactly("lost: gone", "reconnected", "lost: gone again");
    }

    @Test
    void eachChangeIsToldOnceAndARepeatNotAtAll() {
        List<String> told = new CopyOnWriteArrayList<>();
        List<String> woken = new CopyOnWriteArrayList<>();
        Link link = new Link(new ChatClient.Listener() {
            @Override
            public void messages(List<Response.Message> messages) {
            }

            @Override
            public void connectionLost(String why) {
                told.add("lost: " + why);
            }

            @Override
            public void reconnected() {
                told.add("reconnected");
            }
        }, () -> woken.add("back"));

        link.up(); // up from the start: nothing to tell
        link.down("refused");
        link.down("refused again");
        link.up();
        link.up();

        assertThat(told).containsExactly("lost: refused", "reconnected");
        assertThat(woken).as("whatever waits out a backoff is woken once, when the server is back").containsExactly("back");
        assertThat(link.isUp()).isTrue();
    }
}
