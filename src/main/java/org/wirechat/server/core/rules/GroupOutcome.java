package org.wirechat.server.core.rules;

import org.wirechat.server.core.port.GroupInfo;

/** What became of a {@link GroupChange}. */
public sealed interface GroupOutcome {
    /**
     * Done: the group as it now is ({@code null} when its last member left and it ended); {@code username}
     * is the account added or removed as it spells itself (else null).
     */
    record Done(GroupInfo group, String username) implements GroupOutcome {
    }

    record NoSuchGroup() implements GroupOutcome {
    }

    record NoSuchUser(String username) implements GroupOutcome {
    }

    /** {@code username} (the asker, or the one to remove) is not a member. */
    record NotAMember(String username) implements GroupOutcome {
    }

    record NotTheOwner(String owner) implements GroupOutcome {
    }

    record NameTaken() implements GroupOutcome {
    }

    record GroupFull(int max) implements GroupOutcome {
    }

    /** {@code username} (the asker, or the one to add) is in as many groups as allowed. */
    record TooManyGroups(String username, int max) implements GroupOutcome {
    }
}
