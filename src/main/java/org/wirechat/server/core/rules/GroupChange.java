package org.wirechat.server.core.rules;

/** A change to a group, asked by the account {@code actorId}; see {@link GroupRules} for what each may do. */
public sealed interface GroupChange {
    long actorId();

    /** The group's name, as asked ({@code #} first). */
    String group();

    record Create(long actorId, String group, int groupsPerUser) implements GroupChange {
    }

    record Add(long actorId, String group, String username, int membersPerGroup, int groupsPerUser) implements GroupChange {
    }

    record Remove(long actorId, String group, String username) implements GroupChange {
    }

    record Leave(long actorId, String group) implements GroupChange {
    }

    record Rename(long actorId, String group, String newName) implements GroupChange {
    }
}
