package org.wirechat.server.storage;

import org.wirechat.server.core.auth.Tokens;
import org.wirechat.server.cluster.LocalCluster;
import org.wirechat.server.core.rules.GroupChange;

/**
 * A storage class that uses what sits above storage (the token cache, the one-server cluster, a group rule's
 * record), as the layering forbids: only {@code ArchitectureTest} imports it, to show those rules failing. It
 * lives among the tests, so the real storage never holds it.
 */
public final class UpwardViolationSample {
    private UpwardViolationSample() {
    }

    public static String above() {
        return Tokens.class.getName() + " " + new LocalCluster().shared() + " " + GroupChange.class.getName();
    }
}
