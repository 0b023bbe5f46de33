package org.wirechat.server.storage;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * What the server acknowledged in a fault injection run, operation by operation, and so what must stand
 * afterwards: the accounts, the groups with their members, and which accounts each message must reach.
 * Operations refused, or whose outcome was unknown and then retried, are recorded only once acknowledged.
 * A deliberately small stand-in for the reference model ({@code org.wirechat.model}): the same questions
 * ("who must receive this message?", "who is in this group?") could be asked of it instead.
 */
final class FaultLedger {
    private final Set<String> accounts = new LinkedHashSet<>();
    /** Live groups by current name: their members (the owner included). */
    private final Map<String, Set<String>> groups = new LinkedHashMap<>();
    /** Each acknowledged message's body and the accounts it must reach. */
    private final Map<String, Set<String>> messages = new LinkedHashMap<>();
    /** What happened, for the failure message. */
    private final List<String> story = new ArrayList<>();

    void note(String line) {
        story.add(line);
    }

    List<String> story() {
        return story;
    }

    void accountCreated(String name) {
        accounts.add(name);
    }

    Set<String> accounts() {
        return accounts;
    }

    void groupCreated(String group, String owner) {
        groups.put(group, new TreeSet<>(Set.of(owner)));
    }

    void memberAdded(String group, String member) {
        groups.get(group).add(member);
    }

    void memberRemoved(String group, String member) {
        groups.get(group).remove(member);
    }

    void renamed(String group, String to) {
        groups.put(to, groups.remove(group));
    }

    Map<String, Set<String>> groups() {
        return groups;
    }

    /** A message to an account or a group is acknowledged: it must reach the account, or the group's other members now. */
    void sent(String body, String from, String to) {
        Set<String> reach = groups.containsKey(to) ? new TreeSet<>(groups.get(to)) : new TreeSet<>(Set.of(to));
        reach.remove(from);
        messages.put(body, reach);
    }

    /** The bodies of the acknowledged messages that must reach {@code account} (on each of its devices). */
    Set<String> meantFor(String account) {
        Set<String> out = new TreeSet<>();
        messages.forEach((body, reach) -> {
            if (reach.contains(account)) {
                out.add(body);
            }
        });
        return out;
    }
}
