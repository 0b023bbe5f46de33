package org.wirechat.server.core;

/**
 * What a transport asks the core, one record per operation, named after it (docs/architecture.md §2.3). No
 * token (a {@link Call} carries it) and no wire numbers; the spec's field rules were checked by the transport.
 */
public sealed interface ChatRequest {
    record Ping() implements ChatRequest {
    }

    record ServerInfo() implements ChatRequest {
    }

    record CreateAccount(String username, String fullName, String password) implements ChatRequest {
        @Override
        public String toString() {
            return "CreateAccount[username=" + username + ", fullName=" + fullName + ", password=<redacted>]";
        }
    }

    record Login(String username, String password) implements ChatRequest {
        @Override
        public String toString() {
            return "Login[username=" + username + ", password=<redacted>]";
        }
    }

    record LoginDevice(String username, String password, String deviceId) implements ChatRequest {
        @Override
        public String toString() {
            return "LoginDevice[username=" + username + ", password=<redacted>, deviceId=" + deviceId + "]";
        }
    }

    record Logout() implements ChatRequest {
    }

    /** {@code regex}: the pattern is a regular expression, else a wildcard ({@code *}, {@code ?}). */
    record ListAccounts(boolean regex, String pattern, String cursor, int limit) implements ChatRequest {
    }

    record Send(String recipient, String clientMessageId, String body) implements ChatRequest {
    }

    /** Acknowledges through {@code ackThrough} (0: nothing), then answers what waits after it. */
    record Fetch(long ackThrough, int maxCount, long maxWaitMillis) implements ChatRequest {
    }

    /** FETCH's first half alone (gRPC's Ack). */
    record Ack(long throughId) implements ChatRequest {
    }

    /** FETCH's second half alone, acknowledging nothing (gRPC's Subscribe, repeated). */
    record Next(long afterId, int maxCount, long maxWaitMillis) implements ChatRequest {
    }

    /** FETCH's acknowledgement and wait, answering messages and live events ({@link ChatResult.Events}). */
    record Sync(long ackThrough, int maxCount, long maxWaitMillis) implements ChatRequest {
    }

    /** SYNC's second half alone, acknowledging nothing (gRPC's Sync stream, repeated). */
    record SyncNext(long afterId, int maxCount, long maxWaitMillis) implements ChatRequest {
    }

    /** The caller is typing ({@code typing}) or stopped, in a direct conversation (a username) or a group ({@code #name}). */
    record Typing(String conversation, boolean typing) implements ChatRequest {
    }

    record History(String peer, long beforeId, int limit) implements ChatRequest {
    }

    /** SEARCH_MESSAGES: the caller's messages whose words match {@code query}, below {@code beforeId} (0: the newest). */
    record SearchMessages(String query, long beforeId, int limit) implements ChatRequest {
    }

    record DeleteAccount(String password) implements ChatRequest {
        @Override
        public String toString() {
            return "DeleteAccount[password=<redacted>]";
        }
    }

    record Receipts(String peer) implements ChatRequest {
    }

    record ChangePassword(String currentPassword, String newPassword) implements ChatRequest {
        @Override
        public String toString() {
            return "ChangePassword[currentPassword=<redacted>, newPassword=<redacted>]";
        }
    }

    record SetFullName(String fullName) implements ChatRequest {
    }

    record SetReceipts(boolean on) implements ChatRequest {
    }

    record CreateGroup(String group) implements ChatRequest {
    }

    record AddMember(String group, String username) implements ChatRequest {
    }

    record RemoveMember(String group, String username) implements ChatRequest {
    }

    record LeaveGroup(String group) implements ChatRequest {
    }

    record RenameGroup(String group, String newName) implements ChatRequest {
    }

    record ListGroups() implements ChatRequest {
    }

    record GroupMembers(String group) implements ChatRequest {
    }

    record GroupReceipts(String group, long messageId) implements ChatRequest {
    }

    record ListDevices() implements ChatRequest {
    }
}
