package org.wirechat.server.storage;

/** A live account. The password hash is redacted from {@code toString()}. */
public record Account(long id, String username, String fullName, String passwordHash) {
    @Override
    public String toString() {
        return "Account[id=" + id + ", username=" + username + "]";
    }
}
