package org.wirechat.server.core;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.wirechat.server.core.ChatResult.TypingEvent;

/** The live events kept per device that SYNCs: its bounds, at, below and above their edges (docs/security.md, typing). */
@Timeout(10)
class LiveEventsTest {
    private static final long HORIZON = 60_000;

    private static TypingEvent typing(String from) {
        return new TypingEvent(from, from, true, 6_000);
    }

    @Test
    void aDeviceHoldsAtMost32EventsTheOldestDroppedFirst() {
        LiveEvents live = new LiveEvents(HORIZON);
        live.take(1, "phone", 0);
        List<TypingEvent> sent = new ArrayList<>();
        for (int i = 0; i < LiveEvents.PER_DEVICE; i++) {
            sent.add(typing("u" + i));
            live.post(1, sent.getLast(), 0);
        }
        assertThat(live.take(1, "phone", 0)).as("32: all kept").isEqualTo(sent);
        for (int i = 0; i <= LiveEvents.PER_DEVICE; i++) {
            live.post(1, typing("v" + i), 0);
        }
        List<TypingEvent> got = live.take(1, "phone", 0);
        assertThat(got).as("33: the first dropped").hasSize(LiveEvents.PER_DEVICE).doesNotContain(typing("v0"))
                .startsWith(typing("v1")).endsWith(typing("v32"));
        assertThat(live.take(1, "phone", 0)).as("each handed once").isEmpty();
    }

    @Test
    void aNewerEventOfOnePersonInOneConversationReplacesTheOlder() {
        LiveEvents live = new LiveEvents(HORIZON);
        live.take(1, "phone", 0);
        live.post(1, typing("bob"), 0);
        live.post(1, new TypingEvent("carol", "#crew", true, 6_000), 0);
        live.post(1, new TypingEvent("bob", "bob", false, 0), 0);
        assertThat(live.take(1, "phone", 0)).containsExactly(new TypingEvent("carol", "#crew", true, 6_000),
                new TypingEvent("bob", "bob", false, 0));
    }

    @Test
    void eventsWaitOnlyForDevicesThatAskedWithinTheHorizonAndTypingRunsOut() {
        LiveEvents live = new LiveEvents(HORIZON);
        assertThat(live.post(1, typing("bob"), 0)).as("no device of the account SYNCs").isFalse();
        live.take(1, "phone", 0);
        live.take(1, "laptop", 1);
        assertThat(live.post(1, typing("bob"), HORIZON)).as("the phone at the horizon's edge").isTrue();
        assertThat(live.take(1, "phone", HORIZON + 5_999)).containsExactly(new TypingEvent("bob", "bob", true, 1));
        assertThat(live.take(1, "laptop", HORIZON + 6_000)).as("ran out").isEmpty();
        live.post(1, typing("carol"), 2 * HORIZON + 6_001); // the phone asked last at HORIZON + 5,999: past the horizon now
        assertThat(live.take(1, "phone", 2 * HORIZON + 6_001)).as("forgotten when it stopped asking").isEmpty();
        live.sweep(10 * HORIZON);
        assertThat(live.accounts()).isZero();
    }
}
