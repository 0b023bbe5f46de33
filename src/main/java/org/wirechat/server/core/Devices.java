package org.wirechat.server.core;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.wirechat.server.core.ChatResult.Device;
import org.wirechat.server.core.ChatResult.DeviceList;
import org.wirechat.server.core.port.DeviceSeen;
import org.wirechat.server.core.port.MessageStore;

/**
 * LIST_DEVICES (docs/wire_design.md §5): a device holds the account's messages while it was seen within the
 * device horizon; when none was, the one seen last holds them (the account never has fewer than one,
 * docs/conversations_design.md §1). The caller's device comes first, then the most recently seen.
 */
final class Devices {
    private final ChatSettings settings;
    private final MessageStore messages;
    private final Clock clock;

    Devices(ChatSettings settings, MessageStore messages, Clock clock) {
        this.settings = settings;
        this.messages = messages;
        this.clock = clock;
    }

    DeviceList list(ChatRequest.ListDevices r, Asker asker) {
        return of(messages.devices(asker.accountId()), asker.device(), clock.millis(), settings.deviceHorizon());
    }

    /**
     * {@code caller}: the asking login's device. A caller's device the store does not list (the default
     * device before its first acknowledgement) is listed as seen now, holding nothing yet.
     */
    static DeviceList of(List<DeviceSeen> seen, String caller, long nowMillis, Duration horizon) {
        long within = nowMillis - horizon.toMillis();
        boolean anyHolds = seen.stream().anyMatch(d -> d.lastSeenMillis() >= within);
        DeviceSeen latest = seen.stream().max(Comparator.comparingLong(DeviceSeen::lastSeenMillis)).orElse(null);
        List<Device> out = new ArrayList<>();
        boolean callerListed = false;
        for (DeviceSeen d : seen) {
            boolean holds = anyHolds ? d.lastSeenMillis() >= within : d == latest;
            boolean current = d.device().equals(caller);
            callerListed |= current;
            out.add(new Device(d.device(), d.lastSeenMillis(), holds, current));
        }
        if (!callerListed) {
            out.add(new Device(caller, nowMillis, false, true));
        }
        out.sort(Comparator.comparing((Device d) -> !d.current())
                .thenComparing(Comparator.comparingLong(Device::lastSeenMillis).reversed())
                .thenComparing(Device::id));
        return new DeviceList(out);
    }
}
