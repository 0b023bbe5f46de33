package org.wirechat.model;

import java.io.IOException;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.wirechat.client.ServerConnection;
import org.wirechat.model.KillLedger.Device;
import org.wirechat.model.KillLedger.Pending;
import org.wirechat.protocol.Request;
import org.wirechat.protocol.Response;
import org.wirechat.server.Backend;

/**
 * Runs one kill sequence against a server process: users u0–u2 exist and their phones are logged in,
 * then each {@link KillOp} is asked of the server and its answer told to the {@link KillLedger}, which
 * says whether it agrees. After every SIGKILL the server is started again on the same store and the
 * whole view checked (every account logs in, groups and members as acknowledged, every device's FETCH);
 * once more at the end. Devices alternate between the transports asked for (phone: the first, laptop:
 * the second), so one sequence crosses both.
 */
final class KillRun implements AutoCloseable {
    static final List<String> DEVICES = List.of("phone", "laptop");
    private static final String PASSWORD = "correct horse";

    private final KillServer server;
    private final KillLedger ledger = new KillLedger();
    private final List<Boolean> grpcByDevice;
    private final Map<String, ServerConnection> connections = new HashMap<>();
    private int bodies;
    private int kills;

    /** {@code transports}: "wire", "grpc", or both (devices alternate). */
    KillRun(Backend store, List<String> transports, Path dir) {
        this.grpcByDevice = transports.stream().map("grpc"::equals).toList();
        this.server = new KillServer(store, grpcByDevice.contains(true), dir);
    }

    static String user(int i) {
        return "u" + i;
    }

    static String group(int i) {
        return "#g" + i;
    }

    /** Runs the sequence; returns what the ledger found wrong (empty: nothing). */
    List<String> run(List<KillOp> ops) throws Exception {
        server.start();
        for (int u = 0; u < KillOp.USERS - 1; u++) {
            step(new KillOp.Create(u));
            step(new KillOp.Login(u, 0));
        }
        for (KillOp op : ops) {
            step(op);
            if (!ledger.problems().isEmpty()) {
                return ledger.problems();
            }
        }
        checkView();
        server.stop();
        return ledger.problems();
    }

    int kills() {
        return kills;
    }

    KillLedger ledger() {
        return ledger;
    }

    private void step(KillOp op) throws Exception {
        switch (op) {
            case KillOp.Create c -> create(user(c.user()));
            case KillOp.Login l -> login(user(l.user()), DEVICES.get(l.device()));
            case KillOp.Send s -> send(ledger.device(user(s.user()), DEVICES.get(s.device())), user(s.to()));
            case KillOp.GroupSend s -> send(ledger.device(user(s.user()), DEVICES.get(s.device())), group(s.group()));
            case KillOp.Fetch f -> fetch(ledger.device(user(f.user()), DEVICES.get(f.device())), f.ack());
            case KillOp.GroupCreate g -> groupCreate(user(g.user()), group(g.group()));
            case KillOp.GroupAdd g -> groupAdd(user(g.user()), group(g.group()), user(g.who()));
            case KillOp.GroupRemove g -> groupRemove(user(g.user()), group(g.group()), user(g.who()));
            case KillOp.Kill k -> {
                server.kill();
                restart();
            }
            case KillOp.Burst b -> burst(b);
        }
    }

    private void create(String name) throws IOException {
        boolean ok = !ledger.exists(name);
        Response r = admin().call(new Request.CreateAccount(name, "User " + name, PASSWORD));
        if (expect(ok, r instanceof Response.AccountCreated, "CREATE_ACCOUNT " + name, r)) {
            ledger.created(name);
        }
    }

    private void login(String name, String device) throws IOException {
        Response r = connection(name + "/" + device, device).call(new Request.LoginDevice(name, PASSWORD, device));
        if (expect(ledger.exists(name), r instanceof Response.DeviceLoggedIn, "LOGIN_DEVICE " + name + "/" + device, r)) {
            ledger.loggedIn(name, device, ((Response.DeviceLoggedIn) r).token());
        }
    }

    private Pending pending(Device d, String recipient) {
        boolean ok = recipient.startsWith("#") ? ledger.isMember(recipient, d.account) : ledger.exists(recipient);
        return new Pending(d.account, d.name, recipient, UUID.randomUUID().toString(), "m" + (++bodies) + " " + d + ">" + recipient,
                ok ? ledger.reach(d.account, recipient) : null);
    }

    private void send(Device d, String recipient) throws IOException {
        if (d == null) {
            return; // that device has not logged in
        }
        Pending p = pending(d, recipient);
        if (p.reached() != null) {
            ledger.asked(p);
        }
        Response r = connection(d).call(new Request.Send(d.token, recipient, p.clientId(), p.body()));
        if (expect(p.reached() != null, r instanceof Response.Sent, "SEND " + p.body(), r)) {
            ledger.sent(p, ((Response.Sent) r).messageId());
        }
    }

    private void fetch(Device d, boolean ack) throws IOException {
        if (d == null) {
            return;
        }
        long through = ack ? d.maxReceived : 0;
        Response r = connection(d).call(new Request.Fetch(d.token, through, 1000, 0));
        if (r instanceof Response.Messages m) {
            ledger.acknowledged(d, through);
            ledger.fetched(d, m.messages());
        } else {
            ledger.problem("FETCH by " + d + " through " + through + ": " + r);
        }
    }

    /** A token of {@code name}'s, of any device logged in, or null. */
    private Device anyDevice(String name) {
        return DEVICES.stream().map(n -> ledger.device(name, n)).filter(d -> d != null).findFirst().orElse(null);
    }

    private void groupCreate(String name, String group) throws IOException {
        Device d = anyDevice(name);
        if (d != null) {
            Response r = connection(d).call(new Request.GroupCreate(d.token, group));
            if (expect(ledger.group(group) == null, r instanceof Response.GroupCreated, name + ": GROUP_CREATE " + group, r)) {
                ledger.groupCreated(group, name);
            }
        }
    }

    private void groupAdd(String name, String group, String who) throws IOException {
        Device d = anyDevice(name);
        if (d != null) {
            Response r = connection(d).call(new Request.GroupAdd(d.token, group, who));
            boolean ok = ledger.isMember(group, name) && ledger.exists(who);
            if (expect(ok, r instanceof Response.MemberAdded, name + ": GROUP_ADD " + group + " " + who, r) && !ledger.isMember(group, who)) {
                ledger.memberAdded(group, who);
            }
        }
    }

    private void groupRemove(String name, String group, String who) throws IOException {
        Device d = anyDevice(name);
        if (d == null) {
            return;
        }
        if (who.equals(name)) {
            Response r = connection(d).call(new Request.GroupLeave(d.token, group));
            if (expect(ledger.isMember(group, name), r instanceof Response.GroupLeft, name + ": GROUP_LEAVE " + group, r)) {
                ledger.memberGone(group, name);
            }
            return;
        }
        Response r = connection(d).call(new Request.GroupRemove(d.token, group, who));
        boolean ok = ledger.group(group) != null && ledger.group(group).owner.equals(name) && ledger.isMember(group, who);
        if (expect(ok, r instanceof Response.MemberRemoved, name + ": GROUP_REMOVE " + group + " " + who, r)) {
            ledger.memberGone(group, who);
        }
    }

    /** Whether the answer agrees with the ledger's expectation; tells the ledger when it does not. */
    private boolean expect(boolean ok, boolean answeredOk, String what, Response r) {
        if (ok != answeredOk) {
            ledger.problem(what + (ok ? " should have succeeded: " : " should have been refused: ") + r);
        }
        return ok && answeredOk;
    }

    private void burst(KillOp.Burst b) throws Exception {
        if (new KillBurst(server, ledger, this::grpcFor).run(b, this::pending)) {
            restart();
        }
    }

    /** After a SIGKILL: start again, check the whole view, then retry what was in flight with its client id. */
    private void restart() throws IOException {
        kills++;
        connections.values().forEach(ServerConnection::close);
        connections.clear();
        server.start();
        ledger.restarted();
        checkView();
        for (Pending p : ledger.pending()) {
            Device d = ledger.device(p.sender(), p.senderDevice());
            Response r = connection(d).call(new Request.Send(d.token, p.recipient(), p.clientId(), p.body()));
            if (r instanceof Response.Sent s) {
                ledger.sent(p, s.messageId());
            } else {
                ledger.problem("retrying " + p.body() + " with its client message id after the restart: " + r);
            }
        }
    }

    /** Every account logs in; GROUP_LIST and GROUP_MEMBERS as acknowledged; every device's FETCH (acknowledging nothing). */
    private void checkView() throws IOException {
        for (String name : ledger.accounts()) {
            Response r = admin().call(new Request.Login(name, PASSWORD));
            if (!(r instanceof Response.LoggedIn in)) {
                ledger.problem("account " + name + " cannot log in: " + r);
                continue;
            }
            Response list = admin().call(new Request.GroupList(in.token()));
            List<String> groups = list instanceof Response.Groups g
                    ? g.groups().stream().map(x -> x.name() + " " + x.owner() + " " + x.members()).toList() : List.of(list.toString());
            if (!groups.equals(ledger.groupsOf(name))) {
                ledger.problem(name + "'s GROUP_LIST is " + groups + ", acknowledged: " + ledger.groupsOf(name));
            }
            for (String group : ledger.groupNames()) {
                if (ledger.group(group).owner.equals(name)) {
                    Response m = admin().call(new Request.GroupMembers(in.token(), group));
                    List<String> members = m instanceof Response.Members ms
                            ? ms.members().stream().map(Response.Member::username).toList() : List.of(m.toString());
                    if (!members.equals(ledger.membersOf(group))) {
                        ledger.problem(group + "'s members are " + members + ", acknowledged: " + ledger.membersOf(group));
                    }
                }
            }
            admin().call(new Request.Logout(in.token()));
        }
        for (Device d : ledger.devices()) {
            fetch(d, false);
        }
    }

    private boolean grpcFor(String device) {
        return grpcByDevice.get(DEVICES.indexOf(device) % grpcByDevice.size());
    }

    private ServerConnection admin() throws IOException {
        return connection("admin", DEVICES.get(0));
    }

    private ServerConnection connection(Device d) throws IOException {
        return connection(d.toString(), d.name);
    }

    private ServerConnection connection(String key, String device) throws IOException {
        ServerConnection c = connections.get(key);
        if (c == null || c.isClosed()) {
            c = server.connect(grpcFor(device));
            connections.put(key, c);
        }
        return c;
    }

    /** Server processes started: one, and one more after each kill. */
    int starts() {
        return server.starts();
    }

    @Override
    public void close() {
        connections.values().forEach(ServerConnection::close);
        server.close();
    }
}
