package org.wirechat.server.core;

import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.wirechat.server.core.admission.Presence;
import org.wirechat.server.core.ChatResult.GroupCreated;
import org.wirechat.server.core.ChatResult.GroupLeft;
import org.wirechat.server.core.ChatResult.GroupList;
import org.wirechat.server.core.ChatResult.GroupRenamed;
import org.wirechat.server.core.ChatResult.MemberAdded;
import org.wirechat.server.core.ChatResult.MemberRemoved;
import org.wirechat.server.core.ChatResult.Members;
import org.wirechat.server.core.port.GroupInfo;
import org.wirechat.server.core.port.GroupStore;
import org.wirechat.server.core.rules.GroupChange;
import org.wirechat.server.core.rules.GroupOutcome;
import org.wirechat.server.core.rules.GroupRules;

/** The GROUP_* operations but GROUP_RECEIPTS (docs/wire_design.md §5). */
final class Groups {
    private final ChatSettings settings;
    private final GroupStore store;
    private final Presence presence;
    private final Clock clock;

    Groups(ChatSettings settings, GroupStore store, Presence presence, Clock clock) {
        this.settings = settings;
        this.store = store;
        this.presence = presence;
        this.clock = clock;
    }

    /** The live group, if the account is a member (NO_SUCH_GROUP, NOT_A_MEMBER otherwise). */
    static GroupInfo memberOf(GroupStore store, String group, long accountId) throws ChatException {
        GroupInfo g = store.findGroup(group).orElseThrow(() -> noSuchGroup(group));
        if (!g.hasMember(accountId)) {
            throw new ChatException(ChatError.NOT_A_MEMBER, "you are not a member of " + g.name());
        }
        return g;
    }

    private static ChatException noSuchGroup(String group) {
        return new ChatException(ChatError.NO_SUCH_GROUP, "no such group: " + group);
    }

    GroupCreated create(ChatRequest.CreateGroup g, Asker asker) throws ChatException {
        return new GroupCreated(change(new GroupChange.Create(asker.accountId(), g.group(), settings.groupsPerUser()), asker)
                .group().name());
    }

    MemberAdded add(ChatRequest.AddMember g, Asker asker) throws ChatException {
        GroupOutcome.Done done = change(new GroupChange.Add(asker.accountId(), g.group(), g.username(),
                settings.membersPerGroup(), settings.groupsPerUser()), asker);
        return new MemberAdded(done.username());
    }

    MemberRemoved remove(ChatRequest.RemoveMember g, Asker asker) throws ChatException {
        change(new GroupChange.Remove(asker.accountId(), g.group(), g.username()), asker);
        return new MemberRemoved();
    }

    GroupLeft leave(ChatRequest.LeaveGroup g, Asker asker) throws ChatException {
        change(new GroupChange.Leave(asker.accountId(), g.group()), asker);
        return new GroupLeft();
    }

    GroupRenamed rename(ChatRequest.RenameGroup g, Asker asker) throws ChatException {
        return new GroupRenamed(change(new GroupChange.Rename(asker.accountId(), g.group(), g.newName()), asker).group().name());
    }

    /** A group change by the caller's account, refused with its operation's codes (docs/wire_design.md §5). */
    private GroupOutcome.Done change(GroupChange c, Asker asker) throws ChatException {
        long now = clock.millis();
        GroupOutcome outcome = store.change(tx -> GroupRules.apply(c, tx, now));
        return switch (outcome) {
            case GroupOutcome.Done done -> {
                if (c instanceof GroupChange.Add || c instanceof GroupChange.Remove || c instanceof GroupChange.Leave) {
                    Audit.groupChanged(c, done.username(), asker.address());
                }
                yield done;
            }
            case GroupOutcome.NoSuchGroup x -> throw noSuchGroup(c.group());
            case GroupOutcome.NoSuchUser x -> throw new ChatException(ChatError.NO_SUCH_USER, "no such user: " + x.username());
            case GroupOutcome.NotAMember x -> throw new ChatException(ChatError.NOT_A_MEMBER,
                    x.username() + " is not a member of " + c.group());
            case GroupOutcome.NotTheOwner x -> throw new ChatException(ChatError.NOT_THE_OWNER,
                    "only " + c.group() + "'s owner (" + x.owner() + ") may do that");
            case GroupOutcome.NameTaken x -> throw new ChatException(ChatError.GROUP_NAME_TAKEN, "group name taken: "
                    + (c instanceof GroupChange.Rename r ? r.newName() : c.group()) + " (names are unique ignoring case)");
            case GroupOutcome.GroupFull x -> throw new ChatException(ChatError.GROUP_FULL,
                    c.group() + " has the most members a group may have (" + x.max() + ")", List.of(String.valueOf(x.max())));
            case GroupOutcome.TooManyGroups x -> throw new ChatException(ChatError.TOO_MANY_GROUPS, c instanceof GroupChange.Create
                    ? "you are in the most groups one may be in (" + x.max() + "; others may add you): GROUP_LIST shows them,"
                            + " and leaving one (GROUP_LEAVE) makes room"
                    : x.username() + " is in the most groups one may be in (" + x.max() + ")", List.of(String.valueOf(x.max())));
        };
    }

    GroupList list(ChatRequest.ListGroups g, Asker asker) {
        List<ChatResult.Group> out = new ArrayList<>();
        for (GroupInfo group : store.groupsOf(asker.accountId())) {
            out.add(new ChatResult.Group(group.name(), group.ownerName(), group.members().size()));
        }
        return new GroupList(out);
    }

    /** The owner first, then the others in the order they joined. */
    Members members(ChatRequest.GroupMembers r, Asker asker) throws ChatException {
        GroupInfo g = memberOf(store, r.group(), asker.accountId());
        Set<Long> online = presence.online(g.members().stream().map(GroupInfo.Member::accountId).toList());
        List<ChatResult.Member> out = new ArrayList<>();
        for (GroupInfo.Member m : g.members()) {
            ChatResult.Member member = new ChatResult.Member(m.username(), online.contains(m.accountId()),
                    m.accountId() == g.ownerId());
            if (member.owner()) {
                out.add(0, member);
            } else {
                out.add(member);
            }
        }
        return new Members(g.name(), out);
    }
}
