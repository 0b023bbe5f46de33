package org.wirechat.server.core;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import org.wirechat.server.core.ChatRequest.Ping;
import org.wirechat.server.core.ChatRequest.ServerInfo;
import org.wirechat.server.core.ChatResult.Info;
import org.wirechat.server.core.ChatResult.Pong;
import org.wirechat.server.core.port.Maintenance;

/** PING and SERVER_INFO: the server's clock, limits and optional features, so clients need not guess them. */
final class Server {
    private final ChatSettings settings;
    private final Maintenance store;
    private final Clock clock;

    Server(ChatSettings settings, Maintenance store, Clock clock) {
        this.settings = settings;
        this.store = store;
        this.clock = clock;
    }

    Pong ping(Ping p, Asker asker) {
        return new Pong(clock.millis());
    }

    Info info(ServerInfo i, Asker asker) {
        List<String> features = new ArrayList<>();
        if (settings.tls()) {
            features.add("tls");
        }
        if (store.shared()) {
            features.add("shared-store"); // several servers may serve the same accounts
        }
        if (settings.retention()) {
            features.add("retention"); // delivered messages leave history after a while
        }
        features.add("receipts"); // RECEIPTS and SET_RECEIPTS
        features.add("devices"); // LOGIN_DEVICE and LIST_DEVICES
        features.add("groups"); // GROUP_* (GROUP_RECEIPTS too) and SEND/HISTORY to #names
        features.add("account"); // CHANGE_PASSWORD and SET_FULL_NAME
        features.add("events"); // SYNC (messages and live events) and TYPING
        features.add("search"); // SEARCH_MESSAGES
        return new Info(settings.maxMessageChars(), settings.maxFetchWait().toMillis(), features);
    }
}
