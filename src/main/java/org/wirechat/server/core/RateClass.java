package org.wirechat.server.core;

/**
 * The limit an operation counts against besides its connection's request rate (which every request counts
 * against, in the transport). ACCOUNT_CREATION is taken by {@link Chat} before the handler; PASSWORD_CHECK
 * needs the account's row and MESSAGE_TO_GROUP comes after the message's length check, so their handlers take
 * them through the {@link Permit} that {@link Chat} hands only to an operation of that class (and an operation
 * of that class must take it). MESSAGE_TO_GROUP is a SEND's alone: the table refuses it on another request.
 */
public enum RateClass {
    NONE,
    ACCOUNT_CREATION,
    PASSWORD_CHECK,
    MESSAGE_TO_GROUP,
    SEARCH
}
