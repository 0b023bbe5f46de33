package org.wirechat.client.terminal;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.wirechat.client.ChatClient;
import org.wirechat.client.ChatException;
import org.wirechat.client.terminal.Commands.Usage;
import org.wirechat.protocol.Response;

/**
 * {@code /devices}: the account's devices (LIST_DEVICES), one a line — its name (the device id, chosen with
 * {@code --device-id}), whether it is this one, when it was last seen, and whether it is past the horizon.
 */
final class DevicesCommand {
    private final ChatClient client;
    private final Screen screen;
    private final Clock clock = Clock.systemUTC();

    DevicesCommand(ChatClient client, Screen screen) {
        this.client = client;
        this.screen = screen;
    }

    void run(String args) throws ChatException, Usage {
        if (!args.isBlank()) {
            throw new Usage("usage: /devices");
        }
        screen.show(describe(client.devices(), clock.millis()));
    }

    /** The devices as lines: "phone (this device), last seen now", "tablet, last seen 40 d ago — past the horizon…". */
    static String describe(List<Response.Device> devices, long nowMillis) {
        StringBuilder b = new StringBuilder();
        for (Response.Device d : devices) {
            if (!b.isEmpty()) {
                b.append(System.lineSeparator());
            }
            b.append(d.id().isEmpty() ? "(default device: logins without a device id)" : d.id());
            if (d.current()) {
                b.append(" (this device)");
            }
            b.append(", last seen ").append(ago(Duration.ofMillis(Math.max(0, nowMillis - d.lastSeenMillis()))));
            if (!d.holds()) {
                b.append(d.current() ? " — holds no messages until it has received one"
                        : " — past the horizon: not handed messages now; back later, it is told what it missed (they are in /history)");
            }
        }
        return b.isEmpty() ? "no devices" : b.toString();
    }

    /** "now" under a minute, then minutes, hours (under two days) or days. */
    static String ago(Duration d) {
        if (d.compareTo(Duration.ofMinutes(1)) < 0) {
            return "now";
        } else if (d.compareTo(Duration.ofHours(1)) < 0) {
            return d.toMinutes() + " min ago";
        } else if (d.compareTo(Duration.ofDays(2)) < 0) {
            return d.toHours() + " h ago";
        }
        return d.toDays() + " d ago";
    }
}
