package org.wirechat.server.storage;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.Collection;
import java.util.IdentityHashMap;
import java.util.Map;
import org.wirechat.server.PostgresCluster;
import org.wirechat.server.PostgresSettings;
import org.wirechat.server.core.port.Cluster;
import org.wirechat.server.core.port.LiveNotice;
import org.wirechat.server.core.port.Storage;
import org.wirechat.server.core.rules.Decisions;

/** The store contract on PostgreSQL: a database of its own for each store, in the tests' throwaway cluster. */
class PostgresStoreContractTest extends StoreContract {
    private final Map<Storage, PostgresSettings> settings = new IdentityHashMap<>();

    /** A pool of 4 (the writer's connection, a listener's, reads beside them): fewer connections to start than a server's. */
    @Override
    Storage open() {
        PostgresCluster cluster = PostgresCluster.get();
        return openOn(new PostgresSettings(cluster.url(cluster.newDatabase()), new char[0], 4));
    }

    /** Opened as a server opens it: listening to the other servers' changes (here, to nobody's). */
    private Storage openOn(PostgresSettings on) {
        PostgresStore s = PostgresStore.open(Decisions.RULES, on.target(), e -> { });
        s.cluster().listen(new Cluster.Changes() {
            @Override
            public void inbox(long accountId) {
            }

            @Override
            public void tokenRevoked(byte[] tokenHash) {
            }

            @Override
            public void accountDeleted(long accountId) {
            }

            @Override
            public void missedSome() {
            }

            @Override
            public void live(Collection<Long> accountIds, LiveNotice notice) {
            }
        });
        settings.put(s, on);
        return s;
    }

    @Override
    Storage reopen(Storage store) {
        PostgresSettings on = settings.remove(store);
        store.close();
        return openOn(on);
    }

    /**
     * Every connection of the store cut at once (as when its server dies or the database restarts), then a new
     * store on the same database, as the restarted server would open.
     */
    @Override
    Storage crash(Storage store) throws SQLException {
        PostgresSettings on = settings.remove(store);
        try (Connection c = DriverManager.getConnection(on.jdbcUrl());
                PreparedStatement ps = c.prepareStatement("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                        + " WHERE datname = current_database() AND pid <> pg_backend_pid()")) {
            ps.executeQuery().close();
        }
        store.close();
        return openOn(on);
    }

    @Override
    void whileWriterHeld(Storage store, Runnable meanwhile) {
        ((PostgresStore) store).whileWriterHeld(meanwhile);
    }

    @Override
    void settle(Storage store) {
        // answered is committed: nothing runs after the answer
    }

    @Override
    Storage openBackup(Path copy) {
        return null; // pg_dump's
    }

    @Override
    boolean sharedByServers() {
        return true;
    }
}
