package org.wirechat.model;

import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Tuple;

/**
 * One step of a kill sequence. Users are numbered (0–2 exist from the start, 3 only once a {@link Create}
 * made it), devices too ({@link KillRun#DEVICES}); a step naming a device not logged in is skipped. Kills
 * are steps like any other, so jqwik shrinks a failure to the fewest steps around the fewest kills.
 */
sealed interface KillOp {
    int USERS = 4;
    int GROUPS = 2;

    /** CREATE_ACCOUNT of user {@code user}. */
    record Create(int user) implements KillOp {
    }

    /** LOGIN_DEVICE: the device starts (or its client logs in again, taking it over). */
    record Login(int user, int device) implements KillOp {
    }

    /** A direct SEND to user {@code to}. */
    record Send(int user, int device, int to) implements KillOp {
    }

    /** A SEND to group {@code group}. */
    record GroupSend(int user, int device, int group) implements KillOp {
    }

    /** FETCH without waiting; {@code ack}: acknowledging everything the device has received so far. */
    record Fetch(int user, int device, boolean ack) implements KillOp {
    }

    record GroupCreate(int user, int group) implements KillOp {
    }

    record GroupAdd(int user, int group, int who) implements KillOp {
    }

    /** GROUP_REMOVE of {@code who} (GROUP_LEAVE when {@code who} is the caller). */
    record GroupRemove(int user, int group, int who) implements KillOp {
    }

    /** SIGKILL between two steps, restart on the same data, check the view. */
    record Kill() implements KillOp {
    }

    /**
     * Every logged-in device sends {@code perDevice} messages at once, each on its own connection, to
     * targets drawn from {@code seed}; SIGKILL once {@code killAfter} of them were answered (none if that
     * is at least all of them), so some are in flight when the server dies.
     */
    record Burst(int perDevice, int killAfter, long seed) implements KillOp {
    }

    static Arbitrary<KillOp> any() {
        Arbitrary<Integer> user = Arbitraries.integers().between(0, USERS - 1);
        Arbitrary<Integer> device = Arbitraries.integers().between(0, KillRun.DEVICES.size() - 1);
        Arbitrary<Integer> group = Arbitraries.integers().between(0, GROUPS - 1);
        return Arbitraries.frequencyOf(
                Tuple.of(1, Arbitraries.just(new Create(USERS - 1))),
                Tuple.of(3, Combinators.combine(user, device).as(Login::new)),
                Tuple.of(8, Combinators.combine(user, device, user).as(Send::new)),
                Tuple.of(4, Combinators.combine(user, device, group).as(GroupSend::new)),
                Tuple.of(7, Combinators.combine(user, device, Arbitraries.of(true, true, false)).as(Fetch::new)),
                Tuple.of(2, Combinators.combine(user, group).as(GroupCreate::new)),
                Tuple.of(3, Combinators.combine(user, group, user).as(GroupAdd::new)),
                Tuple.of(1, Combinators.combine(user, group, user).as(GroupRemove::new)),
                Tuple.of(3, Arbitraries.just(new Kill())),
                Tuple.of(2, Combinators.combine(Arbitraries.integers().between(2, 8),
                        Arbitraries.integers().between(0, 24), Arbitraries.longs()).as(Burst::new)));
    }

    /** A sequence: at least one {@link Kill} (one is added at the end when none was drawn), so every try restarts the server. */
    static Arbitrary<List<KillOp>> sequences() {
        return any().list().ofMinSize(3).ofMaxSize(40).map(ops -> {
            if (ops.stream().anyMatch(op -> op instanceof Kill)) {
                return ops;
            }
            List<KillOp> more = new ArrayList<>(ops);
            more.add(new Kill());
            return more;
        });
    }
}
