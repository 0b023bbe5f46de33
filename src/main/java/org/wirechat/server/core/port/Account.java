package org.wirechat.server.core.port;

/**
 * A live account, as one row of the store holds it: whether it is disabled (it cannot log in) and whether it
 * shares delivery receipts (on unless its owner turned them off) are read with the rest, so a check of either sees
 * the same row as the name and the password. The password hash is redacted from {@code toString()}; an account
 * read for a list ({@link AccountStore#page}) carries none ({@code ""}).
 */
public record Account(long id, String username, String fullName, String passwordHash, boolean disabled, boolean receipts) {
    @Override
    public String toString() {
        return "Account[id=" + id + ", username=" + username + ", disabled=" + disabled + ", receipts=" + receipts + "]";
    }
}
