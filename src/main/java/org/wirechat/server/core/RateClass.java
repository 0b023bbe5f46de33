package org.wirechat.server.core;

/**
 * The limit an operation counts against besides its connection's request rate (which every request counts
 * against, in the transport). ACCOUNT_CREATION and MESSAGE_TO_GROUP are taken by {@link Chat} before the
 * handler; PASSWORD_CHECK needs the account's row, so the handler takes it ({@link PasswordCheck}).
 */
public enum RateClass {
    NONE,
    ACCOUNT_CREATION,
    PASSWORD_CHECK,
    MESSAGE_TO_GROUP
}
