package org.wirechat.server.core;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.wirechat.server.core.admission.Presence;
import org.wirechat.server.core.admission.LoginThrottle;
import org.wirechat.server.core.account.AccountMatcher;
import org.wirechat.server.core.auth.PasswordHasher;
import org.wirechat.server.core.auth.Tokens;
import org.wirechat.server.core.ChatResult.AccountCreated;
import org.wirechat.server.core.ChatResult.AccountDeleted;
import org.wirechat.server.core.ChatResult.AccountPage;
import org.wirechat.server.core.ChatResult.FullNameSet;
import org.wirechat.server.core.ChatResult.PasswordChanged;
import org.wirechat.server.core.port.Account;
import org.wirechat.server.core.port.AccountStore;
import org.wirechat.server.core.port.Deletion;
import org.wirechat.server.core.rules.GroupRules;

/** CREATE_ACCOUNT, LIST_ACCOUNTS, CHANGE_PASSWORD, SET_FULL_NAME and DELETE_ACCOUNT. */
final class Accounts {
    private final AccountStore accounts;
    private final PasswordHasher hasher;
    private final Tokens tokens;
    private final Presence presence;
    private final Clock clock;

    Accounts(AccountStore accounts, PasswordHasher hasher, Tokens tokens, Presence presence, Clock clock) {
        this.accounts = accounts;
        this.hasher = hasher;
        this.tokens = tokens;
        this.presence = presence;
        this.clock = clock;
    }

    AccountCreated create(ChatRequest.CreateAccount c, Asker asker) throws ChatException {
        if (accounts.find(c.username()).isPresent()) { // fail fast, before the slow hash
            throw taken(c.username());
        }
        String hash = hasher.hash(c.password());
        Account account = accounts.create(c.username(), c.fullName(), hash, clock.millis())
                .orElseThrow(() -> taken(c.username()));
        Audit.accountCreated(account.username(), asker.address());
        return new AccountCreated(account.username());
    }

    private static ChatException taken(String username) {
        return new ChatException(ChatError.USERNAME_TAKEN, "username taken: " + username + " (names are unique ignoring case)");
    }

    AccountPage list(ChatRequest.ListAccounts l, Asker asker) throws ChatException {
        Predicate<Account> filter;
        try {
            filter = AccountMatcher.filter(l.regex(), l.pattern());
        } catch (AccountMatcher.InvalidPattern e) {
            throw new ChatException(ChatError.INVALID_PATTERN, e.detail());
        }
        List<Account> found = Listing.matching(accounts, l.cursor(), l.limit() + 1, filter);
        boolean more = found.size() > l.limit();
        List<Account> page = more ? found.subList(0, l.limit()) : found;
        Set<Long> online = presence.online(page.stream().map(Account::id).toList());
        List<ChatResult.Account> out = new ArrayList<>(page.size());
        for (Account a : page) {
            out.add(new ChatResult.Account(a.username(), a.fullName(), online.contains(a.id())));
        }
        return new AccountPage(out, more ? page.get(page.size() - 1).username() : "");
    }

    /**
     * The caller's password, after checking the current one as DELETE_ACCOUNT does (the same throttle); the hash
     * and the end of the account's other sessions are one store transaction, so a failure changes neither.
     */
    PasswordChanged changePassword(ChatRequest.ChangePassword c, Asker asker) throws ChatException {
        Account account = checkedCaller(c.currentPassword(), asker,
                a -> Audit.passwordChangeRefused(a.username(), asker.address()));
        String hash = hasher.hash(c.newPassword());
        int loggedOut = tokens.endOtherSessions(account.id(), asker.token(),
                keep -> accounts.changePassword(account.id(), hash, keep)).orElseThrow(Accounts::gone);
        Audit.passwordChanged(account.username(), asker.address(), loggedOut);
        return new PasswordChanged();
    }

    FullNameSet setFullName(ChatRequest.SetFullName n, Asker asker) throws ChatException {
        if (!accounts.setFullName(asker.accountId(), n.fullName())) {
            throw gone();
        }
        return new FullNameSet(n.fullName());
    }

    private static ChatException gone() {
        return new ChatException(ChatError.NOT_AUTHENTICATED, "the account no longer exists");
    }

    /** The caller's account if {@code password} is its password (the PASSWORD_CHECK throttle taken), else BAD_CREDENTIALS. */
    private Account checkedCaller(String password, Asker asker, Consumer<Account> refused) throws ChatException {
        Account account = accounts.find(asker.accountId()).orElseThrow(Accounts::gone);
        LoginThrottle.Wait begun = asker.permit().beginPasswordCheck(account.username(), account.id(), asker);
        if (!hasher.verify(password, account.passwordHash())) {
            refused.accept(account);
            throw PasswordCheck.badCredentials();
        }
        asker.permit().passwordCheckSucceeded(account.username(), account.id(), asker, begun);
        return account;
    }

    AccountDeleted delete(ChatRequest.DeleteAccount d, Asker asker) throws ChatException {
        long me = asker.accountId();
        Account account = checkedCaller(d.password(), asker,
                a -> Audit.deletionRefused(a.username(), asker.address(), "wrong password"));
        return switch (accounts.deleteIfNothingWaits(me, asker.device(), clock.millis(), GroupRules::leaveAll)) { // what this device has not received
            case Deletion.Deleted x -> {
                tokens.forgetAccount(me);
                Audit.accountDeleted(account.username(), asker.address());
                yield new AccountDeleted();
            }
            case Deletion.Waiting n -> throw new ChatException(ChatError.INBOX_NOT_EMPTY,
                    n.messages() + " undelivered message" + (n.messages() == 1 ? "" : "s")
                            + " waiting: fetch them first, then delete", List.of(String.valueOf(n.messages())));
            case Deletion.Gone g -> throw gone();
        };
    }
}
