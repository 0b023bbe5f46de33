package org.wirechat.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.wirechat.server.ServerFixture.PASSWORD;
import static org.wirechat.server.ServerFixture.send;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.RepetitionInfo;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.wirechat.protocol.ErrorCode;
import org.wirechat.protocol.Request;
import org.wirechat.protocol.Response;

class ConcurrencyTest {
    @TempDir
    Path dir;
    ServerFixture fx;
    ExecutorService threads;

    /** SQLite here; {@code PostgresConcurrencyTest} runs every test again on PostgreSQL. */
    Backend backend() {
        return Backend.SQLITE;
    }

    @BeforeEach
    void start() {
        fx = new ServerFixture(backend(), dir, b -> b.maxFetchWait(Duration.ofMinutes(10)));
        threads = Executors.newVirtualThreadPerTaskExecutor();
    }

    @AfterEach
    void stop() {
        threads.shutdownNow();
        fx.close();
    }

    @RepeatedTest(3)
    void exactlyOneOfAHundredConcurrentCreatesOfOneNameSucceeds(RepetitionInfo rep) throws Exception {
        String name = "racer" + rep.getCurrentRepetition();
        CountDownLatch ready = new CountDownLatch(100);
        CountDownLatch go = new CountDownLatch(1);
        List<Future<Response>> results = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            // the same name in different cases: uniqueness ignores case
            String spelling = i % 2 == 0 ? name : name.toUpperCase();
            results.add(threads.submit(() -> {
                try (TestConnection c = fx.connect()) {
                    c.ok(new Request.Ping(), Response.Pong.class);
                    ready.countDown();
                    go.await();
                    return c.call(new Request.CreateAccount(spelling, "Racer", PASSWORD));
                }
            }));
        }
        ready.await();
        go.countDown();
        int created = 0;
        for (Future<Response> f : results) {
            Response r = f.get();
            if (r instanceof Response.AccountCreated) {
                created++;
            } else {
                assertThat(((Response.Error) r).code()).isEqualTo(ErrorCode.USERNAME_TAKEN);
            }
        }
        assertThat(created).isEqualTo(1);
    }

    /**
     * Issue 32's concurrent model found it: on PostgreSQL a password check counts itself as a failure in a
     * row it first made sure exists, then read under a lock — and another login's success, deleting that
     * row in between, left the read empty: the login was answered INTERNAL_ERROR and the connection closed.
     * Twenty rounds of 12 logins of one account at once (devices and the default device), from one address.
     */
    @Test
    void manyLoginsOfOneAccountAtOnceAreEachAnsweredNeverAnInternalError() throws Exception {
        try (TestConnection c = fx.connect()) {
            c.ok(new Request.CreateAccount("bob", "Bob", PASSWORD), Response.AccountCreated.class);
        }
        List<String> wrong = new ArrayList<>();
        for (int round = 0; round < 20; round++) {
            CountDownLatch ready = new CountDownLatch(12);
            CountDownLatch go = new CountDownLatch(1);
            List<Future<String>> logins = new ArrayList<>();
            for (int i = 0; i < 12; i++) {
                Request login = i % 3 == 0 ? new Request.Login("bob", PASSWORD) : new Request.LoginDevice("bob", PASSWORD, "d" + round + "." + i);
                logins.add(threads.submit(() -> {
                    try (TestConnection c = fx.connect()) {
                        c.ok(new Request.Ping(), Response.Pong.class);
                        ready.countDown();
                        go.await();
                        Response r = c.call(login);
                        return r instanceof Response.LoggedIn || r instanceof Response.DeviceLoggedIn ? null : r.toString();
                    } catch (AssertionError e) { // an error frame without the request's id (the server's internal error)
                        return e.getMessage();
                    }
                }));
            }
            ready.await();
            go.countDown();
            for (Future<String> f : logins) {
                String r = f.get();
                if (r != null) {
                    wrong.add("round " + round + ": " + r);
                }
            }
        }
        assertThat(wrong).as("logins of 240 answered otherwise than logged in").isEmpty();
    }

    @Test
    void concurrentSendersKeepPerRecipientOrder() throws Exception {
        int senders = 8;
        int each = 40;
        String bob;
        List<String> tokens = new ArrayList<>();
        try (TestConnection c = fx.connect()) {
            bob = fx.register(c, "bob");
            for (int s = 0; s < senders; s++) {
                tokens.add(fx.register(c, "sender" + s));
            }
        }
        CountDownLatch go = new CountDownLatch(1);
        List<Future<List<Long>>> sent = new ArrayList<>();
        for (int s = 0; s < senders; s++) {
            String token = tokens.get(s);
            int sender = s;
            sent.add(threads.submit(() -> {
                List<Long> ids = new ArrayList<>();
                try (TestConnection c = fx.connect()) {
                    go.await();
                    for (int i = 0; i < each; i++) {
                        ids.add(c.ok(send(token, "bob", sender + ":" + i), Response.Sent.class).messageId());
                    }
                }
                return ids;
            }));
        }
        go.countDown();
        for (Future<List<Long>> f : sent) {
            assertThat(f.get()).isSorted();
        }
        List<Response.Message> got;
        try (TestConnection c = fx.connect()) {
            got = c.ok(new Request.Fetch(bob, 0, 1000, 0), Response.Messages.class).messages();
        }
        assertThat(got).hasSize(senders * each);
        assertThat(got).extracting(Response.Message::id).isSorted().doesNotHaveDuplicates();
        Map<String, Integer> next = new HashMap<>();
        for (Response.Message m : got) {
            String[] parts = m.body().split(":");
            int expected = next.getOrDefault(parts[0], 0);
            assertThat(Integer.parseInt(parts[1])).as("order of sender %s", parts[0]).isEqualTo(expected);
            next.put(parts[0], expected + 1);
        }
    }

    @Test
    void aWaitingFetchIsWokenByASendFromAnotherConnection() throws Exception {
        try (TestConnection a = fx.connect(); TestConnection b = fx.connect()) {
            String alice = fx.register(a, "alice");
            String bob = fx.register(b, "bob");
            // waits up to 10 minutes unless woken; the JUnit timeout (60 s) fails the test if no wake-up comes
            CompletableFuture<Response> poll = CompletableFuture.supplyAsync(
                    () -> b.call(new Request.Fetch(bob, 0, 100, 600_000)), threads);
            Await.until("bob's fetch is waiting", () -> fx.server().waitingFetches() == 1);
            Response.Sent sent = a.ok(send(alice, "bob", "wake up"), Response.Sent.class);
            Response.Messages got = (Response.Messages) poll.get();
            assertThat(got.messages()).extracting(Response.Message::id).containsExactly(sent.messageId());
        }
    }

    @RepeatedTest(3)
    void aReceiverLongPollingWhileMessagesStreamInGetsEachOnceInOrder() throws Exception {
        int count = 300;
        try (TestConnection a = fx.connect(); TestConnection b = fx.connect()) {
            String alice = fx.register(a, "alice");
            String bob = fx.register(b, "bob");
            Future<List<Response.Message>> receiver = threads.submit(() -> {
                List<Response.Message> all = new ArrayList<>();
                long ack = 0;
                while (all.size() < count) {
                    List<Response.Message> batch = b.ok(new Request.Fetch(bob, ack, 7, 600_000), Response.Messages.class).messages();
                    all.addAll(batch);
                    if (!batch.isEmpty()) {
                        ack = batch.get(batch.size() - 1).id();
                    }
                }
                return all;
            });
            for (int i = 0; i < count; i++) {
                a.ok(send(alice, "bob", "n" + i), Response.Sent.class);
            }
            List<Response.Message> got = receiver.get();
            assertThat(got).extracting(Response.Message::body)
                    .containsExactlyElementsOf(java.util.stream.IntStream.range(0, count).mapToObj(i -> "n" + i).toList());
        }
    }
}
