package org.wirechat.server.core;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.wirechat.server.core.rules.GroupChange;

/**
 * The audit trail: who did what to an account, from where, at INFO on the logger
 * {@code org.wirechat.audit}, each event with key-value pairs ({@code event}, {@code user},
 * {@code address}, and for refusals {@code reason} or {@code wait_ms}) that the text format prints as
 * {@code key="value"} and the JSON format as fields. Never a password, token or message: usernames are
 * checked by the protocol (letters, digits, '.', '_', '-') before anything here sees them, so they are
 * safe to print as they are.
 */
public final class Audit {
    private static final Logger log = LoggerFactory.getLogger("org.wirechat.audit");

    private Audit() {
    }

    private static void event(String event, String user, String address, String message) {
        if (!log.isInfoEnabled()) {
            return;
        }
        var e = log.atInfo().setMessage(message).addKeyValue("event", event);
        if (user != null) {
            e = e.addKeyValue("user", user);
        }
        e.addKeyValue("address", address).log();
    }

    public static void accountCreated(String user, String address) {
        event("account_created", user, address, "account created");
    }

    public static void creationRefused(String address, long waitMillis) {
        if (log.isInfoEnabled()) {
            log.atInfo().setMessage("account creation throttled").addKeyValue("event", "creation_throttled")
                    .addKeyValue("address", address).addKeyValue("wait_ms", waitMillis).log();
        }
    }

    /**
     * A login answered with a token; {@code stored} false: the store refused writes, so the token is kept in
     * the server's memory until it takes them (a restart before then loses it).
     */
    public static void loginSucceeded(String user, String address, boolean stored) {
        if (stored) {
            event("login", user, address, "login succeeded");
        } else if (log.isInfoEnabled()) {
            log.atInfo().setMessage("login succeeded, token kept in memory until the storage takes writes").addKeyValue("event", "login")
                    .addKeyValue("user", user).addKeyValue("address", address).addKeyValue("token", "not stored yet").log();
        }
    }

    /** {@code reason}: "no such account" or "wrong password" — for the operator; the client is told neither. */
    public static void loginFailed(String user, String address, String reason) {
        if (log.isInfoEnabled()) {
            log.atInfo().setMessage("login failed").addKeyValue("event", "login_failed").addKeyValue("user", user)
                    .addKeyValue("address", address).addKeyValue("reason", reason).log();
        }
    }

    /** {@code reason}: "failed logins" or "checks per minute". */
    public static void throttled(String user, String address, long waitMillis, String reason) {
        if (log.isInfoEnabled()) {
            log.atInfo().setMessage("password check throttled").addKeyValue("event", "throttled").addKeyValue("user", user)
                    .addKeyValue("address", address).addKeyValue("wait_ms", waitMillis).addKeyValue("reason", reason).log();
        }
    }

    public static void loggedOut(String user, String address) {
        event("logout", user, address, "logged out");
    }

    /** A member added to, removed from or leaving a group (who did it is the connection's account). */
    public static void groupChanged(GroupChange change, String member, String address) {
        if (log.isInfoEnabled()) {
            String event = switch (change) {
                case GroupChange.Add a -> "group_member_added";
                case GroupChange.Remove r -> "group_member_removed";
                default -> "group_left";
            };
            log.atInfo().setMessage("group membership changed").addKeyValue("event", event).addKeyValue("group", change.group())
                    .addKeyValue("user", member).addKeyValue("address", address).log();
        }
    }

    public static void accountDeleted(String user, String address) {
        event("account_deleted", user, address, "account deleted");
    }

    /** An administrative command ({@code wirechat-server admin}), as typed: it holds no secret. */
    public static void admin(String command) {
        if (log.isInfoEnabled()) {
            log.atInfo().setMessage("administration").addKeyValue("event", "admin").addKeyValue("command", command)
                    .addKeyValue("address", "local").log();
        }
    }

    public static void passwordReset(String user) {
        event("password_reset", user, "admin", "password reset by the administrator");
    }

    public static void passwordChanged(String user, String address, int loggedOut) {
        if (log.isInfoEnabled()) {
            log.atInfo().setMessage("password changed").addKeyValue("event", "password_changed").addKeyValue("user", user)
                    .addKeyValue("address", address).addKeyValue("sessions_ended", loggedOut).log();
        }
    }

    public static void passwordChangeRefused(String user, String address) {
        event("password_change_refused", user, address, "password change refused: wrong current password");
    }

    public static void disabled(String user) {
        event("account_disabled", user, "admin", "account disabled by the administrator");
    }

    public static void enabled(String user) {
        event("account_enabled", user, "admin", "account enabled by the administrator");
    }

    public static void deletionRefused(String user, String address, String reason) {
        if (log.isInfoEnabled()) {
            log.atInfo().setMessage("account deletion refused").addKeyValue("event", "deletion_refused")
                    .addKeyValue("user", user).addKeyValue("address", address).addKeyValue("reason", reason).log();
        }
    }
}
