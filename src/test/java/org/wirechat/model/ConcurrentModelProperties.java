package org.wirechat.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.lifecycle.AddLifecycleHook;
import net.jqwik.api.lifecycle.AfterContainer;
import net.jqwik.api.lifecycle.PropagationMode;
import net.jqwik.api.statistics.Statistics;
import org.wirechat.model.ConcurrentScenario.Action;
import org.wirechat.model.ConcurrentScenario.DefaultFetch;
import org.wirechat.model.ConcurrentScenario.Fetch;
import org.wirechat.model.ConcurrentScenario.Group;
import org.wirechat.model.ConcurrentScenario.NewDevice;
import org.wirechat.model.ConcurrentScenario.Script;
import org.wirechat.model.ConcurrentScenario.Send;
import org.wirechat.model.ConcurrentScenario.Toggle;

/**
 * Issue 32's concurrency variant: several users, each with one to three devices on real connections, act
 * at once — sends direct and to groups, FETCH and acknowledge loops, new devices logging in, default
 * devices' first FETCHes, members added and removed — and afterwards {@link ConcurrentChecks} checks what
 * must hold whatever the interleaving: every device gets what is meant for it exactly once in id order and
 * nothing an acknowledgement of its covered; a new device starts with exactly what some device still waits
 * for; group messages reach exactly the members at send time; the sender's other devices get their copies.
 * Each store and transport runs a bounded number of scenarios (more with {@code -Dwirechat.model.tries=N});
 * jqwik prints the seed of a failure, and the failure names the target and prints every client's script.
 */
@AddLifecycleHook(value = ConcurrentSettings.class, propagateTo = PropagationMode.ALL_DESCENDANTS)
class ConcurrentModelProperties {
    private static final Map<ConcurrentTarget, ConcurrentTarget.Servers> SERVERS = new EnumMap<>(ConcurrentTarget.class);

    @AfterContainer
    static void stopServers() {
        SERVERS.values().forEach(ConcurrentTarget.Servers::close);
        SERVERS.clear();
    }

    @Property(tries = 8)
    @ConcurrentSettings.On(ConcurrentTarget.SQLITE_WIRE)
    void onSqliteOverTheWire(@ForAll("scenarios") ConcurrentScenario s) throws InterruptedException {
        check(ConcurrentTarget.SQLITE_WIRE, s);
    }

    @Property(tries = 2)
    @ConcurrentSettings.On(ConcurrentTarget.SQLITE_GRPC)
    void onSqliteOverGrpc(@ForAll("scenarios") ConcurrentScenario s) throws InterruptedException {
        check(ConcurrentTarget.SQLITE_GRPC, s);
    }

    @Property(tries = 4)
    @ConcurrentSettings.On(ConcurrentTarget.POSTGRESQL_WIRE)
    void onPostgresqlOverTheWire(@ForAll("scenarios") ConcurrentScenario s) throws InterruptedException {
        check(ConcurrentTarget.POSTGRESQL_WIRE, s);
    }

    @Property(tries = 2)
    @ConcurrentSettings.On(ConcurrentTarget.POSTGRESQL_GRPC)
    void onPostgresqlOverGrpc(@ForAll("scenarios") ConcurrentScenario s) throws InterruptedException {
        check(ConcurrentTarget.POSTGRESQL_GRPC, s);
    }

    @Property(tries = 3)
    @ConcurrentSettings.On(ConcurrentTarget.POSTGRESQL_WIRE_TWO_SERVERS)
    void onTwoPostgresqlServers(@ForAll("scenarios") ConcurrentScenario s) throws InterruptedException {
        check(ConcurrentTarget.POSTGRESQL_WIRE_TWO_SERVERS, s);
    }

    private static void check(ConcurrentTarget target, ConcurrentScenario s) throws InterruptedException {
        ConcurrentTarget.Servers servers;
        synchronized (SERVERS) {
            servers = SERVERS.computeIfAbsent(target, ConcurrentTarget::start);
        }
        ConcurrentLog log = ConcurrentRun.run(servers, s);
        Statistics.label("new devices").collect(log.starts.size());
        ConcurrentChecks checks = ConcurrentChecks.check(s, log);
        Statistics.label("a new device handed a copy above the floor its sender held").collect(!checks.copiesAboveTheFloor.isEmpty());
        List<String> violations = checks.violations();
        assertThat(violations).as("on %s, run %s, these clients at once:%n  %s%nbroke:%n  %s", target, log.prefix, s,
                String.join("\n  ", violations.subList(0, Math.min(20, violations.size())))).isEmpty();
    }

    @Provide
    Arbitrary<ConcurrentScenario> scenarios() {
        // one device is the likeliest: a client that holds every device of its user can catch them all up
        Arbitrary<List<Integer>> devices = Arbitraries.frequency(Tuple.of(5, 1), Tuple.of(3, 2), Tuple.of(2, 3)).list()
                .ofMinSize(2).ofMaxSize(4);
        return devices.flatMap(ds -> groups(ds.size()).flatMap(groups -> scripts(ds, groups)
                .map(scripts -> new ConcurrentScenario(ds, groups, scripts))));
    }

    private static Arbitrary<List<Group>> groups(int users) {
        Arbitrary<Group> group = Combinators.combine(Arbitraries.integers().between(0, users - 1),
                Arbitraries.integers().between(0, users - 1).set()).as((owner, others) -> {
                    Set<Integer> members = new HashSet<>(others);
                    members.add(owner);
                    return new Group(owner, Set.copyOf(members));
                });
        return group.list().ofMinSize(1).ofMaxSize(2);
    }

    private static Arbitrary<List<Script>> scripts(List<Integer> devices, List<Group> groups) {
        List<Arbitrary<Script>> all = new ArrayList<>();
        for (int u = 0; u < devices.size(); u++) {
            for (int d = 0; d < devices.get(u); d++) {
                int user = u;
                int device = d;
                all.add(actions(devices.size(), groups, user, device).list().ofMinSize(1).ofMaxSize(8)
                        .map(actions -> new Script(user, device, actions)));
            }
        }
        return Combinators.combine(all).as(l -> l);
    }

    /** One action of a script; adding and removing members only in the first device's script of a group's owner. */
    private static Arbitrary<Action> actions(int users, List<Group> groups, int user, int device) {
        Arbitrary<Action> send = Arbitraries.oneOf(Arbitraries.integers().between(0, users - 1).map(u -> new Send("u" + u)),
                Arbitraries.integers().between(0, groups.size() - 1).map(g -> new Send("#g" + g)));
        Arbitrary<Action> fetch = Combinators.combine(Arbitraries.of(1, 2, 100), Arbitraries.of(false, false, false, true),
                Arbitraries.of(false, false, false, false, true)).as(Fetch::new);
        List<Integer> owned = new ArrayList<>();
        for (int g = 0; g < groups.size(); g++) {
            if (groups.get(g).owner() == user && device == 0 && users > 1) {
                owned.add(g);
            }
        }
        Arbitrary<Action> toggle = owned.isEmpty() ? fetch
                : Combinators.combine(Arbitraries.of(owned), Arbitraries.integers().between(0, users - 2))
                        .as((g, other) -> new Toggle(g, other >= groups.get(g).owner() ? other + 1 : other));
        return Arbitraries.frequencyOf(
                Tuple.of(6, send),
                Tuple.of(5, fetch),
                Tuple.of(4, Arbitraries.just(new NewDevice())),
                Tuple.of(1, Arbitraries.just(new DefaultFetch())),
                Tuple.of(owned.isEmpty() ? 1 : 4, toggle));
    }
}
