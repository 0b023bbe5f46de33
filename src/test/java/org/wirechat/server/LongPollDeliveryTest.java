package org.wirechat.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.wirechat.protocol.Request;
import org.wirechat.protocol.Response;

/**
 * A recipient long-polling while several senders write to it: every message arrives once, in id order,
 * each sender's in the order sent — whether a fetch read its inbox or was handed what was committed
 * while it waited.
 */
class LongPollDeliveryTest {
    /** SQLite here; {@code PostgresLongPollDeliveryTest} runs it again on PostgreSQL. */
    Backend backend() {
        return Backend.SQLITE;
    }

    @TempDir
    Path dir;

    @Test
    void aLongPollingRecipientGetsEveryMessageOnceInOrder() throws Exception {
        int senders = 4;
        int each = 500;
        try (ServerFixture fx = new ServerFixture(backend(), dir); ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();
                TestConnection bobConn = fx.connect()) {
            String bob = fx.register(bobConn, "bob");
            List<String> tokens = new ArrayList<>();
            List<TestConnection> conns = new ArrayList<>();
            for (int s = 0; s < senders; s++) {
                TestConnection c = fx.connect();
                conns.add(c);
                tokens.add(fx.register(c, "s" + s));
            }
            Future<List<Response.Message>> received = threads.submit(() -> {
                List<Response.Message> got = new ArrayList<>();
                long ack = 0;
                while (got.size() < senders * each) {
                    List<Response.Message> batch = bobConn.ok(new Request.Fetch(bob, ack, 7, 10_000), Response.Messages.class).messages();
                    got.addAll(batch);
                    if (!batch.isEmpty()) {
                        ack = batch.get(batch.size() - 1).id();
                    }
                }
                return got;
            });
            List<Future<?>> sending = new ArrayList<>();
            for (int s = 0; s < senders; s++) {
                TestConnection c = conns.get(s);
                String t = tokens.get(s);
                int sender = s;
                sending.add(threads.submit(() -> {
                    for (int i = 0; i < each; i++) {
                        c.ok(ServerFixture.send(t, "bob", sender + ":" + i), Response.Sent.class);
                    }
                    return null;
                }));
            }
            for (Future<?> f : sending) {
                f.get();
            }
            List<Response.Message> got = received.get();
            assertThat(got).hasSize(senders * each);
            assertThat(got).extracting(Response.Message::id).doesNotHaveDuplicates().isSorted();
            for (int s = 0; s < senders; s++) {
                String from = "s" + s;
                List<String> bodies = got.stream().filter(m -> m.sender().equals(from)).map(Response.Message::body).toList();
                List<String> expected = new ArrayList<>();
                for (int i = 0; i < each; i++) {
                    expected.add(s + ":" + i);
                }
                assertThat(bodies).as("from %s", from).containsExactlyElementsOf(expected);
            }
            assertThat(got).allSatisfy(m -> assertThat(m.recipient()).isEqualTo("bob"));
            assertThat(bobConn.ok(new Request.Fetch(bob, got.get(got.size() - 1).id(), 10, 0), Response.Messages.class)
                    .messages()).isEmpty();
            conns.forEach(TestConnection::close);
        }
    }
}
