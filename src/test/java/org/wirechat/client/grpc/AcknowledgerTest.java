package org.wirechat.client.grpc;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Acknowledgements coalesced: one on its way at a time, then the newest asked meanwhile. */
@Timeout(60)
class AcknowledgerTest {
    @Test
    void oneOnItsWayThenTheNewestAskedMeanwhile() {
        List<Long> sent = new CopyOnWriteArrayList<>();
        Acknowledger acks = new Acknowledger(sent::add);
        acks.through(1);
        acks.through(2);
        acks.through(3);
        assertThat(sent).as("2 and 3 wait for 1's answer").containsExactly(1L);
        acks.answered();
        assertThat(sent).as("only the newest goes").containsExactly(1L, 3L);
        acks.answered();
        acks.through(2);
        assertThat(sent).as("an older id than one sent is covered by it").containsExactly(1L, 3L);
        acks.through(4);
        assertThat(sent).containsExactly(1L, 3L, 4L);
    }

    @Test
    void anAnswerThatComesAtOnceLetsTheNextGo() {
        List<Long> sent = new CopyOnWriteArrayList<>();
        Acknowledger[] acks = new Acknowledger[1];
        acks[0] = new Acknowledger(id -> {
            sent.add(id);
            acks[0].answered(); // a closed channel fails the call on the calling thread
        });
        acks[0].through(5);
        acks[0].through(6);
        assertThat(sent).containsExactly(5L, 6L);
    }
}
