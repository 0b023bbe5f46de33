package org.wirechat.server.core;

import org.wirechat.server.core.admission.LoginThrottle;

/**
 * What an operation's rate class (the table's column) lets its handler take, handed to it by {@link Chat} in
 * the {@link Asker}: the PASSWORD_CHECK throttle only to an operation of that class, the group rate only to
 * one of MESSAGE_TO_GROUP. A handler that takes another class's limit, or answers without taking its own, is a
 * bug ({@link IllegalStateException}), so the column and the handlers cannot drift apart. One per request,
 * used on the calling thread.
 */
public final class Permit {
    private final String operation;
    private final RateClass rate;
    private final RateLimits limits;
    private boolean taken;

    Permit(String operation, RateClass rate, RateLimits limits) {
        this.operation = operation;
        this.rate = rate;
        this.limits = limits;
    }

    LoginThrottle.Wait beginPasswordCheck(String username, long accountId, Asker asker) throws ChatException {
        take(RateClass.PASSWORD_CHECK);
        return limits.beginPasswordCheck(username, accountId, asker);
    }

    void passwordCheckSucceeded(String username, long accountId, Asker asker, LoginThrottle.Wait begun) {
        take(RateClass.PASSWORD_CHECK);
        limits.passwordCheckSucceeded(username, accountId, asker, begun);
    }

    void groupMessage(String recipient, Asker asker) throws ChatException {
        take(RateClass.MESSAGE_TO_GROUP);
        limits.groupMessage(recipient, asker);
    }

    private void take(RateClass wanted) {
        if (rate != wanted) {
            throw new IllegalStateException(operation + " is of rate class " + rate + " in the operation table, not " + wanted);
        }
        taken = true;
    }

    /** Once the handler answered: an operation whose rate class its handler takes, answered without taking it, is a bug. */
    void checkTaken() {
        if (!taken && (rate == RateClass.PASSWORD_CHECK || rate == RateClass.MESSAGE_TO_GROUP)) {
            throw new IllegalStateException(operation + " answered without taking its rate class " + rate);
        }
    }

    @Override
    public String toString() {
        return "Permit[" + operation + ", " + rate + "]";
    }
}
