package org.wirechat.server.core;

import java.time.Clock;
import java.util.Optional;
import org.wirechat.server.core.admission.LoginThrottle;
import org.wirechat.server.auth.PasswordHasher;
import org.wirechat.server.storage.Account;
import org.wirechat.server.storage.Store;

/** The PASSWORD_CHECK rate class and the password checks of LOGIN, LOGIN_DEVICE and DELETE_ACCOUNT. */
final class PasswordCheck {
    private final ChatSettings settings;
    private final Store store;
    private final PasswordHasher hasher;
    private final LoginThrottle throttle;
    private final Clock clock;

    PasswordCheck(ChatSettings settings, Store store, PasswordHasher hasher, LoginThrottle throttle, Clock clock) {
        this.settings = settings;
        this.store = store;
        this.hasher = hasher;
        this.throttle = throttle;
        this.clock = clock;
    }

    /**
     * Begins a password check for the account ({@code accountId} 0: the name has none), counted as a failed
     * login until it succeeds; refused, before any password is checked, while the name, the address or the
     * two together are throttled, or when the name had its password checks for this minute.
     */
    LoginThrottle.Wait begin(String username, long accountId, Asker asker) throws ChatException {
        LoginThrottle.Wait wait = throttle.begin(username, accountId, asker.address(), clock.millis());
        if (wait.refused()) {
            Audit.throttled(username, asker.address(), wait.millis(), wait.checksPerMinute() ? "checks per minute" : "failed logins");
            throw Chat.rateLimited(wait.checksPerMinute()
                    ? "too many logins for this account this minute (at most " + settings.loginsPerAccountPerMinute()
                            + " password checks a minute, right or wrong)"
                    : "too many failed logins for this account or from your address", wait.millis());
        }
        return wait;
    }

    void succeeded(String username, long accountId, Asker asker, LoginThrottle.Wait begun) {
        throttle.succeeded(username, accountId, asker.address(), begun, clock.millis());
    }

    /**
     * The account, if the password is right and it may log in (LOGIN and LOGIN_DEVICE alike). The audit
     * trail records a failure here; a success is recorded once the login is answered.
     */
    Account login(String username, String password, Asker asker) throws ChatException {
        Optional<Account> found = store.findAccount(username);
        LoginThrottle.Wait begun = begin(username, found.map(Account::id).orElse(0L), asker);
        if (found.isEmpty()) {
            hasher.verifyNothing(password); // the same cost as a wrong password: no enumeration by timing
            Audit.loginFailed(username, asker.address(), "no such account");
            throw badCredentials(); // stays counted as a failure
        }
        Account account = found.get();
        if (!hasher.verify(password, account.passwordHash())) {
            Audit.loginFailed(account.username(), asker.address(), "wrong password");
            throw badCredentials();
        }
        succeeded(username, account.id(), asker, begun);
        if (store.isDisabled(account.id())) { // told only to whoever knows the password
            Audit.loginFailed(account.username(), asker.address(), "account disabled");
            throw new ChatException(ChatError.ACCOUNT_DISABLED, "this account is disabled by the server's administrator");
        }
        return account;
    }

    static ChatException badCredentials() {
        return new ChatException(ChatError.BAD_CREDENTIALS, "wrong username or password");
    }
}
