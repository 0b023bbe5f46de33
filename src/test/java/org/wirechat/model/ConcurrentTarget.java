package org.wirechat.model;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.Locale;
import java.util.stream.Stream;
import org.wirechat.server.Backend;
import org.wirechat.server.GroupLimits;
import org.wirechat.server.ServerFixture;
import org.wirechat.server.TestConnection;
import org.wirechat.server.WireServer;

/**
 * A store and a transport the concurrent runs go through — with PostgreSQL also two servers on one
 * database, each account's devices on one of them (the spec's several-server exceptions are about one
 * account's devices on different servers; what crosses here is mail between accounts and group changes).
 * Which run is chosen by the model suite's switches: {@code -Dwirechat.model.stores=sqlite,postgresql},
 * {@code -Dwirechat.model.transports=wire,grpc} (both by default).
 */
enum ConcurrentTarget {
    SQLITE_WIRE(Backend.SQLITE, false, 1),
    SQLITE_GRPC(Backend.SQLITE, true, 1),
    POSTGRESQL_WIRE(Backend.POSTGRESQL, false, 1),
    POSTGRESQL_GRPC(Backend.POSTGRESQL, true, 1),
    POSTGRESQL_WIRE_TWO_SERVERS(Backend.POSTGRESQL, false, 2);

    final Backend backend;
    final boolean grpc;
    final int servers;

    ConcurrentTarget(Backend backend, boolean grpc, int servers) {
        this.backend = backend;
        this.grpc = grpc;
        this.servers = servers;
    }

    /** Chosen by {@code wirechat.model.stores} and {@code wirechat.model.transports}. */
    boolean selected() {
        return ModelRun.selected(backend) && ModelRun.selected(grpc ? ModelRun.Transport.GRPC : ModelRun.Transport.WIRE);
    }

    @Override
    public String toString() {
        return backend.name().toLowerCase(Locale.ROOT) + " over " + (grpc ? "gRPC" : "the wire protocol")
                + (servers > 1 ? ", " + servers + " servers on one database" : "");
    }

    /** Starts this target's servers (data in a new temporary directory). */
    Servers start() {
        try {
            return new Servers(this, Files.createTempDirectory("wirechat-concurrent"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The running servers of a target; connections to server {@code user % servers} for each user. */
    static final class Servers implements AutoCloseable {
        private final ConcurrentTarget target;
        private final Path dir;
        private final ServerFixture first;
        private final WireServer second;

        private Servers(ConcurrentTarget target, Path dir) throws IOException {
            this.target = target;
            this.dir = dir;
            this.first = new ServerFixture(target.backend, dir.resolve("a"),
                    b -> b.grpcPort(target.grpc ? 0 : -1).groups(GroupLimits.DEFAULTS.withMessageRate(10_000, 10_000)));
            if (target.grpc) {
                first.connectingOverGrpc();
            }
            this.second = target.servers < 2 ? null
                    : WireServer.start(first.config().toBuilder().port(0).dataDir(dir.resolve("b")).build(), first.clock);
        }

        /** A connection for user {@code user}'s devices: every device of one account goes to one server. */
        TestConnection connect(int user) {
            if (second != null && user % 2 == 1) {
                return new TestConnection(second.address());
            }
            return first.connect();
        }

        ConcurrentTarget target() {
            return target;
        }

        /** How many servers share the store. */
        int count() {
            return second == null ? 1 : 2;
        }

        /** FETCHes waiting on server {@code server} (0 or 1): connections for user {@code u} go to server {@code u % count()}. */
        int waitingFetches(int server) {
            return server == 1 ? second.waitingFetches() : first.server().waitingFetches();
        }

        @Override
        public void close() {
            if (second != null) {
                second.close();
            }
            first.close();
            try (Stream<Path> files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            } catch (IOException e) {
                // a temporary directory left behind is harmless
            }
        }
    }
}
