package org.wirechat.server.core;

import java.time.Clock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.wirechat.server.core.auth.PasswordHasher;
import org.wirechat.server.core.auth.Tokens;
import org.wirechat.server.core.ChatResult.DeviceLoggedIn;
import org.wirechat.server.core.ChatResult.LoggedIn;
import org.wirechat.server.core.ChatResult.LoggedOut;
import org.wirechat.server.core.port.Account;
import org.wirechat.server.core.port.AccountStore;
import org.wirechat.server.core.port.MessageStore;
import org.wirechat.server.core.port.StorageUnavailableException;
import org.wirechat.server.core.inbox.InboxWaiters;

/** LOGIN, LOGIN_DEVICE and LOGOUT. */
final class Logins {
    private static final Logger log = LoggerFactory.getLogger(Logins.class);

    private final AccountStore accounts;
    /** The device marks and counts (unread, missed, seen, register). */
    private final MessageStore messages;
    private final PasswordHasher hasher;
    private final Tokens tokens;
    private final InboxWaiters waiters;
    /** Which login polls each device now (DEVICE_IN_USE for the others). */
    private final DeviceHolders holders;
    private final PasswordCheck passwords;
    private final Clock clock;

    Logins(AccountStore accounts, MessageStore messages, PasswordHasher hasher, Tokens tokens, InboxWaiters waiters,
            DeviceHolders holders, PasswordCheck passwords, Clock clock) {
        this.accounts = accounts;
        this.messages = messages;
        this.hasher = hasher;
        this.tokens = tokens;
        this.waiters = waiters;
        this.holders = holders;
        this.passwords = passwords;
        this.clock = clock;
    }

    LoggedIn login(ChatRequest.Login l, Asker asker) throws ChatException {
        Account account = passwords.login(l.username(), l.password(), asker);
        Tokens.Issued issued = tokens.issue(account.id());
        asker.connection().authenticatedAs(account.id()); // online from the login on, not from the next request
        LoggedIn answer = new LoggedIn(issued.token(), issued.expiresAtMillis(), messages.unread(account.id(), ""));
        loggedIn(account, l.password(), issued, asker);
        return answer;
    }

    /**
     * A device's login: its token is bound to the device, which receives every message of the account
     * through its own mark. What it missed for good while away past the device horizon is counted first;
     * then it is active, and starts at the account's floor.
     */
    DeviceLoggedIn loginDevice(ChatRequest.LoginDevice l, Asker asker) throws ChatException {
        Account account = passwords.login(l.username(), l.password(), asker);
        Tokens.Issued issued = tokens.issue(account.id(), l.deviceId());
        asker.connection().authenticatedAs(account.id());
        long missed = messages.missed(account.id(), l.deviceId());
        messages.seen(account.id(), l.deviceId(), clock.millis());
        messages.register(account.id(), l.deviceId(), clock.millis());
        holders.loggedIn(account.id(), l.deviceId(), issued.token());
        waiters.wake(account.id()); // a FETCH waiting with the device's older login is answered DEVICE_IN_USE
        DeviceLoggedIn answer = new DeviceLoggedIn(issued.token(), issued.expiresAtMillis(),
                messages.unread(account.id(), l.deviceId()), missed);
        loggedIn(account, l.password(), issued, asker);
        return answer;
    }

    /** Once the login is answered: the audit trail, and a hash made with too few iterations re-made. */
    private void loggedIn(Account account, String password, Tokens.Issued issued, Asker asker) {
        Audit.loginSucceeded(account.username(), asker.address(), issued.stored());
        if (hasher.needsRehash(account.passwordHash())) {
            try {
                accounts.updatePasswordHash(account.id(), hasher.hash(password));
            } catch (StorageUnavailableException e) {
                log.debug("password hash not re-made: {}", e.getMessage()); // again at the next login
            }
        }
    }

    LoggedOut logout(ChatRequest.Logout l, Asker asker) {
        long me = asker.accountId();
        tokens.revoke(asker.token());
        asker.connection().loggedOut(me);
        Audit.loggedOut(accounts.find(me).map(Account::username).orElse("#" + me), asker.address());
        return new LoggedOut();
    }
}
