package org.wirechat.server.core.rules;

import java.sql.Connection;
import org.wirechat.server.core.Chat;

/**
 * A rule that reads the database itself and uses the core above it, as {@code THE_RULES_ARE_PURE} forbids: only
 * {@code ArchitectureTest} imports it, to show the rule failing. It lives among the tests.
 */
public final class RulesViolationSample {
    private RulesViolationSample() {
    }

    public static String impure(Connection c) {
        return Chat.class.getName() + " " + c;
    }
}
