package org.wirechat.server.core.port;

/**
 * Everything a store provides, port by port: the boot code builds one (the SQLite and message-log store, or
 * PostgreSQL) and gives it to the core, whose handlers each take the narrow ports they use. Implementations are
 * thread-safe; every method that changes state returns only once the change is durable (unless it says otherwise).
 * Accounts are referred to by an internal id that is never reused, so a new account of a deleted one's name inherits
 * nothing. Usernames are matched ignoring case.
 */
public interface Storage extends TokenStore, AccountStore, GroupStore, MessageStore, ReceiptStore, Maintenance, SendLane {
}
