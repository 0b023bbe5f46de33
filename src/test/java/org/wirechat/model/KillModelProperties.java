package org.wirechat.model;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.stream.Stream;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.EdgeCasesMode;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.ShrinkingMode;
import net.jqwik.api.lifecycle.AddLifecycleHook;
import net.jqwik.api.lifecycle.AfterContainer;
import org.wirechat.server.Backend;

/**
 * SIGKILL at random points of random operation sequences (accounts, device logins, direct and group
 * sends with client message ids, fetch and acknowledge, group changes, bursts of sends from several
 * connections killed mid-flight), a restart on the same store, and the view checked against what was
 * acknowledged ({@link KillLedger}): on SQLite with the message log and on PostgreSQL, over the wire
 * protocol and gRPC. jqwik prints each property's seed and shrinks a failure to its shortest sequence;
 * {@code scripts/model-soak} runs it long ({@code -Dwirechat.model.tries=N}, {@link KillSettings}).
 */
class KillModelProperties {
    /** Per store: sequences, kills, server starts, milliseconds. */
    private static final Map<Backend, AtomicLongArray> totals = new ConcurrentHashMap<>();

    @Property(shrinking = ShrinkingMode.BOUNDED, edgeCases = EdgeCasesMode.NONE)
    @AddLifecycleHook(KillSettings.class)
    void sqliteKeepsWhatItAcknowledged(@ForAll("sequences") List<KillOp> ops) throws Exception {
        check(Backend.SQLITE, ops);
    }

    @Property(shrinking = ShrinkingMode.BOUNDED, edgeCases = EdgeCasesMode.NONE)
    @AddLifecycleHook(KillSettings.class)
    void postgresqlKeepsWhatItAcknowledged(@ForAll("sequences") List<KillOp> ops) throws Exception {
        check(Backend.POSTGRESQL, ops);
    }

    @Provide
    Arbitrary<List<KillOp>> sequences() {
        return KillOp.sequences();
    }

    static void check(Backend store, List<KillOp> ops) throws Exception {
        Path dir = Files.createTempDirectory("wirechat-kill-");
        long start = System.nanoTime();
        List<String> problems;
        try (KillRun run = new KillRun(store, KillSettings.transports(), dir)) {
            problems = run.run(ops);
            AtomicLongArray t = totals.computeIfAbsent(store, s -> new AtomicLongArray(4));
            t.incrementAndGet(0);
            t.addAndGet(1, run.kills());
            t.addAndGet(2, run.starts());
            t.addAndGet(3, (System.nanoTime() - start) / 1_000_000);
            if (!problems.isEmpty()) {
                throw new AssertionError(store + " over " + KillSettings.transports() + ", " + run.kills() + " kills, "
                        + run.ledger() + "; data and server logs kept in " + dir + ":\n  " + String.join("\n  ", problems));
            }
        }
        deleteTree(dir);
    }

    @AfterContainer
    static void report() {
        totals.forEach((store, t) -> System.out.printf("kill sequences on %s: %d sequences, %d kills, %d server starts, %.1f s%n",
                store.name().toLowerCase(), t.get(0), t.get(1), t.get(2), t.get(3) / 1000.0));
    }

    private static void deleteTree(Path dir) throws IOException {
        try (Stream<Path> all = Files.walk(dir)) {
            all.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        }
    }
}
