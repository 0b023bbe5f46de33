package org.wirechat.server.core.admission;

import org.wirechat.server.core.Chat;

/**
 * A class of the admission that uses the chat core above it. Only {@code ArchitectureTest} imports it, to show
 * the rule failing; it lives among the tests, so the real admission never holds it.
 */
public final class AdmissionViolationSample {
    private AdmissionViolationSample() {
    }

    public static String above() {
        return Chat.class.getName();
    }
}
