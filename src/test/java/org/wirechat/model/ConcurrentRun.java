package org.wirechat.model;

import static org.wirechat.server.ServerFixture.PASSWORD;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicInteger;
import org.wirechat.protocol.ErrorCode;
import org.wirechat.protocol.Request;
import org.wirechat.protocol.Response;
import org.wirechat.server.Await;
import org.wirechat.server.TestConnection;

/**
 * Runs one {@link ConcurrentScenario} against running servers: makes its accounts, first devices and
 * groups, starts one thread per script behind a start gate, then — once every thread is done — drains
 * every device that acknowledges (each FETCH acknowledging what it received), and returns the log of
 * every request and answer. Names are new for each run, so runs share a server.
 */
final class ConcurrentRun {
    private static final AtomicInteger RUNS = new AtomicInteger();
    /** A hang guard for the scripts (the connections give up on an answer after 55 s themselves). */
    private static final Duration DEADLINE = Duration.ofSeconds(60);
    private static final int PAGE = 100;

    private final ConcurrentTarget.Servers servers;
    private final ConcurrentScenario scenario;
    private final String prefix = "c" + RUNS.incrementAndGet() + "x" + Long.toString(System.nanoTime() % 46_656, 36);
    private final ConcurrentLog log = new ConcurrentLog(prefix);
    /** Every device that acknowledges (the first ones, then new ones as they log in), drained at the end. */
    private final List<Device> devices = new CopyOnWriteArrayList<>();
    private final AtomicInteger later = new AtomicInteger();

    private ConcurrentRun(ConcurrentTarget.Servers servers, ConcurrentScenario scenario) {
        this.servers = servers;
        this.scenario = scenario;
    }

    /** Runs the scenario; the log holds what was asked and answered. */
    static ConcurrentLog run(ConcurrentTarget.Servers servers, ConcurrentScenario scenario) throws InterruptedException {
        ConcurrentRun r = new ConcurrentRun(servers, scenario);
        try {
            r.go();
        } finally {
            r.devices.forEach(d -> d.c.close());
        }
        return r.log;
    }

    private String user(int u) {
        return log.user(u);
    }

    private String group(int g) {
        return log.group(g);
    }

    private void go() throws InterruptedException {
        try (TestConnection setup = servers.connect(0)) {
            for (int u = 0; u < scenario.devices().size(); u++) {
                setup.ok(new Request.CreateAccount(user(u), "Full " + u, PASSWORD), Response.AccountCreated.class);
            }
            for (int s = 0; s < servers.count() && servers.count() > 1; s++) {
                setup.ok(new Request.CreateAccount(log.prefix + "s" + s, "Sentinel", PASSWORD), Response.AccountCreated.class);
            }
        }
        List<Device> first = new ArrayList<>();
        for (ConcurrentScenario.Script s : scenario.scripts()) {
            first.add(login(s.user(), "d" + s.device()));
        }
        devices.addAll(first);
        List<Set<Integer>> members = new ArrayList<>();
        for (int g = 0; g < scenario.groups().size(); g++) {
            ConcurrentScenario.Group group = scenario.groups().get(g);
            Device owner = firstDevice(first, group.owner());
            owner.c.ok(new Request.GroupCreate(owner.token, group(g)), Response.GroupCreated.class);
            for (int m : group.members()) {
                if (m != group.owner()) {
                    owner.c.ok(new Request.GroupAdd(owner.token, group(g), user(m)), Response.MemberAdded.class);
                }
            }
            members.add(new HashSet<>(group.members()));
        }
        CountDownLatch ready = new CountDownLatch(first.size());
        CountDownLatch gate = new CountDownLatch(1);
        List<Future<?>> running = new ArrayList<>();
        try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            for (int i = 0; i < first.size(); i++) {
                Device me = first.get(i);
                ConcurrentScenario.Script script = scenario.scripts().get(i);
                running.add(threads.submit(() -> {
                    List<Device> mine = new ArrayList<>(List.of(me));
                    ready.countDown();
                    gate.await();
                    for (ConcurrentScenario.Action a : script.actions()) {
                        if (!perform(mine, a, members)) {
                            break;
                        }
                    }
                    return null;
                }));
            }
            ready.await();
            gate.countDown();
            long deadline = System.nanoTime() + DEADLINE.toNanos();
            for (Future<?> f : running) {
                try {
                    f.get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
                } catch (TimeoutException e) {
                    log.problems.add("a script did not finish within " + DEADLINE);
                    f.cancel(true);
                } catch (ExecutionException e) {
                    log.problems.add("a script failed: " + e.getCause());
                }
            }
        }
        if (servers.count() > 1) {
            settle();
        }
        for (Device d : devices) {
            d.drain();
        }
    }

    /**
     * With two servers: waits until each has taken in the other's notifications of everything sent so far, so
     * that the drain reads whole inboxes (a server serves a FETCH from its cached inbox, which learns of a
     * message stored through the other server only when that server's notification arrives, milliseconds
     * later; nothing is lost meanwhile). A sentinel account's device waits on one server for a message sent
     * through the other: the notifications arrive in commit order, so once that one has, so have all before.
     */
    private void settle() throws InterruptedException {
        for (int s = 0; s < 2; s++) {
            int server = s;
            try (TestConnection waiter = servers.connect(server); TestConnection sender = servers.connect(1 - server);
                    ExecutorService one = Executors.newVirtualThreadPerTaskExecutor()) {
                String sentinel = log.prefix + "s" + server;
                String device = waiter.ok(new Request.LoginDevice(sentinel, PASSWORD, "w"), Response.DeviceLoggedIn.class).token();
                String from = sender.ok(new Request.Login(log.prefix + "s" + (1 - server), PASSWORD), Response.LoggedIn.class).token();
                Future<Response> woken = one.submit(() -> waiter.call(new Request.Fetch(device, 0, 10, 30_000)));
                Await.until("a FETCH waits on server " + server, () -> servers.waitingFetches(server) > 0);
                sender.ok(new Request.Send(from, sentinel, UUID.randomUUID().toString(), "settle"), Response.Sent.class);
                Response r = woken.get(DEADLINE.toSeconds(), TimeUnit.SECONDS);
                if (!(r instanceof Response.Messages m) || m.messages().isEmpty()) {
                    log.problems.add("server " + server + " was not woken by the other's notification: " + r);
                }
            } catch (ExecutionException | TimeoutException e) {
                log.problems.add("server " + server + " was not woken by the other's notification: " + e);
            }
        }
    }

    private static Device firstDevice(List<Device> first, int user) {
        return first.stream().filter(d -> d.user == user).findFirst().orElseThrow();
    }

    private Device login(int user, String name) {
        TestConnection c = servers.connect(user);
        return new Device(user, name, c, c.ok(new Request.LoginDevice(user(user), PASSWORD, name), Response.DeviceLoggedIn.class).token());
    }

    /**
     * One action of the script whose devices are {@code mine} (its first device, then the new devices it
     * logged in); false when the script cannot go on (its connection broke).
     */
    private boolean perform(List<Device> mine, ConcurrentScenario.Action action, List<Set<Integer>> members) {
        Device me = mine.getFirst();
        try {
            switch (action) {
                case ConcurrentScenario.Send s -> me.send(s.to().startsWith("#g") ? group(Integer.parseInt(s.to().substring(2)))
                        : user(Integer.parseInt(s.to().substring(1))));
                case ConcurrentScenario.Fetch f -> me.fetch(f.max(), f.partial(), f.longPoll() ? 20 : 0);
                case ConcurrentScenario.NewDevice n -> mine.add(newDevice(mine));
                case ConcurrentScenario.DefaultFetch d -> defaultFetch(mine);
                case ConcurrentScenario.Toggle t -> me.toggle(t.group(), t.user(), members.get(t.group()));
            }
            return true;
        } catch (RuntimeException | AssertionError e) {
            log.problems.add(me.key() + " " + action + ": " + e);
            return false;
        }
    }

    /** A connection of the user's, open and answering before {@code mine} catch up, so that a login can follow at once. */
    private TestConnection ready(int user) {
        TestConnection c = servers.connect(user);
        c.ok(new Request.Ping(), Response.Pong.class);
        return c;
    }

    /** Catches {@code mine} up, then at once a new device of their user logs in and fetches. */
    private Device newDevice(List<Device> mine) {
        int user = mine.getFirst().user;
        String name = "n" + later.incrementAndGet();
        TestConnection c = ready(user);
        mine.forEach(Device::drain);
        long req = System.nanoTime();
        Response r = c.call(new Request.LoginDevice(user(user), PASSWORD, name));
        long ans = System.nanoTime();
        if (!(r instanceof Response.DeviceLoggedIn in)) {
            c.close();
            throw new AssertionError("LOGIN_DEVICE of " + user(user) + "/" + name + " answered " + r);
        }
        Device d = new Device(user, name, c, in.token());
        log.starts.add(new ConcurrentLog.Start(user, d.key(), false, req, ans));
        devices.add(d);
        d.fetch(PAGE, false, 0); // at once: what some other device still waits for
        d.fetch(PAGE, false, 0); // acknowledging it
        return d;
    }

    /** Catches {@code mine} up, then at once their user's default device (LOGIN) fetches. */
    private void defaultFetch(List<Device> mine) {
        int user = mine.getFirst().user;
        try (TestConnection c = ready(user)) {
            mine.forEach(Device::drain);
            String token = c.ok(new Request.Login(user(user), PASSWORD), Response.LoggedIn.class).token();
            String key = "u" + user + "/default" + later.incrementAndGet();
            long req = System.nanoTime();
            Response r = c.call(new Request.Fetch(token, 0, PAGE, 0));
            long ans = System.nanoTime();
            if (r instanceof Response.Messages m) {
                log.starts.add(new ConcurrentLog.Start(user, key, true, req, ans));
                log.fetches.add(new ConcurrentLog.Fetch(user, key, 0, req, ans, m.messages(), null));
            } else {
                log.problems.add(key + " FETCH answered " + r);
            }
        }
    }

    /** One device of a user on its own connection, and what it has received and acknowledged. */
    private final class Device {
        final int user;
        final String name;
        final TestConnection c;
        final String token;
        private long maxSeen;
        private final TreeSet<Long> unacknowledged = new TreeSet<>();
        private int sends;

        Device(int user, String name, TestConnection c, String token) {
            this.user = user;
            this.name = name;
            this.c = c;
            this.token = token;
        }

        String key() {
            return "u" + user + "/" + name;
        }

        void send(String to) {
            String body = prefix + " " + key() + " #" + ++sends;
            long req = System.nanoTime();
            Response r = c.call(new Request.Send(token, to, UUID.randomUUID().toString(), body));
            long ans = System.nanoTime();
            if (r instanceof Response.Sent s) {
                log.sends.add(new ConcurrentLog.Send(user, key(), to, body, req, ans, s.messageId(), null));
            } else if (r instanceof Response.Error e && e.code() == ErrorCode.NOT_A_MEMBER && to.startsWith("#")) {
                log.sends.add(new ConcurrentLog.Send(user, key(), to, body, req, ans, 0, e.code()));
            } else {
                log.problems.add(key() + " SEND to " + to + " answered " + r);
            }
        }

        /** FETCH acknowledging all it received, or ({@code partial}) only the oldest it has not acknowledged. */
        List<Response.Message> fetch(int max, boolean partial, int waitMillis) {
            long ack = partial && !unacknowledged.isEmpty() ? unacknowledged.first() : maxSeen;
            long req = System.nanoTime();
            Response r = c.call(new Request.Fetch(token, ack, max, waitMillis));
            long ans = System.nanoTime();
            if (!(r instanceof Response.Messages m)) {
                log.fetches.add(new ConcurrentLog.Fetch(user, key(), ack, req, ans, null, String.valueOf(r)));
                log.problems.add(key() + " FETCH acknowledging " + ack + " answered " + r);
                return List.of();
            }
            log.fetches.add(new ConcurrentLog.Fetch(user, key(), ack, req, ans, m.messages(), null));
            unacknowledged.headSet(ack, true).clear();
            for (Response.Message msg : m.messages()) {
                maxSeen = Math.max(maxSeen, msg.id());
                if (msg.id() > ack) {
                    unacknowledged.add(msg.id());
                }
            }
            return m.messages();
        }

        void drain() {
            for (int i = 0; i < 1_000; i++) {
                if (fetch(PAGE, false, 0).isEmpty()) {
                    return;
                }
            }
            log.problems.add(key() + " still had mail after 1,000 FETCHes");
        }

        void toggle(int g, int u, Set<Integer> members) {
            boolean add = !members.contains(u);
            long req = System.nanoTime();
            Response r = c.call(add ? new Request.GroupAdd(token, group(g), user(u)) : new Request.GroupRemove(token, group(g), user(u)));
            long ans = System.nanoTime();
            if (r instanceof Response.Error) {
                log.problems.add(key() + (add ? " GROUP_ADD " : " GROUP_REMOVE ") + user(u) + " answered " + r);
                return;
            }
            log.memberships.add(new ConcurrentLog.Membership(g, u, add, req, ans));
            if (add) {
                members.add(u);
            } else {
                members.remove(u);
            }
        }
    }
}
