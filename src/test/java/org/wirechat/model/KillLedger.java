package org.wirechat.model;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.wirechat.protocol.Response;

/**
 * What the server acknowledged in a kill sequence, and what every answer — before and after a SIGKILL —
 * must agree with: every acknowledged operation stands, nothing appears twice (bodies are unique, so a
 * message stored twice shows as one body under two ids), an in-flight send is stored at most once and its
 * retry with the same client message id answers that one; a device is handed everything addressed to its
 * account since it started, never again what it acknowledged (after a restart: never what it acknowledged
 * before a later SEND answered by the same server process, which made the acknowledgement durable with it —
 * later: asked after the acknowledgement was answered, as every SEND of a sequence is, no FETCH running beside
 * one; a SEND answered after a restart makes durable only what was acknowledged since that restart: the
 * acknowledgements the crash undid are gone from the server, and stay in doubt until acknowledged again);
 * groups stay as acknowledged. Not a model of every answer: the sequential reference model can take its
 * place, fed the same calls. Synchronized: the senders of a burst call it at once.
 */
final class KillLedger {
    /** An acknowledged message. {@code reached}: the accounts it is addressed to (a group's other members). */
    record Message(long id, String sender, String senderDevice, String recipient, String body, Set<String> reached,
            long sentAt) {
    }

    /** A SEND asked for and not (yet) answered. */
    record Pending(String sender, String senderDevice, String recipient, String clientId, String body, Set<String> reached) {
    }

    /** One device of an account, as the test's client sees it. */
    static final class Device {
        final String account;
        final String name;
        final long startedAt;
        String token;
        /** The highest id this device's FETCH acknowledged (answered). */
        long mark;
        /**
         * The highest id this device's FETCH acknowledged (answered) since the server last started: what a SEND
         * that server answers makes durable (an acknowledgement undone by a crash is not stored again by it).
         */
        long markSinceStart;
        /** {@link #markSinceStart} as of the last acknowledged SEND after it: durable. */
        long durableMark;
        /** After a restart: acknowledged ids up to this may come again, once, if above {@link #durableMark}. */
        long repeatableThrough;
        long maxReceived;
        final Set<Long> received = new HashSet<>();

        Device(String account, String name, long startedAt, String token) {
            this.account = account;
            this.name = name;
            this.startedAt = startedAt;
            this.token = token;
        }

        @Override
        public String toString() {
            return account + "/" + name;
        }
    }

    /** A group: its owner and its members in the order they joined (the owner among them). */
    static final class Group {
        final String name;
        String owner;
        final LinkedHashSet<String> members = new LinkedHashSet<>();

        Group(String name, String owner) {
            this.name = name;
            this.owner = owner;
            members.add(owner);
        }
    }

    private final Set<String> accounts = new LinkedHashSet<>();
    private final Map<String, Device> devices = new LinkedHashMap<>();
    private final Map<String, Group> groups = new TreeMap<>();
    private final Map<Long, Message> messages = new TreeMap<>();
    private final Map<String, Pending> pending = new LinkedHashMap<>();
    private final Map<String, Long> idByBody = new HashMap<>();
    private final List<String> problems = new ArrayList<>();
    private long clock;

    synchronized boolean exists(String account) {
        return accounts.contains(account);
    }

    synchronized Collection<String> accounts() {
        return List.copyOf(accounts);
    }

    synchronized void created(String account) {
        accounts.add(account);
    }

    synchronized Device device(String account, String name) {
        return devices.get(account + "/" + name);
    }

    synchronized List<Device> devices() {
        return List.copyOf(devices.values());
    }

    /** A LOGIN_DEVICE was answered: the device starts now, or keeps its start (a takeover by a new login). */
    synchronized Device loggedIn(String account, String name, String token) {
        Device d = devices.computeIfAbsent(account + "/" + name, k -> new Device(account, name, ++clock, token));
        d.token = token;
        return d;
    }

    // ---- groups ----

    synchronized Group group(String name) {
        return groups.get(name);
    }

    synchronized boolean isMember(String group, String account) {
        Group g = groups.get(group);
        return g != null && g.members.contains(account);
    }

    synchronized void groupCreated(String group, String owner) {
        groups.put(group, new Group(group, owner));
    }

    synchronized void memberAdded(String group, String who) {
        groups.get(group).members.add(who);
    }

    /** A member left or was removed: an owner leaving hands the group to the earliest joined; the last ends it. */
    synchronized void memberGone(String group, String who) {
        Group g = groups.get(group);
        g.members.remove(who);
        if (g.members.isEmpty()) {
            groups.remove(group);
        } else if (g.owner.equals(who)) {
            g.owner = g.members.iterator().next();
        }
    }

    /** The groups {@code account} is in, as GROUP_LIST shows them: "name owner members", by name. */
    synchronized List<String> groupsOf(String account) {
        List<String> out = new ArrayList<>();
        for (Group g : groups.values()) {
            if (g.members.contains(account)) {
                out.add(g.name + " " + g.owner + " " + g.members.size());
            }
        }
        return out;
    }

    /** GROUP_MEMBERS' order: the owner first, then the others as they joined. */
    synchronized List<String> membersOf(String group) {
        Group g = groups.get(group);
        List<String> out = new ArrayList<>(List.of(g.owner));
        g.members.stream().filter(m -> !m.equals(g.owner)).forEach(out::add);
        return out;
    }

    synchronized Collection<String> groupNames() {
        return List.copyOf(groups.keySet());
    }

    // ---- sends ----

    /** Whom a send from {@code sender} to {@code recipient} reaches now (a group's other members). */
    synchronized Set<String> reach(String sender, String recipient) {
        if (!recipient.startsWith("#")) {
            return Set.of(recipient);
        }
        Set<String> r = new LinkedHashSet<>(groups.get(recipient).members);
        r.remove(sender);
        return Set.copyOf(r);
    }

    synchronized void asked(Pending p) {
        pending.put(p.body(), p);
    }

    /** The SEND (or its retry) was answered with {@code id}: it stands from now on. */
    synchronized void sent(Pending p, long id) {
        pending.remove(p.body());
        Long seen = idByBody.putIfAbsent(p.body(), id);
        if (seen != null && seen != id) {
            problems.add("TWICE: " + p.body() + " was handed out as message " + seen + ", and its SEND answered " + id);
        }
        Message old = messages.get(id);
        if (old != null && !old.body().equals(p.body())) {
            problems.add("SEND of " + p.body() + " answered id " + id + ", already the id of " + old.body());
        }
        messages.put(id, new Message(id, p.sender(), p.senderDevice(), p.recipient(), p.body(), p.reached(), ++clock));
        for (Device d : devices.values()) { // what this server acknowledged before this SEND is committed with it
            d.durableMark = Math.max(d.durableMark, d.markSinceStart);
        }
    }

    synchronized Collection<Pending> pending() {
        return List.copyOf(pending.values());
    }

    // ---- delivery ----

    /** Whether {@code d} may be handed {@code m} at all: addressed to its account, or a copy of its account's own. */
    private static boolean allowed(Device d, Message m) {
        if (m.sender().equals(d.account) && !m.recipient().equals(d.account)) {
            return !m.senderDevice().equals(d.name); // a copy: never to the device that sent it
        }
        return m.reached().contains(d.account);
    }

    /** Whether {@code d} must be handed {@code m}: allowed, and sent after the device started. */
    private static boolean required(Device d, Message m) {
        return allowed(d, m) && m.sentAt() > d.startedAt;
    }

    /** A FETCH by {@code d} answered {@code got} (it asked for up to 1000, more than a sequence sends). */
    synchronized void fetched(Device d, List<Response.Message> got) {
        long previous = 0;
        Set<Long> ids = new HashSet<>();
        for (Response.Message m : got) {
            ids.add(m.id());
            if (m.id() <= previous) {
                problems.add(d + " got " + m.id() + " after " + previous);
            }
            previous = m.id();
            Message known = messages.get(m.id());
            if (known == null) {
                Pending p = pending.get(m.body());
                if (p == null) {
                    problems.add(d + " got message " + m.id() + " (" + m.body() + ") that no SEND asked for");
                    continue;
                }
                known = new Message(m.id(), p.sender(), p.senderDevice(), p.recipient(), p.body(), p.reached(), Long.MAX_VALUE);
            }
            Long id = idByBody.putIfAbsent(m.body(), m.id());
            if (id != null && id != m.id()) {
                problems.add("TWICE: " + m.body() + " stored as " + id + " and as " + m.id());
            }
            if (!known.sender().equals(m.sender()) || !known.recipient().equals(m.recipient()) || !known.body().equals(m.body())) {
                problems.add(d + " got " + m + ", but " + known + " was sent");
            }
            if (!allowed(d, known)) {
                problems.add(d + " got " + m.id() + " (" + m.body() + "), not meant for it");
            }
            if (m.id() <= d.mark && !(m.id() > d.durableMark && m.id() <= d.repeatableThrough)) {
                problems.add(d + " was handed " + m.id() + " (" + m.body() + ") again: it had acknowledged through "
                        + d.mark + (d.repeatableThrough > 0 ? " (through " + d.durableMark + " before a later SEND was answered)" : ""));
            }
            d.received.add(m.id());
            d.maxReceived = Math.max(d.maxReceived, m.id());
        }
        for (Message m : messages.values()) {
            if (m.id() > d.mark && required(d, m) && !ids.contains(m.id())) {
                problems.add("LOST: " + d + " was not handed " + m.id() + " (" + m.body() + " from " + m.sender() + " to "
                        + m.recipient() + "), above its acknowledgement " + d.mark);
            }
        }
    }

    /** A FETCH by {@code d} acknowledging through {@code through} was answered. */
    synchronized void acknowledged(Device d, long through) {
        d.mark = Math.max(d.mark, through);
        d.markSinceStart = Math.max(d.markSinceStart, through);
        if (through >= d.repeatableThrough) {
            d.repeatableThrough = 0;
        }
    }

    /**
     * The server was SIGKILLed and started again: acknowledgements not yet durable may be undone, and no SEND
     * answered from now on stores them again (only an acknowledgement made again does).
     */
    synchronized void restarted() {
        for (Device d : devices.values()) {
            d.repeatableThrough = d.mark;
            d.markSinceStart = 0;
        }
    }

    synchronized void problem(String what) {
        problems.add(what);
    }

    synchronized List<String> problems() {
        return List.copyOf(problems);
    }

    synchronized int acknowledgedSends() {
        return messages.size();
    }

    @Override
    public synchronized String toString() {
        return accounts.size() + " accounts, " + devices.size() + " devices, " + groups.size() + " groups, "
                + messages.size() + " messages acknowledged, " + pending.size() + " in flight";
    }
}
