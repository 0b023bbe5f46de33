package org.wirechat.server.core;

import java.time.Duration;

/** The server's own limits the core enforces (from the server's configuration; docs/operations.md names each). */
public record ChatSettings(int maxMessageChars, int inboxCapacity, Duration maxFetchWait, Duration deviceHorizon,
        int membersPerGroup, int groupsPerUser, int groupMessagesPerSecond, int groupMessageBurst,
        int accountsPerAddressPerHour, int loginsPerAccountPerMinute, boolean tls, boolean retention) {
}
