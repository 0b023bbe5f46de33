package org.wirechat.server.core;

/**
 * The refusals the core can make; each transport maps each to its own codes (the wire protocol to the
 * {@code ErrorCode} of the same name, gRPC to a status and trailers). A {@link RuntimeException} is a bug.
 */
public enum ChatError {
    NOT_AUTHENTICATED,
    BAD_CREDENTIALS,
    ACCOUNT_DISABLED,
    USERNAME_TAKEN,
    NO_SUCH_USER,
    INBOX_NOT_EMPTY,
    INBOX_FULL,
    RATE_LIMITED,
    CLIENT_ID_REUSED,
    STORAGE_UNAVAILABLE,
    NO_SUCH_GROUP,
    NOT_A_MEMBER,
    NOT_THE_OWNER,
    GROUP_NAME_TAKEN,
    GROUP_FULL,
    TOO_MANY_GROUPS,
    DEVICE_IN_USE,
    INVALID_FIELD,
    INVALID_PATTERN,
    MESSAGE_TOO_LONG,
    MESSAGE_EMPTY,
    SERVER_BUSY,
    SHUTTING_DOWN
}
