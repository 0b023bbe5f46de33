package org.wirechat.server;

import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.wirechat.protocol.Limits;
import org.wirechat.server.core.account.AccountMatcher;
import org.wirechat.server.core.auth.PasswordHasher;
import org.wirechat.server.core.auth.Tokens;
import org.wirechat.server.core.Audit;
import org.wirechat.server.core.Listing;
import org.wirechat.server.core.admission.Presence;
import org.wirechat.server.core.port.Account;
import org.wirechat.server.core.port.Deletion;
import org.wirechat.server.core.port.Storage;
import org.wirechat.server.core.rules.GroupRules;
import org.wirechat.server.data.Backups;

/**
 * The commands of {@code wirechat-server admin}, as the administration socket hands them over: users
 * (list, show, reset-password, disable, enable, delete), check, backup. Every command is recorded in the
 * audit trail (a new password never). What is wrong is thrown, in words; what was done is returned.
 */
final class Administration {
    private static final Logger log = LoggerFactory.getLogger(Administration.class);

    private final Storage store;
    private final Presence presence;
    private final Tokens tokens;
    private final PasswordHasher hasher;
    private final Clock clock;

    Administration(Storage store, Presence presence, Tokens tokens, PasswordHasher hasher, Clock clock) {
        this.store = store;
        this.presence = presence;
        this.tokens = tokens;
        this.hasher = hasher;
        this.clock = clock;
    }

    private Account account(String name) {
        return store.find(name).orElseThrow(() -> new IllegalArgumentException("no such user: " + name));
    }

    /** Carries out one command, recorded in the audit trail first. */
    String handle(List<String> words) throws Exception {
        // a new password travels as the request's last line: never into the log
        boolean secret = words.size() == 4 && words.get(0).equals("users") && words.get(1).equals("reset-password");
        Audit.admin(String.join(" ", secret ? words.subList(0, 3) : words));
        String command = String.join(" ", words.subList(0, Math.min(2, words.size())));
        return switch (command) {
            case "users list" -> {
                String pattern = words.size() > 2 ? words.get(2) : "*";
                // a wildcard (* any run, ? one character) on the wire's linear matcher: no pattern can backtrack
                var glob = AccountMatcher.usernames(pattern);
                List<Account> found = Listing.matching(store, "", 100_000, a -> glob.test(a.username()));
                Set<Long> online = presence.online(found.stream().map(Account::id).toList());
                StringBuilder b = new StringBuilder();
                for (var a : found) {
                    b.append(a.username()).append('\t').append(a.fullName()).append('\t')
                            .append(online.contains(a.id()) ? "online" : "offline").append('\n');
                }
                yield b.append(found.size()).append(found.size() == 1 ? " account" : " accounts").toString();
            }
            case "users show" -> {
                if (words.size() != 3) {
                    throw new IllegalArgumentException("usage: users show NAME");
                }
                var a = account(words.get(2));
                yield "username: " + a.username() + "\nfull name: " + a.fullName() + "\nid: " + a.id()
                        + "\nonline: " + (presence.online(List.of(a.id())).isEmpty() ? "no" : "yes")
                        + "\ndisabled: " + (a.disabled() ? "yes" : "no")
                        + "\nundelivered messages: " + store.undeliveredCount(a.id());
            }
            case "users reset-password" -> {
                if (words.size() != 4) {
                    throw new IllegalArgumentException("usage: users reset-password NAME (the new password is asked)");
                }
                var a = account(words.get(2));
                Limits.checkPassword(words.get(3));
                store.updatePasswordHash(a.id(), hasher.hash(words.get(3)));
                int revoked = store.deleteOf(a.id());
                tokens.forgetAccount(a.id());
                Audit.passwordReset(a.username());
                yield "password of " + a.username() + " reset; " + revoked + " login" + (revoked == 1 ? "" : "s")
                        + " (tokens) revoked";
            }
            case "users disable", "users enable" -> {
                if (words.size() != 3) {
                    throw new IllegalArgumentException("usage: " + command + " NAME");
                }
                var a = account(words.get(2));
                boolean disable = command.endsWith("disable");
                store.setDisabled(a.id(), disable ? Math.max(1, clock.millis()) : 0);
                if (!disable) {
                    Audit.enabled(a.username());
                    yield "account " + a.username() + " enabled: it can log in again";
                }
                int revoked = store.deleteOf(a.id());
                tokens.forgetAccount(a.id());
                Audit.disabled(a.username());
                yield "account " + a.username() + " disabled: it cannot log in, and its " + revoked + " login"
                        + (revoked == 1 ? " is" : "s are") + " revoked (messages to it still wait for it)";
            }
            case "users delete" -> {
                if (words.size() != 3) {
                    throw new IllegalArgumentException("usage: users delete NAME");
                }
                var a = account(words.get(2));
                yield switch (store.deleteIfNothingWaits(a.id(), clock.millis(), GroupRules::leaveAll)) {
                    case Deletion.Deleted d -> {
                        tokens.forgetAccount(a.id());
                        Audit.accountDeleted(a.username(), "admin");
                        yield "account " + a.username() + " deleted; its logins are revoked";
                    }
                    case Deletion.Waiting n -> throw new IllegalStateException(
                            a.username() + " has " + n.messages() + " undelivered message(s): not deleted (they would be lost;"
                                    + " the user receives them at the next login)");
                    case Deletion.Gone g ->
                            throw new IllegalArgumentException("no such user: " + words.get(2));
                };
            }
            case "check" -> store.check();
            default -> {
                if (words.size() == 2 && words.get(0).equals("backup")) {
                    Path dest = Path.of(words.get(1));
                    if (!dest.isAbsolute()) {
                        throw new IllegalArgumentException("the backup's directory must be an absolute path: " + dest);
                    }
                    String done = Backups.online(store, dest);
                    log.info("{}", done);
                    yield done;
                }
                throw new IllegalArgumentException("unknown command: " + String.join(" ", words)
                        + " (users list [PATTERN], users show NAME, users reset-password NAME, users disable NAME, users enable NAME,"
                        + " users delete NAME, backup DEST, check)");
            }
        };
    }
}
