package org.wirechat.model;

import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AddLifecycleHook;
import net.jqwik.api.lifecycle.AfterProperty;
import net.jqwik.api.state.ActionChain;
import org.wirechat.model.ModelRun.Combo;
import org.wirechat.model.ModelRun.Transport;
import org.wirechat.server.Backend;

/**
 * Random sequences of operations by several users and devices, run one request at a time against a real
 * server, every answer compared with the model's ({@link ChatModel}): on both stores and both transports,
 * the same steps and the same model. One server per property run; each sequence has names of its own.
 * jqwik prints the seed and, on a failure, the shortest failing sequence it found; the failure names the
 * store and transport. The switches of {@link ModelRun} select combinations and set the tries.
 */
class SequentialModelProperties {
    private static final int STEPS = 30;

    private ModelServer server;

    @Property
    @AddLifecycleHook(ModelRun.Hook.class)
    @Combo(store = Backend.SQLITE, transport = Transport.WIRE, tries = 60)
    void sqliteOverWire(@ForAll("sequences") ActionChain<Sequence> chain) {
        run(Backend.SQLITE, Transport.WIRE, chain);
    }

    @Property
    @AddLifecycleHook(ModelRun.Hook.class)
    @Combo(store = Backend.SQLITE, transport = Transport.GRPC, tries = 60)
    void sqliteOverGrpc(@ForAll("sequences") ActionChain<Sequence> chain) {
        run(Backend.SQLITE, Transport.GRPC, chain);
    }

    // PostgreSQL: 20 sequences each, not 60 as on SQLite — a sequence there took 0.5-0.9 s against 0.1-0.2 s in the
    // full suite (89 of the class's 107 s); scripts/model-soak runs thousands on each store
    @Property
    @AddLifecycleHook(ModelRun.Hook.class)
    @Combo(store = Backend.POSTGRESQL, transport = Transport.WIRE, tries = 20)
    void postgresqlOverWire(@ForAll("sequences") ActionChain<Sequence> chain) {
        run(Backend.POSTGRESQL, Transport.WIRE, chain);
    }

    @Property
    @AddLifecycleHook(ModelRun.Hook.class)
    @Combo(store = Backend.POSTGRESQL, transport = Transport.GRPC, tries = 20)
    void postgresqlOverGrpc(@ForAll("sequences") ActionChain<Sequence> chain) {
        run(Backend.POSTGRESQL, Transport.GRPC, chain);
    }

    private void run(Backend store, Transport transport, ActionChain<Sequence> chain) {
        if (server == null) {
            server = new ModelServer(store, transport);
        }
        chain.run();
    }

    @Provide
    Arbitrary<ActionChain<Sequence>> sequences() {
        return Steps.chains(() -> server.sequence(), STEPS);
    }

    @AfterProperty
    void stop() {
        if (server != null) {
            System.out.println(getClass().getSimpleName() + ": " + server.sequences() + " sequences run");
            server.close();
            server = null;
        }
    }
}
