package org.wirechat.server;

import java.nio.file.Path;
import java.util.function.Consumer;
import org.wirechat.server.cluster.LocalCluster;
import org.wirechat.server.core.port.Cluster;
import org.wirechat.server.core.port.Storage;
import org.wirechat.server.core.rules.Decisions;
import org.wirechat.server.data.DataDirectory;
import org.wirechat.server.storage.PostgresStore;

/**
 * The store the configuration names, with the cluster that goes with it: SQLite and the message log in the
 * data directory (the default, opened by {@link DataDirectory}, which checks the directory first; a server alone,
 * with a {@link LocalCluster}), or a PostgreSQL database that
 * several servers share (the store then gives the cluster they tell each other through, over the same database). This is the one
 * place that knows which store the server has; everything else sees a {@link Storage} and a {@link Cluster}.
 *
 * @param store where the data is
 * @param cluster the servers sharing that store
 * @param holdsDataDirectory whether the store holds the data directory's lock itself (SQLite does)
 */
record Stores(Storage store, Cluster cluster, boolean holdsDataDirectory) {

    /**
     * Opens the configured store; {@code onFatal} hears of a failure that must stop the server (its writer died).
     *
     * @throws org.wirechat.server.core.port.StoreException it cannot be opened
     */
    static Stores open(ServerConfig config, Consumer<Throwable> onFatal) {
        if (config.postgres() == null) {
            return new Stores(DataDirectory.open(Decisions.RULES, config.dataDir(), onFatal, config.storageIo()), new LocalCluster(), true);
        }
        PostgresStore shared = PostgresStore.open(Decisions.RULES, config.postgres().target(), onFatal, config.storageIo());
        return new Stores(shared, shared.cluster(), false);
    }

    /**
     * The data directory's lock, for the administration socket there: {@code null} when the store holds it
     * already (SQLite), else taken now, so that this server's socket there is its own (PostgreSQL).
     */
    AutoCloseable lockForAdministration(Path dataDir) {
        return holdsDataDirectory ? null : DataDirectory.lockForAdministration(dataDir);
    }

    /** The file descriptors the configured store holds at most: none of its own beyond the headroom, or a PostgreSQL pool and its listener. */
    static int descriptors(ServerConfig config) {
        return config.postgres() == null ? 0 : config.postgres().poolSize() + 1;
    }
}
