package org.wirechat.client.terminal;

import java.util.List;
import java.util.Locale;
import org.wirechat.client.ChatClient;
import org.wirechat.client.ChatException;
import org.wirechat.client.terminal.Commands.Usage;
import org.wirechat.protocol.Response;

/** {@code /group create|add|remove|leave|rename|members|list}: a user's groups, kept in step with {@link GroupWatch}. */
final class GroupCommand {
    private final ChatClient client;
    private final Screen screen;
    private final GroupWatch groups;
    private final DeviceCopy copy;

    GroupCommand(ChatClient client, Screen screen, GroupWatch groups, DeviceCopy copy) {
        this.copy = copy;
        this.client = client;
        this.screen = screen;
        this.groups = groups;
    }

    void run(String args) throws ChatException, Usage {
        String[] w = args.strip().isEmpty() ? new String[] {"list"} : args.strip().split("\\s+");
        String what = w[0].toLowerCase(Locale.ROOT);
        int needs = switch (what) {
            case "list" -> 1;
            case "create", "leave", "members" -> 2;
            case "add", "remove", "rename" -> 3;
            default -> throw new Usage("usage: /group create|add|remove|leave|rename|members|list — /help group tells more");
        };
        if (w.length != needs) {
            throw new Usage("usage: /group " + switch (what) {
                case "list" -> "list";
                case "create", "leave", "members" -> what + " #NAME";
                case "rename" -> "rename #NAME #NEW";
                default -> what + " #NAME USER";
            });
        }
        switch (what) {
            case "create" -> {
                String made = client.createGroup(w[1]);
                groups.joined(made);
                screen.show("created " + made + " — you are its owner; /group add " + w[1] + " USER adds someone, " + w[1]
                        + " TEXT writes to it");
            }
            case "add" -> screen.show("added " + client.addToGroup(w[1], w[2]) + " to " + w[1]);
            case "remove" -> {
                client.removeFromGroup(w[1], w[2]);
                screen.show("removed " + w[2] + " from " + w[1]);
            }
            case "leave" -> {
                client.leaveGroup(w[1]);
                groups.left(w[1]);
                copy.forget(w[1]); // its copy on this device goes too, as in the desktop client
                screen.show("you left " + w[1]);
            }
            case "rename" -> {
                String renamed = client.renameGroup(w[1], w[2]);
                groups.left(w[1]);
                groups.joined(renamed);
                screen.show(w[1] + " is now " + renamed);
            }
            case "members" -> {
                Response.Members m = client.members(w[1]);
                StringBuilder b = new StringBuilder(m.group() + ": " + m.members().size() + " member"
                        + (m.members().size() == 1 ? "" : "s") + " (* online)");
                for (Response.Member member : m.members()) {
                    b.append(System.lineSeparator()).append("  ").append(member.online() ? "* " : "  ").append(member.username())
                            .append(member.owner() ? " (owner)" : "");
                }
                screen.show(b.toString());
            }
            default -> {
                List<Response.Group> mine = client.groups();
                groups.added(mine); // listed here: nothing more to tell of them
                if (mine.isEmpty()) {
                    screen.show("you are in no group — /group create #NAME makes one");
                    return;
                }
                StringBuilder b = new StringBuilder("your groups:");
                for (Response.Group g : mine) {
                    b.append(System.lineSeparator()).append("  ").append(g.name()).append("  ").append(g.members())
                            .append(g.members() == 1 ? " member" : " members").append(", owner ").append(g.owner());
                }
                screen.show(b.toString());
            }
        }
    }
}
