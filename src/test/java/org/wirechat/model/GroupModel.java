package org.wirechat.model;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.wirechat.protocol.ErrorCode;
import org.wirechat.protocol.Response;

/**
 * The model's groups (docs/wire_design.md §5, Groups). Where the spec gives no order among several
 * refusals, the order is the server's (GroupRules), judged sound: the group must exist and the caller be
 * a member before anything else is told; GROUP_CREATE counts the caller's groups before the name.
 */
final class GroupModel {
    private final ChatModel model;
    private final Map<String, ModelGroup> live = new HashMap<>();
    private long nextGroup = 1;

    GroupModel(ChatModel model) {
        this.model = model;
    }

    private int groupsOf(ModelAccount a) {
        return (int) live.values().stream().filter(g -> g.members.contains(a)).count();
    }

    /** The live group, if the account is a member (NO_SUCH_GROUP, NOT_A_MEMBER otherwise). */
    ModelGroup memberOf(ModelAccount me, String name) throws ChatModel.Refused {
        ModelGroup g = live.get(ChatModel.key(name));
        if (g == null) {
            throw new ChatModel.Refused(ErrorCode.NO_SUCH_GROUP);
        }
        if (!g.members.contains(me)) {
            throw new ChatModel.Refused(ErrorCode.NOT_A_MEMBER);
        }
        return g;
    }

    Response create(ModelAccount me, String name) {
        int max = model.settings.groupsPerUser();
        if (groupsOf(me) >= max) {
            return ChatModel.error(ErrorCode.TOO_MANY_GROUPS, String.valueOf(max));
        }
        if (live.containsKey(ChatModel.key(name))) {
            return ChatModel.error(ErrorCode.GROUP_NAME_TAKEN);
        }
        live.put(ChatModel.key(name), new ModelGroup(nextGroup++, name, me));
        return new Response.GroupCreated(name);
    }

    /** GROUP_ADD: adding a member changes nothing and is answered OK; then the group's size, then the account's groups. */
    Response add(ModelAccount me, String name, String username) throws ChatModel.Refused {
        ModelGroup g = memberOf(me, name);
        ModelAccount who = model.live(username);
        if (g.members.contains(who)) {
            return new Response.MemberAdded(who.name);
        }
        if (g.members.size() >= model.settings.membersPerGroup()) {
            return ChatModel.error(ErrorCode.GROUP_FULL, String.valueOf(model.settings.membersPerGroup()));
        }
        if (groupsOf(who) >= model.settings.groupsPerUser()) {
            return ChatModel.error(ErrorCode.TOO_MANY_GROUPS, String.valueOf(model.settings.groupsPerUser()));
        }
        g.members.add(who);
        return new Response.MemberAdded(who.name);
    }

    /** GROUP_REMOVE: of oneself is GROUP_LEAVE (checked before the owner rule); else the owner only. */
    Response remove(ModelAccount me, String name, String username) throws ChatModel.Refused {
        ModelGroup g = memberOf(me, name);
        ModelAccount who = model.accounts.get(ChatModel.key(username));
        if (who == me) {
            leave(g, me);
            return new Response.MemberRemoved();
        }
        if (g.owner != me) {
            return ChatModel.error(ErrorCode.NOT_THE_OWNER);
        }
        if (who == null) {
            return ChatModel.error(ErrorCode.NO_SUCH_USER);
        }
        if (!g.members.contains(who)) {
            return ChatModel.error(ErrorCode.NOT_A_MEMBER);
        }
        g.leave(who);
        return new Response.MemberRemoved();
    }

    Response leave(ModelAccount me, String name) throws ChatModel.Refused {
        leave(memberOf(me, name), me);
        return new Response.GroupLeft();
    }

    private void leave(ModelGroup g, ModelAccount member) {
        g.leave(member);
        if (!g.live) {
            live.remove(ChatModel.key(g.name));
        }
    }

    /** A deleted account leaves each of its groups as GROUP_LEAVE does. */
    void leaveAll(ModelAccount a) {
        for (ModelGroup g : new ArrayList<>(live.values())) {
            if (g.members.contains(a)) {
                leave(g, a);
            }
        }
    }

    /** GROUP_RENAME: the owner only; the group's own name in another case is allowed. */
    Response rename(ModelAccount me, String name, String newName) throws ChatModel.Refused {
        ModelGroup g = memberOf(me, name);
        if (g.owner != me) {
            return ChatModel.error(ErrorCode.NOT_THE_OWNER);
        }
        ModelGroup other = live.get(ChatModel.key(newName));
        if (other != null && other != g) {
            return ChatModel.error(ErrorCode.GROUP_NAME_TAKEN);
        }
        live.remove(ChatModel.key(g.name));
        g.name = newName;
        live.put(ChatModel.key(newName), g);
        return new Response.GroupRenamed(newName);
    }

    /** GROUP_LIST: the caller's groups sorted by name ignoring case. */
    Response list(ModelAccount me) {
        List<Response.Group> out = live.values().stream().filter(g -> g.members.contains(me))
                .sorted(Comparator.comparing(g -> ChatModel.key(g.name)))
                .map(g -> new Response.Group(g.name, g.owner.name, g.members.size())).toList();
        return new Response.Groups(out);
    }

    /** GROUP_MEMBERS: the owner first, then the others in the order they joined ("online" is not modelled: false). */
    Response members(ModelAccount me, String name) throws ChatModel.Refused {
        ModelGroup g = memberOf(me, name);
        List<Response.Member> out = new ArrayList<>();
        out.add(new Response.Member(g.owner.name, false, true));
        for (ModelAccount m : g.members) {
            if (m != g.owner) {
                out.add(new Response.Member(m.name, false, false));
            }
        }
        return new Response.Members(g.name, out);
    }
}
