package org.wirechat.protocol;

import java.util.List;

/**
 * Every response a server can send. Successful responses have status 0; {@link Error} carries any
 * other status. Lists are copied on construction and unmodifiable.
 */
public sealed interface Response {

    record Pong(long serverTimeMillis) implements Response {
    }

    /**
     * What the server speaks and allows: the protocol versions it speaks, the largest request frame it
     * reads, the longest message body (characters), the longest FETCH wait it grants (ms), and the names
     * of optional features it has (lower-case, digits and '-').
     */
    record ServerInfo(List<Integer> versions, int maxFrameBytes, int maxMessageChars, long maxFetchWaitMillis,
            List<String> features) implements Response {
        public ServerInfo {
            versions = List.copyOf(versions);
            features = List.copyOf(features);
        }
    }

    record AccountCreated(String username) implements Response {
    }

    /** A new session: the token, when it expires unless used (ms since the epoch), unread messages. */
    record LoggedIn(String token, long expiresAtMillis, long unread) implements Response {
        @Override
        public String toString() {
            return "LoggedIn[token=<redacted>, expiresAtMillis=" + expiresAtMillis + ", unread=" + unread + "]";
        }
    }

    /**
     * A device's new session: the token, when it expires unless used, the messages this device has not
     * received, and how many it missed for good while it was away past the server's device horizon (they
     * are in HISTORY).
     */
    record DeviceLoggedIn(String token, long expiresAtMillis, long unread, long missed) implements Response {
        @Override
        public String toString() {
            return "DeviceLoggedIn[token=<redacted>, expiresAtMillis=" + expiresAtMillis + ", unread=" + unread
                    + ", missed=" + missed + "]";
        }
    }

    record LoggedOut() implements Response {
    }

    /** One page of accounts; {@code nextCursor} is empty on the last page. */
    record Accounts(List<Account> accounts, String nextCursor) implements Response {
        public Accounts {
            accounts = List.copyOf(accounts);
        }
    }

    record Account(String username, String fullName, boolean online) {
    }

    record Sent(long messageId, long timestampMillis) implements Response {
    }

    /** Undelivered messages, oldest first. */
    record Messages(List<Message> messages) implements Response {
        public Messages {
            messages = List.copyOf(messages);
        }
    }

    /**
     * SYNC's answer: undelivered messages, oldest first (records of kind {@code m}), then live events (kind
     * {@code t}: someone typing). A decoder skips the records of a kind it does not know.
     */
    record Events(List<Message> messages, List<Typing> typing) implements Response {
        public Events {
            messages = List.copyOf(messages);
            typing = List.copyOf(typing);
        }
    }

    /** {@code from} is typing ({@code typing}) or stopped in {@code conversation}, for {@code expiresInMillis} more. */
    record Typing(String from, String conversation, boolean typing, long expiresInMillis) {
    }

    record TypingSent() implements Response {
    }

    /** A page of a conversation, oldest first; {@code nextBeforeId} is 0 when there is nothing older. */
    record Conversation(List<Message> messages, long nextBeforeId) implements Response {
        public Conversation {
            messages = List.copyOf(messages);
        }
    }

    record Message(long id, String sender, String recipient, long timestampMillis, String body) {
    }

    record AccountDeleted() implements Response {
    }

    /**
     * Receipts from a peer: {@code shared} is false when the peer or the caller has turned receipts off
     * (then {@code oldestWaitingId} is 0 and says nothing); else every message the caller sent the peer
     * with an id below {@code oldestWaitingId} has been acknowledged, and when it is 0 every one has.
     */
    record Receipts(boolean shared, long oldestWaitingId) implements Response {
    }

    /** The caller's receipts setting, as it now is. */
    record ReceiptsSet(boolean on) implements Response {
    }

    /** The caller's password was changed, and every other session of the account ended. */
    record PasswordChanged() implements Response {
    }

    /** The caller's full name, as it now is. */
    record FullNameSet(String fullName) implements Response {
    }

    /**
     * SEARCH_MESSAGES' answer: the matching messages, <b>newest first</b>, and the id to ask before for the next
     * page (the smallest id returned, or 0 when no older message matches).
     */
    record SearchResults(List<Message> messages, long nextBeforeId) implements Response {
    }

    /** A group was created: its name as spelled. */
    record GroupCreated(String group) implements Response {
    }

    /** A member was added (or was one already): the username as the account spells it. */
    record MemberAdded(String username) implements Response {
    }

    record MemberRemoved() implements Response {
    }

    record GroupLeft() implements Response {
    }

    /** A group was renamed: its new name as spelled. */
    record GroupRenamed(String group) implements Response {
    }

    /**
     * A group message's receipts: {@code shared} false when the caller has receipts off (then the counts
     * say nothing); else of the {@code members} it reached that share receipts, {@code delivered} have it.
     */
    record GroupReceipts(boolean shared, long members, long delivered) implements Response {
    }

    /** The caller's groups, sorted by name ignoring case. */
    record Groups(List<Group> groups) implements Response {
        public Groups {
            groups = List.copyOf(groups);
        }
    }

    /** The account's devices, the caller's first, then the most recently seen first (LIST_DEVICES). */
    record Devices(List<Device> devices) implements Response {
        public Devices {
            devices = List.copyOf(devices);
        }
    }

    /**
     * A device of the account: its id ({@code ""}: the default device, LOGIN's), when it last asked for its
     * mail (ms since the epoch), whether it holds the account's messages (seen within the device horizon:
     * it is handed each one), and whether it is the device of the login that asked.
     */
    record Device(String id, long lastSeenMillis, boolean holds, boolean current) {
    }

    /** A group: its name, its owner's username, and how many members it has. */
    record Group(String name, String owner, int members) {
    }

    /** A group's members, the owner first, then in the order they joined. */
    record Members(String group, List<Member> members) implements Response {
        public Members {
            members = List.copyOf(members);
        }
    }

    record Member(String username, boolean online, boolean owner) {
    }

    /**
     * A failed request. {@code status} is the wire number (kept even when this build does not know it);
     * {@code details} are code-specific extra fields (see the spec's error table).
     */
    record Error(int status, String reason, List<String> details) implements Response {
        public Error {
            if (status <= 0 || status > 0xFFFF) {
                throw new IllegalArgumentException("an error status is in [1, 65535]: " + status);
            }
            details = List.copyOf(details);
        }

        public Error(ErrorCode code, String reason, List<String> details) {
            this(code.wire(), reason, details);
        }

        public Error(ErrorCode code, String reason) {
            this(code.wire(), reason, List.of());
        }

        /** The error's code, or {@link ErrorCode#UNKNOWN} for a status this build does not know. */
        public ErrorCode code() {
            return ErrorCode.fromWire(status);
        }
    }
}
