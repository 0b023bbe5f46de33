package org.wirechat.server.core;

import java.time.Clock;
import java.util.List;
import org.wirechat.server.core.admission.AddressLimits;
import org.wirechat.server.core.admission.GroupMessageRate;
import org.wirechat.server.core.port.GroupInfo;
import org.wirechat.server.core.admission.LoginThrottle;
import org.wirechat.server.core.admission.SearchRate;

/**
 * The limits behind the rate classes (RateClass), held by {@link Chat} alone: ACCOUNT_CREATION is taken by
 * {@link Chat} before the handler; PASSWORD_CHECK and MESSAGE_TO_GROUP need what only the handler knows (the
 * account's row; a message's length checked first), so a handler reaches them only through the
 * {@link Permit} that {@link Chat} hands it when the table's column says so.
 */
final class RateLimits {
    private final ChatSettings settings;
    private final AddressLimits addresses;
    private final LoginThrottle throttle;
    private final GroupMessageRate groupRate;
    private final SearchRate searchRate = new SearchRate();
    private final Clock clock;

    RateLimits(ChatSettings settings, AddressLimits addresses, LoginThrottle throttle, Clock clock) {
        this.settings = settings;
        this.addresses = addresses;
        this.throttle = throttle;
        this.groupRate = new GroupMessageRate(settings.groupMessagesPerSecond(), settings.groupMessageBurst());
        this.clock = clock;
    }

    /** ACCOUNT_CREATION: refused while the address created its accounts for this hour. */
    void accountCreation(Asker asker) throws ChatException {
        long wait = addresses.creationWaitMillis(asker.address(), clock.millis() * 1_000_000);
        if (wait > 0) {
            Audit.creationRefused(asker.address(), wait);
            throw rateLimited("too many accounts created from your address (at most "
                    + settings.accountsPerAddressPerHour() + " an hour)", wait);
        }
    }

    /**
     * PASSWORD_CHECK begun for the account ({@code accountId} 0: the name has none), counted as a failed
     * login until it succeeds; refused, before any password is checked, while the name, the address or the
     * two together are throttled, or when the name had its password checks for this minute.
     */
    LoginThrottle.Wait beginPasswordCheck(String username, long accountId, Asker asker) throws ChatException {
        LoginThrottle.Wait wait = throttle.begin(username, accountId, asker.address(), clock.millis());
        if (wait.refused()) {
            Audit.throttled(username, asker.address(), wait.millis(), wait.checksPerMinute() ? "checks per minute" : "failed logins");
            throw rateLimited(wait.checksPerMinute()
                    ? "too many logins for this account this minute (at most " + settings.loginsPerAccountPerMinute()
                            + " password checks a minute, right or wrong)"
                    : "too many failed logins for this account or from your address", wait.millis());
        }
        return wait;
    }

    void passwordCheckSucceeded(String username, long accountId, Asker asker, LoginThrottle.Wait begun) {
        throttle.succeeded(username, accountId, asker.address(), begun, clock.millis());
    }

    /** MESSAGE_TO_GROUP: a message to a group counts against the sender's rate to that group; others count nowhere. */
    void groupMessage(String recipient, Asker asker) throws ChatException {
        if (GroupInfo.isGroupName(recipient)) {
            long wait = groupRate.waitMillis(asker.accountId(), recipient, clock.millis() * 1_000_000);
            if (wait > 0) {
                throw rateLimited("too many messages to " + recipient + " (at most "
                        + settings.groupMessagesPerSecond() + " a second)", wait);
            }
        }
    }

    /** SEARCH: an account's searches, at most {@link SearchRate#PER_SECOND} a second (bursts of {@link SearchRate#BURST}). */
    void search(Asker asker) throws ChatException {
        long wait = searchRate.waitMillis(asker.accountId(), clock.millis() * 1_000_000);
        if (wait > 0) {
            throw rateLimited("too many searches (at most " + SearchRate.PER_SECOND + " a second)", wait);
        }
    }

    static ChatException rateLimited(String why, long waitMillis) {
        return new ChatException(ChatError.RATE_LIMITED, why + " — try again in " + Math.max(1, (waitMillis + 999) / 1000)
                + " s", List.of(String.valueOf(waitMillis)));
    }
}
