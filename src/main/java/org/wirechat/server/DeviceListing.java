package org.wirechat.server;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.wirechat.protocol.Response;
import org.wirechat.server.storage.DeviceSeen;

/**
 * LIST_DEVICES' answer from the store's devices (docs/wire_design.md §5): a device holds the account's
 * messages while it was seen within the device horizon; when none was, the one seen last holds them (the
 * account never has fewer than one, docs/conversations_design.md §1). The caller's device comes first,
 * then the most recently seen.
 */
final class DeviceListing {
    private DeviceListing() {
    }

    /**
     * {@code caller}: the asking login's device. A caller's device the store does not list (the default
     * device before its first acknowledgement) is listed as seen now, holding nothing yet.
     */
    static Response.Devices of(List<DeviceSeen> seen, String caller, long nowMillis, Duration horizon) {
        long within = nowMillis - horizon.toMillis();
        boolean anyHolds = seen.stream().anyMatch(d -> d.lastSeenMillis() >= within);
        DeviceSeen latest = seen.stream().max(Comparator.comparingLong(DeviceSeen::lastSeenMillis)).orElse(null);
        List<Response.Device> out = new ArrayList<>();
        boolean callerListed = false;
        for (DeviceSeen d : seen) {
            boolean holds = anyHolds ? d.lastSeenMillis() >= within : d == latest;
            boolean current = d.device().equals(caller);
            callerListed |= current;
            out.add(new Response.Device(d.device(), d.lastSeenMillis(), holds, current));
        }
        if (!callerListed) {
            out.add(new Response.Device(caller, nowMillis, false, true));
        }
        out.sort(Comparator.comparing((Response.Device d) -> !d.current())
                .thenComparing(Comparator.comparingLong(Response.Device::lastSeenMillis).reversed())
                .thenComparing(Response.Device::id));
        return new Response.Devices(out);
    }
}
