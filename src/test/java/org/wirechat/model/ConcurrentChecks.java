package org.wirechat.model;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.wirechat.model.ConcurrentLog.Fetch;
import org.wirechat.model.ConcurrentLog.Membership;
import org.wirechat.model.ConcurrentLog.Send;
import org.wirechat.model.ConcurrentLog.Start;
import org.wirechat.protocol.Response;

/**
 * What must hold of a concurrent run whatever the interleaving, checked on its {@link ConcurrentLog}. Where
 * two requests overlap in time (the one's answer came after the other left) either order is allowed; where
 * one was answered before the other left, the server must have ordered them so. The checks:
 * <ol>
 * <li><b>Delivery</b>: each device's FETCHes hand each record at most once it was acknowledged — no id at or
 * below an acknowledgement that device had made — each page in id order, each message first handed in id
 * order (nothing below one already handed turns up later), every record the message a SEND of this run
 * was answered for (sender, recipient, body).</li>
 * <li><b>Groups</b>: a group message reaches all of a user's first devices or none, and whether it reached
 * the user must be explained by one order of the group's changes and messages: an add or remove of the
 * user falls somewhere between its request and its answer, each message at its id between its SEND's
 * request and answer, and the user gets exactly the messages that fall while it is a member (the sender
 * is a member at its message; a NOT_A_MEMBER answer must have a moment, within its request, when the
 * sender was not a member).</li>
 * <li><b>First devices</b> (logged in before the clients start) receive exactly: every message to their
 * user, the copies of what the user's other devices sent, and the group messages that reached the user.</li>
 * <li><b>New devices</b> (LOGIN_DEVICE mid-run; and a default device's FETCH before it ever acknowledged)
 * start with exactly what some other device still waits for: a message stored before the login was sent
 * is never handed when every device that holds it (received it) had its acknowledgement of it answered
 * before the login was sent, and must be handed when a device that held it before the login acknowledged
 * it only after the login was answered (or never); anything of the account stored after the login was
 * answered is handed to a new device (not to a default one, which holds nothing).</li>
 * </ol>
 */
final class ConcurrentChecks {
    private final ConcurrentScenario scenario;
    private final ConcurrentLog log;
    private final List<String> violations = new ArrayList<>();
    private final Map<Long, Send> sent = new HashMap<>();
    private final Map<String, List<Fetch>> fetches = new LinkedHashMap<>();
    private final Map<String, Set<Long>> received = new HashMap<>();
    private final Map<String, Start> starts = new HashMap<>();
    /** Whether a group message reached a user (its first devices), by "user/id". */
    private final Map<String, Boolean> reached = new HashMap<>();
    private final long t0;
    /** New devices handed a copy no other device waited for, above the floor its sender held (the spec allows it: {@link #copy}). */
    final List<String> copiesAboveTheFloor = new ArrayList<>();

    private ConcurrentChecks(ConcurrentScenario scenario, ConcurrentLog log) {
        this.scenario = scenario;
        this.log = log;
        log.fetches.forEach(f -> fetches.computeIfAbsent(f.device(), k -> new ArrayList<>()).add(f));
        log.starts.forEach(s -> starts.put(s.device(), s));
        t0 = Stream.of(log.sends.stream().map(Send::req), log.fetches.stream().map(Fetch::req),
                log.memberships.stream().map(Membership::req)).flatMap(s -> s).min(Long::compare).orElse(0L);
    }

    /** Checks the run's log. */
    static ConcurrentChecks check(ConcurrentScenario scenario, ConcurrentLog log) {
        ConcurrentChecks c = new ConcurrentChecks(scenario, log);
        log.problems.forEach(p -> c.violations.add("unexpected answer: " + p));
        c.sends();
        c.fetches.forEach(c::delivery);
        c.groups();
        c.firstDevices();
        log.starts.forEach(c::start);
        return c;
    }

    /** Every violation found, each a sentence naming the devices, ids and times (ms from the run's first request). */
    List<String> violations() {
        return violations;
    }

    private String at(long nanos) {
        return String.format("%.1f ms", (nanos - t0) / 1e6);
    }

    private String window(long req, long ans) {
        return "[" + at(req) + ", " + at(ans) + "]";
    }

    private String describe(Send s) {
        return "message " + s.id() + " (" + s.device() + " to " + s.to() + ", sent " + window(s.req(), s.ans()) + ")";
    }

    private void sends() {
        Map<String, Long> last = new HashMap<>();
        for (Send s : log.sends) {
            if (s.error() != null) {
                continue;
            }
            Send before = sent.put(s.id(), s);
            if (before != null) {
                violations.add("two SENDs answered one id: " + describe(before) + " and " + describe(s));
            }
            Long previous = last.put(s.device(), s.id());
            if (previous != null && previous >= s.id()) {
                violations.add(s.device() + "'s SENDs, one after the other, were answered ids " + previous + " then " + s.id());
            }
        }
    }

    private void delivery(String device, List<Fetch> list) {
        long acked = 0;
        long newest = 0;
        Map<Long, Response.Message> seen = new HashMap<>();
        for (Fetch f : list) {
            if (f.page() == null) {
                continue;
            }
            acked = Math.max(acked, f.ack());
            long previous = 0;
            for (Response.Message m : f.page()) {
                String where = device + "'s FETCH acknowledging " + f.ack() + " " + window(f.req(), f.ans());
                if (m.id() <= previous) {
                    violations.add(where + " handed " + m.id() + " after " + previous + ": not in id order");
                }
                previous = m.id();
                if (m.id() <= acked) {
                    violations.add(where + " handed " + m.id() + ", which its acknowledgement through " + acked + " covered");
                }
                Response.Message before = seen.putIfAbsent(m.id(), m);
                if (before == null && m.id() < newest) {
                    violations.add(where + " first handed " + m.id() + " after it had handed " + newest + ": out of id order");
                }
                if (before != null && !before.equals(m)) {
                    violations.add(where + " handed " + m.id() + " again, changed: " + before + " then " + m);
                }
                newest = Math.max(newest, m.id());
                record(device, m, where);
            }
        }
        received.put(device, new TreeSet<>(seen.keySet()));
    }

    private void record(String device, Response.Message m, String where) {
        Send s = sent.get(m.id());
        if (s == null) {
            violations.add(where + " handed " + m + ", which no SEND of this run was answered");
        } else if (!m.sender().equals(log.user(s.user())) || !m.recipient().equals(s.to()) || !m.body().equals(s.body())) {
            violations.add(where + " handed " + m + " for " + describe(s) + " (body " + s.body() + ")");
        }
    }

    private Set<Long> got(String device) {
        return received.getOrDefault(device, Set.of());
    }

    private List<String> firstDevicesOf(int user) {
        return scenario.scripts().stream().filter(s -> s.user() == user).map(s -> "u" + user + "/d" + s.device()).toList();
    }

    private void groups() {
        int users = scenario.devices().size();
        for (int g = 0; g < scenario.groups().size(); g++) {
            String name = log.group(g);
            List<Send> messages = log.sends.stream().filter(s -> s.to().equals(name) && s.error() == null)
                    .sorted(Comparator.comparingLong(Send::id)).toList();
            for (int u = 0; u < users; u++) {
                for (Send m : messages) {
                    reached.put(u + "/" + m.id(), m.user() == u || reachedFirstDevices(u, m));
                }
                membership(g, u, messages);
            }
        }
    }

    private boolean reachedFirstDevices(int user, Send m) {
        List<String> first = firstDevicesOf(user);
        List<String> with = first.stream().filter(d -> got(d).contains(m.id())).toList();
        if (!with.isEmpty() && with.size() < first.size()) {
            violations.add(describe(m) + " reached " + with + " but not all of " + first);
        }
        return !with.isEmpty();
    }

    /** The user's membership of group g must explain which of its messages reached it (see the class comment). */
    private void membership(int g, int user, List<Send> messages) {
        boolean initially = scenario.groups().get(g).members().contains(user);
        List<Membership> ops = log.memberships.stream().filter(m -> m.group() == g && m.user() == user).toList();
        int j = 0;
        for (Send m : messages) {
            int lo = (int) ops.stream().filter(o -> o.ans() < m.req()).count();
            int hi = (int) ops.stream().filter(o -> o.req() < m.ans()).count();
            boolean member = reached.get(user + "/" + m.id());
            int next = Math.max(j, lo);
            if ((initially ^ (next % 2 == 1)) != member) {
                next++;
            }
            if (next > hi) {
                violations.add(log.group(g) + ": whether " + log.user(user) + "'s devices got its messages fits no order of its"
                        + " membership changes " + ops.stream().map(o -> (o.add() ? "add " : "remove ") + window(o.req(), o.ans())).toList()
                        + " (a member at the start: " + initially + "): " + describe(m) + (member ? " reached it" : " did not reach it")
                        + " after the changes up to the " + j + "th");
                return;
            }
            j = next;
        }
        for (Send refused : log.sends) {
            if (refused.error() != null && refused.user() == user && refused.to().equals(log.group(g))) {
                int lo = (int) ops.stream().filter(o -> o.ans() < refused.req()).count();
                int hi = (int) ops.stream().filter(o -> o.req() < refused.ans()).count();
                if (lo == hi && (initially ^ (lo % 2 == 1))) {
                    violations.add(refused.device() + "'s SEND to " + refused.to() + " " + window(refused.req(), refused.ans())
                            + " was refused NOT_A_MEMBER, though a member all along");
                }
            }
        }
    }

    /** Whether a message is the account's: to the user, a copy of another of its devices' sends, or a group message that reached it. */
    private boolean accounts(int user, String device, Send m) {
        if (m.to().equals(log.user(user))) {
            return true;
        }
        if (m.user() == user) {
            return !m.device().equals(device);
        }
        return m.toGroup() && reached.getOrDefault(user + "/" + m.id(), false);
    }

    private void firstDevices() {
        for (ConcurrentScenario.Script s : scenario.scripts()) {
            String device = "u" + s.user() + "/d" + s.device();
            Set<Long> expected = new TreeSet<>();
            sent.values().stream().filter(m -> accounts(s.user(), device, m)).forEach(m -> expected.add(m.id()));
            Set<Long> missing = new TreeSet<>(expected);
            missing.removeAll(got(device));
            Set<Long> extra = new TreeSet<>(got(device));
            extra.removeAll(expected);
            missing.forEach(id -> violations.add(device + " never received " + describe(sent.get(id))));
            extra.stream().filter(sent::containsKey).forEach(id -> violations.add(device + " received " + describe(sent.get(id))
                    + ", not meant for it"));
        }
    }

    private void start(Start st) {
        Set<Long> got = got(st.device());
        String who = (st.isDefault() ? "the default device's first FETCH " : "new device ") + st.device() + " "
                + window(st.req(), st.ans());
        for (Send m : sent.values()) {
            boolean account = accounts(st.user(), st.device(), m);
            boolean has = got.contains(m.id());
            if (!account) {
                if (has) {
                    violations.add(who + " was handed " + describe(m) + ", not its account's");
                }
            } else if (m.ans() < st.req()) {
                before(st, m, has, who);
            } else if (m.req() > st.ans() && !st.isDefault() && !has) {
                violations.add(who + " never received " + describe(m) + ", sent after its login was answered");
            }
        }
    }

    /** A message stored before the device's start: handed exactly when some other device still waited for it. */
    private void before(Start st, Send m, boolean has, String who) {
        boolean mustNot = true;
        String waiting = null;
        List<String> acks = new ArrayList<>();
        for (String x : devicesOf(st.user())) {
            if (x.equals(st.device()) || (x.equals(m.device()) && !m.to().equals(log.user(st.user()))) || !got(x).contains(m.id())) {
                continue;
            }
            Start xs = starts.get(x);
            boolean possible = xs == null || xs.req() < st.ans();
            boolean certain = xs == null || xs.ans() < st.req();
            Fetch ack = fetches.getOrDefault(x, List.of()).stream().filter(f -> f.page() != null && f.ack() >= m.id())
                    .findFirst().orElse(null);
            if (possible && (ack == null || ack.ans() >= st.req())) {
                mustNot = false;
            }
            if (certain && (ack == null || ack.req() > st.ans())) {
                waiting = x;
            }
            if (ack != null) {
                acks.add(x + " acknowledged through " + ack.ack() + " " + window(ack.req(), ack.ans()));
            }
        }
        if (has && mustNot && copy(st.user(), m) && !acknowledgedBySender(m, st)) {
            copiesAboveTheFloor.add(who + " was handed " + describe(m) + ", a copy every other device had: " + acks);
        } else if (has && mustNot) {
            violations.add(who + " was handed " + describe(m) + ", which every device holding it had acknowledged before: " + acks);
        }
        if (!has && waiting != null) {
            violations.add(who + " was not handed " + describe(m) + ", which " + waiting + " still waited for: " + acks);
        }
    }

    /**
     * A copy of one of the account's own messages (sent by one of its devices, not to itself). A new device
     * starts at the account's floor, the lowest mark, and is handed every record above it
     * (docs/wire_design.md, LOGIN_DEVICE): a copy every device but its sender has acknowledged comes too while
     * the sender's own mark is below it (it moves past its own messages only with an acknowledgement; the
     * concurrent scripts cannot tell when one moved it over this copy, so only an acknowledgement through
     * the copy itself, answered before the new device's login, forbids it: {@link #acknowledgedBySender}).
     * Counted apart ({@link #copiesAboveTheFloor}), as a statistic.
     */
    private boolean copy(int user, Send m) {
        return m.user() == user && !m.to().equals(log.user(user));
    }

    /** Whether the copy's sending device acknowledged through it, answered before the start {@code st} was asked. */
    private boolean acknowledgedBySender(Send m, Start st) {
        return fetches.getOrDefault(m.device(), List.of()).stream()
                .anyMatch(f -> f.page() != null && f.ack() >= m.id() && f.ans() < st.req());
    }

    /** The user's devices that acknowledge: its first devices and its new ones. */
    private List<String> devicesOf(int user) {
        List<String> all = new ArrayList<>(firstDevicesOf(user));
        starts.values().stream().filter(s -> s.user() == user && !s.isDefault()).forEach(s -> all.add(s.device()));
        return all;
    }
}
