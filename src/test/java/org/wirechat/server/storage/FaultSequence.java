package org.wirechat.server.storage;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.Predicate;
import org.wirechat.protocol.ErrorCode;
import org.wirechat.protocol.Request;
import org.wirechat.protocol.Response;
import org.wirechat.server.ServerFixture;
import org.wirechat.server.TestConnection;

/**
 * A sequence of operations by a few clients (accounts, logins, a second device, direct and group sends,
 * fetch and acknowledge, group changes) run against a server whose store may fail one write on the way.
 * Each operation is tried; refused (STORAGE_UNAVAILABLE: nothing was stored) it is tried again as new —
 * a SEND with a new client id and body, so a refused one that left a trace would show as an extra
 * message; with an unknown outcome (INTERNAL_ERROR, or the connection closed without an answer; the
 * server restarted if it stopped) it is retried as the spec allows — a SEND with the same client id.
 * What was acknowledged goes to the {@link FaultLedger}; {@link #check} then compares the server with it.
 */
final class FaultSequence {
    /** A client: an account and a device (null for the default device of LOGIN). */
    record Client(String user, String device) {
        @Override
        public String toString() {
            return device == null ? user : user + "/" + device;
        }
    }

    private final ServerFixture fx;
    private final FaultLedger ledger = new FaultLedger();
    private final Map<Client, TestConnection> connections = new LinkedHashMap<>();
    private final Map<Client, String> tokens = new HashMap<>();
    /** Every message each client was given: id to body (a redelivered id must carry the same body). */
    private final Map<Client, Map<Long, String>> received = new LinkedHashMap<>();
    private final Map<Client, Long> acked = new HashMap<>();
    private int refusals;
    private int unknowns;
    private int restarts;
    private int sends;

    /** Put before every account's and group's name, so that runs can share one database. */
    private final String prefix;

    FaultSequence(ServerFixture fx, String prefix) {
        this.fx = fx;
        this.prefix = prefix;
    }

    FaultLedger ledger() {
        return ledger;
    }

    /** Operations refused, with unknown outcome, and restarts after the server stopped. */
    String tally() {
        return refusals + " refused, " + unknowns + " unknown, " + restarts + " restarts";
    }

    int refusals() {
        return refusals;
    }

    int unknowns() {
        return unknowns;
    }

    /** How much of the sequence runs. */
    enum Length {
        /** Accounts, logins, a direct SEND, a group made and written to, fetches: PostgreSQL's default. */
        TINY,
        /** One round with the group renamed and a member removed: SQLite's default. */
        SHORT,
        /** Rounds that also send back, fetch the sender's mail and add an account with a message each. */
        FULL
    }

    /** Runs the sequence: accounts and logins, then {@code rounds} rounds of sends, fetches and group changes. */
    void run(int rounds, Length length) {
        Client alice = new Client(prefix + "alice", null);
        Client bob = new Client(prefix + "bob", null);
        Client phone = new Client(prefix + "bob", "phone");
        Client carol = new Client(prefix + "carol", null);
        for (Client c : List.of(alice, bob, carol)) {
            create(c.user());
        }
        login(alice);
        login(bob);
        login(phone);
        login(carol);
        for (int r = 0; r < rounds; r++) {
            send(alice, bob.user(), r + " alice to bob");
            if (length != Length.TINY) {
                send(carol, bob.user(), r + " carol to bob");
            }
            fetch(bob);
            String g = "#" + prefix + "g" + r;
            group(alice, new Request.GroupCreate(null, g), Response.GroupCreated.class, e -> e == ErrorCode.GROUP_NAME_TAKEN,
                    () -> ledger.groupCreated(g, alice.user()));
            group(alice, new Request.GroupAdd(null, g, bob.user()), Response.MemberAdded.class, e -> false,
                    () -> ledger.memberAdded(g, bob.user()));
            group(alice, new Request.GroupAdd(null, g, carol.user()), Response.MemberAdded.class, e -> false,
                    () -> ledger.memberAdded(g, carol.user()));
            send(alice, g, r + " alice to the group");
            fetch(phone);
            if (length == Length.TINY) {
                continue;
            }
            fetch(carol);
            String h = "#" + prefix + "h" + r;
            group(alice, new Request.GroupRename(null, g, h), Response.GroupRenamed.class,
                    e -> e == ErrorCode.NO_SUCH_GROUP, () -> ledger.renamed(g, h)); // a retry after it took effect
            group(alice, new Request.GroupRemove(null, h, carol.user()), Response.MemberRemoved.class,
                    e -> e == ErrorCode.NOT_A_MEMBER, () -> ledger.memberRemoved(h, carol.user()));
            send(alice, h, r + " alice to the group without carol");
            fetch(bob);
            if (length != Length.FULL) {
                continue;
            }
            send(carol, alice.user(), r + " carol to alice");
            fetch(alice);
            String dave = prefix + "dave" + r;
            create(dave);
            Client d = new Client(dave, null);
            login(d);
            send(alice, dave, r + " alice to " + dave);
            fetch(d);
        }
    }

    private TestConnection connection(Client c) {
        return connections.computeIfAbsent(c, k -> fx.connect());
    }

    /** One try of a request. */
    private sealed interface Outcome {
    }

    private record Answered(Response response) implements Outcome {
    }

    private record Refused(Response.Error error) implements Outcome {
    }

    private record Unknown(String why) implements Outcome {
    }

    private Outcome attempt(Client c, Request r) {
        Response answer;
        try {
            answer = connection(c).call(r);
        } catch (AssertionError | UncheckedIOException e) { // the connection closed without an answer
            recover(c);
            return new Unknown("closed without an answer: " + e.getMessage());
        }
        if (answer instanceof Response.Error e && e.code() == ErrorCode.STORAGE_UNAVAILABLE) {
            assertThat(e.reason()).contains("nothing was stored");
            refusals++;
            ledger.note(c + " " + r.getClass().getSimpleName() + " refused: " + e.reason());
            return new Refused(e);
        }
        if (answer instanceof Response.Error e && e.code() == ErrorCode.INTERNAL_ERROR) {
            recover(c);
            return new Unknown(e.reason());
        }
        return new Answered(answer);
    }

    /**
     * After a connection closed: if the server stopped (the store told it to, after a failed sync), it is
     * started again — the restart the design asks of a supervisor — and every client logs in again.
     */
    private void recover(Client c) {
        unknowns++;
        TestConnection old = connections.remove(c);
        if (old != null) {
            old.close();
        }
        if (fx.server().failure().isPresent()) {
            restarts++;
            ledger.note("the server stopped (" + fx.server().failure().get() + "); restarted");
            connections.values().forEach(TestConnection::close);
            connections.clear();
            fx.restart();
            for (Client k : List.copyOf(tokens.keySet())) {
                tokens.remove(k);
                login(k);
            }
        }
    }

    /** Tries {@code build(attempt)} until answered (a few times: one fault a run), returning the answer. */
    private Response untilAnswered(Client c, String what, java.util.function.IntFunction<Request> build) {
        for (int i = 0; i < 6; i++) {
            Outcome o = attempt(c, build.apply(i));
            if (o instanceof Answered a) {
                return a.response();
            }
            ledger.note(c + " " + what + " try " + i + ": " + o);
        }
        throw new AssertionError(what + " was never answered: " + String.join("\n", ledger.story()));
    }

    private void create(String user) {
        Response r = untilAnswered(new Client(user, null), "create " + user,
                i -> new Request.CreateAccount(user, "Full " + user, ServerFixture.PASSWORD));
        if (r instanceof Response.Error e && e.code() == ErrorCode.USERNAME_TAKEN) {
            // only after an unknown outcome: the first try was stored after all
            assertThat(unknowns).as("USERNAME_TAKEN for %s with no unknown outcome before: a refused try left a trace", user)
                    .isPositive();
        } else {
            assertThat(r).as("create %s", user).isInstanceOf(Response.AccountCreated.class);
        }
        ledger.accountCreated(user);
    }

    private void login(Client c) {
        Request req = c.device() == null ? new Request.Login(c.user(), ServerFixture.PASSWORD)
                : new Request.LoginDevice(c.user(), ServerFixture.PASSWORD, c.device());
        Response r = untilAnswered(c, "login " + c, i -> req);
        String token = r instanceof Response.LoggedIn l ? l.token() : r instanceof Response.DeviceLoggedIn d ? d.token() : null;
        assertThat(token).as("login %s: %s", c, r).isNotNull();
        tokens.put(c, token);
        received.computeIfAbsent(c, k -> new TreeMap<>());
    }

    /** A SEND, from a client with one device: its account's other devices would get copies, which the ledger leaves out. */
    private void send(Client from, String to, String body) {
        String id = "m" + (++sends);
        int[] refusedBefore = {refusals};
        String[] clientId = {id};
        Response r = untilAnswered(from, "send " + body, i -> {
            if (refusals > refusedBefore[0]) { // refused: nothing stored, so a new message is as good
                refusedBefore[0] = refusals;
                clientId[0] = id + "-" + i;
            }
            return new Request.Send(tokens.get(from), to, clientId[0], body);
        });
        assertThat(r).as("send %s", body).isInstanceOf(Response.Sent.class);
        ledger.sent(body, from.user(), to);
    }

    private void fetch(Client c) {
        long ack = acked.getOrDefault(c, 0L);
        Response r = untilAnswered(c, "fetch " + c, i -> new Request.Fetch(tokens.get(c), ack, 1000, 0));
        assertThat(r).as("fetch %s", c).isInstanceOf(Response.Messages.class);
        take(c, ((Response.Messages) r).messages());
    }

    private void take(Client c, List<Response.Message> messages) {
        Map<Long, String> got = received.get(c);
        for (Response.Message m : messages) {
            String before = got.putIfAbsent(m.id(), m.body());
            assertThat(before == null || before.equals(m.body())).as("message %d to %s kept its body", m.id(), c).isTrue();
            acked.merge(c, m.id(), Math::max);
        }
    }

    private <T extends Response> void group(Client c, Request template, Class<T> ok, Predicate<ErrorCode> doneBefore, Runnable done) {
        int unknownBefore = unknowns;
        Response r = untilAnswered(c, template.toString(), i -> withToken(template, tokens.get(c)));
        if (r instanceof Response.Error e && doneBefore.test(e.code()) && unknowns > unknownBefore) {
            ledger.note(template + " had taken effect before its outcome was known");
        } else {
            assertThat(r).as("%s", template).isInstanceOf(ok);
        }
        done.run();
    }

    private static Request withToken(Request r, String token) {
        return switch (r) {
            case Request.GroupCreate g -> new Request.GroupCreate(token, g.group());
            case Request.GroupAdd g -> new Request.GroupAdd(token, g.group(), g.username());
            case Request.GroupRemove g -> new Request.GroupRemove(token, g.group(), g.username());
            case Request.GroupRename g -> new Request.GroupRename(token, g.group(), g.newName());
            default -> throw new IllegalArgumentException(r.toString());
        };
    }

    /**
     * With no fault: every account logs in, every device is given exactly the messages meant for it, each
     * once (by id), and the groups are as acknowledged.
     */
    void check() {
        for (TestConnection c : connections.values()) {
            c.close();
        }
        connections.clear();
        for (String u : ledger.accounts()) {
            login(new Client(u, null));
        }
        for (Client c : List.copyOf(received.keySet())) {
            login(c);
            while (true) {
                Response r = connection(c).call(new Request.Fetch(tokens.get(c), acked.getOrDefault(c, 0L), 1000, 0));
                assertThat(r).as("fetch %s", c).isInstanceOf(Response.Messages.class);
                List<Response.Message> got = ((Response.Messages) r).messages();
                if (got.isEmpty()) {
                    break;
                }
                take(c, got);
            }
            Map<String, List<Long>> ids = new TreeMap<>();
            received.get(c).forEach((id, body) -> ids.computeIfAbsent(body, k -> new ArrayList<>()).add(id));
            ids.forEach((body, list) -> assertThat(list).as("%s was given '%s' once\n%s", c, body, story()).hasSize(1));
            assertThat(new TreeSet<>(received.get(c).values())).as("what %s was given\n%s", c, story())
                    .isEqualTo(ledger.meantFor(c.user()));
        }
        Client alice = new Client(prefix + "alice", null);
        Response.Groups groups = connection(alice).ok(new Request.GroupList(tokens.get(alice)), Response.Groups.class);
        assertThat(groups.groups().stream().map(Response.Group::name).toList()).as("alice's groups\n%s", story())
                .containsExactlyInAnyOrderElementsOf(ledger.groups().keySet());
        for (var g : ledger.groups().entrySet()) {
            Response.Members m = connection(alice).ok(new Request.GroupMembers(tokens.get(alice), g.getKey()), Response.Members.class);
            assertThat(new TreeSet<>(m.members().stream().map(Response.Member::username).toList()))
                    .as("members of %s\n%s", g.getKey(), story()).isEqualTo(g.getValue());
        }
    }

    private String story() {
        return String.join("\n", ledger.story());
    }

    Set<Client> clients() {
        return received.keySet();
    }
}
