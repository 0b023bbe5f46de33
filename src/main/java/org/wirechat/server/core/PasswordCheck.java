package org.wirechat.server.core;

import java.util.Optional;
import org.wirechat.server.core.auth.PasswordHasher;
import org.wirechat.server.core.admission.LoginThrottle;
import org.wirechat.server.core.port.Account;
import org.wirechat.server.core.port.AccountStore;

/**
 * The password checks of LOGIN, LOGIN_DEVICE and DELETE_ACCOUNT; the throttle of their rate class
 * (PASSWORD_CHECK) is taken through the caller's {@link Permit}, so only an operation of that class can check.
 */
final class PasswordCheck {
    private final AccountStore accounts;
    private final PasswordHasher hasher;

    PasswordCheck(AccountStore accounts, PasswordHasher hasher) {
        this.accounts = accounts;
        this.hasher = hasher;
    }

    /**
     * The account, if the password is right and it may log in (LOGIN and LOGIN_DEVICE alike). The audit
     * trail records a failure here; a success is recorded once the login is answered. Whether it is disabled is
     * read once the password is verified, with the account's row read again: as late as before (an administrator's
     * disabling during the slow hash is seen), and a deletion meanwhile is no account.
     */
    Account login(String username, String password, Asker asker) throws ChatException {
        Optional<Account> found = accounts.find(username);
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
        Optional<Account> now = accounts.find(account.id());
        if (now.isEmpty()) {
            Audit.loginFailed(account.username(), asker.address(), "no such account");
            throw badCredentials();
        }
        if (now.get().disabled()) { // told only to whoever knows the password
            Audit.loginFailed(account.username(), asker.address(), "account disabled");
            throw new ChatException(ChatError.ACCOUNT_DISABLED, "this account is disabled by the server's administrator");
        }
        return now.get();
    }

    static ChatException badCredentials() {
        return new ChatException(ChatError.BAD_CREDENTIALS, "wrong username or password");
    }
}
