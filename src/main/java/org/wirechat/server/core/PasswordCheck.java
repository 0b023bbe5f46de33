package org.wirechat.server.core;

import java.util.Optional;
import org.wirechat.server.auth.PasswordHasher;
import org.wirechat.server.core.admission.LoginThrottle;
import org.wirechat.server.storage.Account;
import org.wirechat.server.storage.Store;

/**
 * The password checks of LOGIN, LOGIN_DEVICE and DELETE_ACCOUNT; the throttle of their rate class
 * (PASSWORD_CHECK) is taken through the caller's {@link Permit}, so only an operation of that class can check.
 */
final class PasswordCheck {
    private final Store store;
    private final PasswordHasher hasher;

    PasswordCheck(Store store, PasswordHasher hasher) {
        this.store = store;
        this.hasher = hasher;
    }

    /**
     * The account, if the password is right and it may log in (LOGIN and LOGIN_DEVICE alike). The audit
     * trail records a failure here; a success is recorded once the login is answered.
     */
    Account login(String username, String password, Asker asker) throws ChatException {
        Optional<Account> found = store.findAccount(username);
        LoginThrottle.Wait begun = asker.permit().beginPasswordCheck(username, found.map(Account::id).orElse(0L), asker);
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
        asker.permit().passwordCheckSucceeded(username, account.id(), asker, begun);
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
