package org.wirechat.server.storage;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.wirechat.model.ModelRun;
import org.wirechat.server.Backend;
import org.wirechat.server.PostgresCluster;
import org.wirechat.server.PostgresSettings;
import org.wirechat.server.ServerFixture;
import org.wirechat.server.storage.FaultPlan.Fault;
import org.wirechat.server.storage.FaultPlan.Point;

/**
 * Faults at every write, in the spirit of SQLite's {@code do_ioerr_test}: a {@link FaultSequence} is run
 * once without a fault to count its write points of each kind, then once for every N up to that count,
 * failing the N-th point of the kind — a message log write (disk full, half the bytes landed), a log
 * sync (I/O error: the server stops and is restarted, as a supervisor would), a JDBC write (disk full or
 * I/O error) and a JDBC commit (an I/O error before it, or after it committed) — letting the sequence go
 * on, then checking the server against the {@link FaultLedger} after a clean restart.
 *
 * <p>{@code -Dwirechat.model.stores=sqlite,postgresql} chooses the stores (both by default);
 * {@code -Dwirechat.model.tries=T} makes the sequence {@code 1 + T / 100} full rounds long (at most 20);
 * without it, one short round (about 35 fault points a store).
 */
@Timeout(600)
class WriteFaultTest {
    @TempDir
    Path tmp;

    @Test
    void sqliteEveryWriteFailedInTurn() {
        everyFault(Backend.SQLITE);
    }

    @Test
    void postgresqlEveryWriteFailedInTurn() {
        everyFault(Backend.POSTGRESQL);
    }

    static boolean chosen(Backend store) {
        return ModelRun.selected(store);
    }

    /** The sequence's rounds: 0 for the default suite's short one. */
    static int rounds() {
        int tries = ModelRun.tries(0);
        return tries == 0 ? 0 : Math.min(20, 1 + tries / 100);
    }

    private int runs;
    /** What each run's fault led to ("1 refused, 0 unknown, 0 restarts"), for the summary. */
    private final List<String> tallies = new ArrayList<>();

    private void everyFault(Backend store) {
        Assumptions.assumeTrue(chosen(store), "wirechat.model.stores leaves out " + store);
        long started = System.nanoTime();
        int rounds = rounds();
        // PostgreSQL: one database for every run (the names differ), as a new one costs a second
        shared = store == Backend.POSTGRESQL ? PostgresCluster.get().newStore() : null;
        Map<Point, Integer> counts = run(store, plan(store, rounds), rounds).counts();
        List<String> covered = new ArrayList<>();
        int points = 0;
        for (Point p : kinds(store, rounds)) {
            List<Fault> faults = switch (p) {
                case LOG_WRITE -> List.of(Fault.DISK_FULL);
                case LOG_SYNC -> List.of(Fault.IO_ERROR);
                case SQL_WRITE -> List.of(Fault.DISK_FULL, Fault.IO_ERROR);
                case SQL_COMMIT -> List.of(Fault.IO_ERROR, Fault.IO_ERROR_AFTER);
            };
            int count = counts.get(p);
            for (int n = 1; n <= count; n++) {
                Fault f = faults.get(n % faults.size()); // alternating, so each kind of fault meets each part of the sequence
                FaultPlan plan = plan(store, rounds).at(p, n, f);
                run(store, plan, rounds);
                points++;
            }
            covered.add(p + " " + count);
        }
        Map<String, Long> outcomes = new TreeMap<>(tallies.stream().filter(t -> !t.isEmpty())
                .collect(Collectors.groupingBy(t -> t, Collectors.counting())));
        System.out.printf("WriteFaultTest %s: %d rounds, %d fault points (%s), %d runs in %d ms; outcomes %s%n", store, rounds,
                points, String.join(", ", covered), runs, (System.nanoTime() - started) / 1_000_000, outcomes);
        assertThat(counts.get(Point.SQL_COMMIT)).as("the sequence reaches commits").isPositive();
        if (store == Backend.SQLITE) {
            assertThat(counts.get(Point.LOG_SYNC)).as("the sequence reaches the message log").isPositive();
        }
    }

    /**
     * The kinds of points failed in turn: every kind; but on PostgreSQL in the default suite (a run costs
     * about three times SQLite's there) only the commits that store messages or change groups, where "may or
     * may not" is decided in the batch paths of its own ({@link #PG_DEFAULT}).
     */
    private static List<Point> kinds(Backend store, int rounds) {
        if (store == Backend.POSTGRESQL && rounds == 0) {
            return List.of(Point.SQL_COMMIT);
        }
        return List.of(Point.values());
    }

    /** The commits PostgreSQL's default run fails: those whose transaction wrote messages or groups. */
    static final String PG_DEFAULT = "messages|group";

    private static FaultPlan plan(Backend store, int rounds) {
        FaultPlan plan = new FaultPlan(store == Backend.SQLITE);
        return store == Backend.POSTGRESQL && rounds == 0 ? plan.only(PG_DEFAULT) : plan;
    }

    /** The PostgreSQL database every run shares, or null for SQLite (a new directory a run). */
    private PostgresSettings shared;

    /** One run of the sequence on a new store with {@code plan}, checked after a clean restart. */
    private FaultPlan run(Backend store, FaultPlan plan, int rounds) {
        runs++;
        Path dir = tmp.resolve("run" + runs);
        try (ServerFixture fx = new ServerFixture(dir, b -> (shared == null ? b : b.postgres(shared)).storageIo(plan))) {
            plan.arm(); // the store's start is not part of the sequence
            FaultSequence sequence = new FaultSequence(fx, "r" + runs);
            sequence.run(Math.max(1, rounds), rounds > 0 ? FaultSequence.Length.FULL
                    : store == Backend.SQLITE ? FaultSequence.Length.SHORT : FaultSequence.Length.TINY);
            plan.disarm();
            fx.restart();
            sequence.check();
            tallies.add(plan.fired() == null ? "" : sequence.tally());
            return plan;
        } catch (AssertionError e) {
            throw new AssertionError("with " + plan + (plan.fired() == null ? " (it never fired)" : ", fired: " + plan.fired())
                    + ": " + e.getMessage(), e);
        }
    }
}
