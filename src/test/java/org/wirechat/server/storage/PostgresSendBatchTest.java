package org.wirechat.server.storage;

import org.wirechat.server.PostgresCluster;

class PostgresSendBatchTest extends SendBatchTest {
    @Override
    Store open() {
        PostgresCluster cluster = PostgresCluster.get();
        return PostgresStore.open(new PostgresSettings(cluster.url(cluster.newDatabase()), new char[0], 4), e -> { });
    }

    @Override
    void whileWriterHeld(Store store, Runnable meanwhile) {
        ((PostgresStore) store).whileWriterHeld(meanwhile);
    }
}
