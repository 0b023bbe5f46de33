package org.wirechat.server.core;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * The rate-class column is the single truth: a handler reaches a rate limit only through the {@link Permit}
 * its operation's class gives it, and must take the one its class names (ChatTest runs the real handlers,
 * which would fail here if one took another class's limit or skipped its own).
 */
@Timeout(10)
class PermitTest {
    @Test
    void aHandlerOfRateClassNoneCannotReachThePasswordThrottle() {
        Permit permit = new Permit("GROUP_LIST", RateClass.NONE, null);
        assertThatThrownBy(() -> permit.beginPasswordCheck("alice", 1, null)).isInstanceOf(IllegalStateException.class)
                .hasMessage("GROUP_LIST is of rate class NONE in the operation table, not PASSWORD_CHECK");
        assertThatThrownBy(() -> permit.passwordCheckSucceeded("alice", 1, null, null)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void onlyASendReachesTheGroupRate() {
        Permit permit = new Permit("LOGIN", RateClass.PASSWORD_CHECK, null);
        assertThatThrownBy(() -> permit.groupMessage("#team", null)).isInstanceOf(IllegalStateException.class)
                .hasMessage("LOGIN is of rate class PASSWORD_CHECK in the operation table, not MESSAGE_TO_GROUP");
    }

    @Test
    void anOperationThatAnswersWithoutTakingItsRateClassIsABug() {
        for (RateClass rate : new RateClass[] {RateClass.PASSWORD_CHECK, RateClass.MESSAGE_TO_GROUP}) {
            assertThatThrownBy(() -> new Permit("X", rate, null).checkTaken()).isInstanceOf(IllegalStateException.class)
                    .hasMessage("X answered without taking its rate class " + rate);
        }
        for (RateClass rate : new RateClass[] {RateClass.NONE, RateClass.ACCOUNT_CREATION}) {
            assertThatCode(() -> new Permit("X", rate, null).checkTaken()).doesNotThrowAnyException();
        }
    }
}
