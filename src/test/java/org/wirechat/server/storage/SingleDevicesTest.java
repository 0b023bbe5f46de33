package org.wirechat.server.storage;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(10)
class SingleDevicesTest {
    private static final long ALICE = 7;

    @Test
    void whatAProbeFoundHoldsUntilANewDeviceIsHeardOf() {
        SingleDevices s = new SingleDevices();
        assertThat(s.alone(ALICE, "phone")).as("not known: probed").isFalse();
        s.probed(ALICE, "phone", s.generation());
        assertThat(s.alone(ALICE, "phone")).isTrue();
        assertThat(s.alone(ALICE, "laptop")).as("another device sending: probed").isFalse();
        s.changed(ALICE);
        assertThat(s.alone(ALICE, "phone")).isFalse();
    }

    @Test
    void aProbeOlderThanAChangeIsNotKept() {
        SingleDevices s = new SingleDevices();
        long before = s.generation();
        s.changed(ALICE); // heard of while the probe ran: the probe may not have seen the new device
        s.probed(ALICE, "phone", before);
        assertThat(s.alone(ALICE, "phone")).isFalse();
        s.probed(ALICE, "phone", s.generation());
        assertThat(s.alone(ALICE, "phone")).as("a probe begun after it").isTrue();
    }

    @Test
    void lostNotificationsForgetEverythingAndAProbeFromBeforeIsNotKept() {
        SingleDevices s = new SingleDevices();
        s.probed(ALICE, "phone", s.generation());
        long before = s.generation();
        s.changedAll();
        assertThat(s.alone(ALICE, "phone")).isFalse();
        s.probed(8, "phone", before);
        assertThat(s.alone(8, "phone")).isFalse();
    }
}
