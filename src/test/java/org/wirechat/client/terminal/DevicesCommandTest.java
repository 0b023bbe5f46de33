package org.wirechat.client.terminal;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.wirechat.protocol.Response;

/** {@code /devices}' lines from a LIST_DEVICES answer (the command against a real server: TerminalClientTest). */
@Timeout(10)
class DevicesCommandTest {
    private static final long NOW = 1_764_234_000_000L;

    @Test
    void eachDeviceIsNamedWithWhenItWasLastSeenAndWhetherItIsPastTheHorizon() {
        String shown = DevicesCommand.describe(List.of(
                new Response.Device("phone", NOW - 20_000, true, true),
                new Response.Device("laptop", NOW - Duration.ofHours(2).toMillis(), true, false),
                new Response.Device("tablet", NOW - Duration.ofDays(40).toMillis(), false, false)), NOW);
        assertThat(shown.lines()).containsExactly(
                "phone (this device), last seen now",
                "laptop, last seen 2 h ago",
                "tablet, last seen 40 d ago — past the horizon: not handed messages now; back later, it is told what it"
                        + " missed (they are in /history)");
    }

    @Test
    void theDefaultDeviceIsNamedForWhatItIsAndHoldsNothingBeforeItsFirstMessage() {
        assertThat(DevicesCommand.describe(List.of(new Response.Device("", NOW + 5_000, false, true)), NOW))
                .as("a server clock ahead of this one is 'now', never a negative age")
                .isEqualTo("(default device: logins without a device id) (this device), last seen now — holds no messages"
                        + " until it has received one");
    }

    @Test
    void agesAreInMinutesHoursOrDays() {
        assertThat(DevicesCommand.ago(Duration.ofSeconds(59))).isEqualTo("now");
        assertThat(DevicesCommand.ago(Duration.ofMinutes(1))).isEqualTo("1 min ago");
        assertThat(DevicesCommand.ago(Duration.ofMinutes(59))).isEqualTo("59 min ago");
        assertThat(DevicesCommand.ago(Duration.ofHours(1))).isEqualTo("1 h ago");
        assertThat(DevicesCommand.ago(Duration.ofHours(47))).isEqualTo("47 h ago");
        assertThat(DevicesCommand.ago(Duration.ofDays(2))).isEqualTo("2 d ago");
    }
}
