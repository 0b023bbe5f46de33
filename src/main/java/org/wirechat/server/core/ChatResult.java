package org.wirechat.server.core;

import java.util.List;

/**
 * What the core answers, one record per operation's result (docs/architecture.md §2.3). Results hold
 * everything asked for; each transport fits them to what it carries.
 */
public sealed interface ChatResult {
    record Pong(long serverTimeMillis) implements ChatResult {
    }

    /** The server's own limits and features; a transport adds its own facts (versions, frame size). */
    record Info(int maxMessageChars, long maxFetchWaitMillis, List<String> features) implements ChatResult {
    }

    record AccountCreated(String username) implements ChatResult {
    }

    /** An account's login (LOGIN). */
    record LoggedIn(String token, long expiresAtMillis, long unread) implements ChatResult {
        @Override
        public String toString() {
            return "LoggedIn[token=<redacted>, expiresAtMillis=" + expiresAtMillis + ", unread=" + unread + "]";
        }
    }

    /** A device's login (LOGIN_DEVICE); {@code missed}: what the device missed for good while away. */
    record DeviceLoggedIn(String token, long expiresAtMillis, long unread, long missed) implements ChatResult {
        @Override
        public String toString() {
            return "DeviceLoggedIn[token=<redacted>, expiresAtMillis=" + expiresAtMillis + ", unread=" + unread
                    + ", missed=" + missed + "]";
        }
    }

    record LoggedOut() implements ChatResult {
    }

    record AccountPage(List<Account> accounts, String nextCursor) implements ChatResult {
    }

    record Account(String username, String fullName, boolean online) {
    }

    record Sent(long id, long timestampMillis) implements ChatResult {
    }

    record Messages(List<Message> messages) implements ChatResult {
    }

    record Acked() implements ChatResult {
    }

    /** SYNC's answer: the device's messages, oldest first, then the live events for it. */
    record Events(List<Message> messages, List<TypingEvent> typing) implements ChatResult {
        public Events {
            messages = List.copyOf(messages);
            typing = List.copyOf(typing);
        }
    }

    /**
     * Someone of the conversation is typing ({@code typing}) or stopped: {@code from}, in {@code conversation} as the
     * receiver names it (the typist's username, or {@code #group}); the indication ends by itself after
     * {@code expiresInMillis} unless repeated (0 when it stopped).
     */
    record TypingEvent(String from, String conversation, boolean typing, long expiresInMillis) {
    }

    /** TYPING was taken (or dropped as too frequent: it is a hint). */
    record TypingSent() implements ChatResult {
    }

    record Conversation(List<Message> messages, long nextBeforeId) implements ChatResult {
    }

    /** SEARCH_MESSAGES' page, newest first; {@code nextBeforeId} the smallest id in it when more match, else 0. */
    record SearchResults(List<Message> messages, long nextBeforeId) implements ChatResult {
    }

    record Message(long id, String sender, String recipient, long timestampMillis, String body) {
    }

    record AccountDeleted() implements ChatResult {
    }

    record ReceiptState(boolean shared, long oldestWaitingId) implements ChatResult {
    }

    /** The password was changed and the account's other sessions ended. */
    record PasswordChanged() implements ChatResult {
    }

    record FullNameSet(String fullName) implements ChatResult {
    }

    record ReceiptsSet(boolean on) implements ChatResult {
    }

    record GroupCreated(String group) implements ChatResult {
    }

    record MemberAdded(String username) implements ChatResult {
    }

    record MemberRemoved() implements ChatResult {
    }

    record GroupLeft() implements ChatResult {
    }

    record GroupRenamed(String group) implements ChatResult {
    }

    record GroupList(List<Group> groups) implements ChatResult {
    }

    record Group(String name, String owner, int members) {
    }

    record Members(String group, List<Member> members) implements ChatResult {
    }

    record Member(String username, boolean online, boolean owner) {
    }

    record GroupReceiptCounts(boolean shared, long members, long delivered) implements ChatResult {
    }

    record DeviceList(List<Device> devices) implements ChatResult {
    }

    record Device(String id, long lastSeenMillis, boolean holds, boolean current) {
    }
}
