package org.wirechat.server.storage;

import static org.assertj.core.api.Assertions.assertThat;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.wirechat.server.PostgresCluster;
import org.wirechat.server.PostgresSettings;
import org.wirechat.server.core.port.Account;
import org.wirechat.server.core.port.SendOutcome;
import org.wirechat.server.core.rules.Decisions;

/**
 * The statements of PostgreSQL's steady batch (docs/architecture.md §3.5, docs/storage_design.md): direct SENDs and
 * acknowledgements, their senders' names known and their devices' marks made, decided in 7 statements and the commit
 * — the lock statement, the marks, the floors, the retries, the ids, the insert, the received counts — whatever the
 * rule that decides them. Counted on the writer's connection, as the store prepares them.
 */
class PostgresBatchStatementsTest {

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void aSteadyBatchOfSendsAndAcknowledgementsIsSevenStatements() {
        List<String> prepared = Collections.synchronizedList(new ArrayList<>());
        StorageIo counting = new StorageIo() {
            @Override
            public Connection writeThrough(Connection opened) {
                return (Connection) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {Connection.class},
                        (proxy, method, args) -> {
                            if (method.getName().equals("prepareStatement") || method.getName().equals("createStatement")) {
                                prepared.add(args == null ? "(created)" : String.valueOf(args[0]));
                            }
                            try {
                                return method.invoke(opened, args);
                            } catch (InvocationTargetException e) {
                                throw e.getCause();
                            }
                        });
            }
        };
        PostgresCluster cluster = PostgresCluster.get();
        try (PostgresStore store = PostgresStore.open(Decisions.RULES, new PostgresSettings(cluster.url(cluster.newDatabase()), new char[0], 4).target(),
                e -> { }, counting)) {
            Account alice = store.create("alice", "Alice", "hash", 1).orElseThrow();
            Account bob = store.create("bob", "Bob", "hash", 1).orElseThrow();
            // warm: each sender's name learnt, each default device's mark made (its first acknowledgement's row)
            long toBob = StoreContract.stored(store.send(alice.id(), "bob", "w1", "warm", 10, 100));
            long toAlice = StoreContract.stored(store.send(bob.id(), "alice", "w2", "warm", 10, 100));
            store.acknowledgeLater(bob.id(), "", toBob, 11);
            store.acknowledgeLater(alice.id(), "", toAlice, 11);
            long third = StoreContract.stored(store.send(alice.id(), "bob", "w3", "after the acknowledgements", 12, 100));

            List<CompletableFuture<SendOutcome>> sent = new ArrayList<>();
            List<String> batch = new ArrayList<>();
            store.whileWriterHeld(() -> {
                prepared.clear(); // the writer is held: nothing of it runs until this returns
                sent.add(store.sendLater(alice.id(), "bob", "s1", "one", 20, 100));
                sent.add(store.sendLater(bob.id(), "alice", "s2", "two", 20, 100));
                store.acknowledgeLater(bob.id(), "", third, 21);
                store.acknowledgeLater(alice.id(), "", toAlice, 21);
            });
            sent.forEach(f -> assertThat(f.join()).isInstanceOf(SendOutcome.Stored.class));
            batch.addAll(prepared);
            assertThat(batch).as("the steady batch's statements: %s", batch).hasSize(7);
        }
    }
}
