package org.wirechat.server.core.admission;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.wirechat.server.cluster.LocalCluster;

/**
 * The one admission of both transports: --max-connections and --max-connections-per-address at, below and
 * above their edges, a wire connection ({@link Connection.Logins#ONE}) and an HTTP/2 one ({@link
 * Connection.Logins#MANY}) counting together; the request bucket at its edge; presence as each kind holds it.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class AdmissionTest {
    private final Presence presence = new Presence(new LocalCluster());
    private final AtomicLong now = new AtomicLong(1_000);
    private final List<Admission.Limit> refusals = new ArrayList<>();

    @AfterEach
    void stop() {
        presence.close();
    }

    private Admission admission(int maxConnections, int perAddress) {
        return new Admission(maxConnections, AbuseLimits.NONE.withConnectionsPerAddress(perAddress).withRequestRate(2, 3),
                presence, now::get);
    }

    private Optional<Connection> open(Admission a, String address, Connection.Logins logins) {
        return a.open(address, logins, refusals::add);
    }

    @Test
    void maxConnectionsCountsBothTransportsTogether() {
        Admission a = admission(3, 100);
        Connection wire = open(a, "192.0.2.1", Connection.Logins.ONE).orElseThrow();
        open(a, "192.0.2.2", Connection.Logins.MANY).orElseThrow();
        assertThat(a.open()).as("below the edge").isEqualTo(2);
        open(a, "192.0.2.3", Connection.Logins.MANY).orElseThrow();
        assertThat(a.open()).as("at the edge").isEqualTo(3);
        assertThat(refusals).isEmpty();

        assertThat(open(a, "192.0.2.4", Connection.Logins.ONE)).as("above the edge, a wire connection").isEmpty();
        assertThat(open(a, "192.0.2.4", Connection.Logins.MANY)).as("above the edge, an HTTP/2 connection").isEmpty();
        assertThat(refusals).containsExactly(Admission.Limit.CONNECTIONS, Admission.Limit.CONNECTIONS);
        assertThat(a.open()).as("a refusal counts nothing").isEqualTo(3);
        assertThat(a.openFrom("192.0.2.4")).isZero();

        wire.close();
        assertThat(a.open()).isEqualTo(2);
        assertThat(open(a, "192.0.2.4", Connection.Logins.MANY)).as("a place freed by the other transport").isPresent();
    }

    @Test
    void perAddressCountsBothTransportsTogether() {
        Admission a = admission(100, 2);
        Connection wire = open(a, "192.0.2.1", Connection.Logins.ONE).orElseThrow();
        assertThat(a.openFrom("192.0.2.1")).as("below the edge").isEqualTo(1);
        Connection http2 = open(a, "192.0.2.1", Connection.Logins.MANY).orElseThrow();
        assertThat(a.openFrom("192.0.2.1")).as("at the edge: one wire and one HTTP/2 connection").isEqualTo(2);

        assertThat(open(a, "192.0.2.1", Connection.Logins.ONE)).as("above the edge, a wire connection").isEmpty();
        assertThat(open(a, "192.0.2.1", Connection.Logins.MANY)).as("above the edge, an HTTP/2 connection").isEmpty();
        assertThat(refusals).containsExactly(Admission.Limit.PER_ADDRESS, Admission.Limit.PER_ADDRESS);
        assertThat(a.open()).as("a refusal counts nothing, in all either").isEqualTo(2);
        assertThat(open(a, "192.0.2.2", Connection.Logins.ONE)).as("another address is not held up").isPresent();

        http2.close();
        http2.close(); // a second close releases nothing more
        assertThat(a.openFrom("192.0.2.1")).isEqualTo(1);
        assertThat(a.open()).isEqualTo(2);
        assertThat(open(a, "192.0.2.1", Connection.Logins.ONE)).as("the place the HTTP/2 connection freed").isPresent();
        wire.close();
        assertThat(a.openFrom("192.0.2.1")).isEqualTo(1);
    }

    @Test
    void theRequestBucketAtBelowAndAboveItsEdge() {
        Connection c = open(admission(10, 10), "192.0.2.1", Connection.Logins.ONE).orElseThrow(); // burst 3, 2 a second
        assertThat(c.take(now.get())).as("1 of 3").isZero();
        assertThat(c.take(now.get())).as("2 of 3").isZero();
        assertThat(c.take(now.get())).as("3 of 3: the edge").isZero();
        long wait = c.take(now.get());
        assertThat(wait).as("above the edge: half a second until the next").isEqualTo(Duration.ofMillis(500).toNanos());
        now.addAndGet(wait - 1);
        assertThat(c.take(now.get())).as("a nanosecond early").isPositive();
        now.addAndGet(1);
        assertThat(c.take(now.get())).as("refilled").isZero();
        Connection other = open(admission(10, 10), "192.0.2.1", Connection.Logins.MANY).orElseThrow();
        assertThat(other.take(now.get())).as("each connection its own bucket").isZero();
    }

    @Test
    void aWireConnectionHoldsOneAccountOnline() {
        Connection c = open(admission(10, 10), "192.0.2.1", Connection.Logins.ONE).orElseThrow();
        c.authenticatedAs(1);
        c.authenticatedAs(1);
        assertThat(presence.online(List.of(1L, 2L))).containsExactly(1L);
        c.authenticatedAs(2);
        assertThat(presence.online(List.of(1L, 2L))).as("another account's token replaces the first").containsExactly(2L);
        assertThat(c.lastAccount()).isEqualTo(2);
        c.loggedOut(2);
        assertThat(presence.online(List.of(1L, 2L))).isEmpty();
        assertThat(c.lastAccount()).isEqualTo(-1);
        c.authenticatedAs(1);
        c.close();
        assertThat(presence.online(List.of(1L, 2L))).as("offline as it closes").isEmpty();
        c.authenticatedAs(1);
        assertThat(presence.online(List.of(1L))).as("a closed connection holds nobody").isEmpty();
    }

    @Test
    void anHttp2ConnectionHoldsEveryAccountThatCalledOnIt() {
        Admission a = admission(10, 10);
        Connection gateway = open(a, "192.0.2.1", Connection.Logins.MANY).orElseThrow();
        Connection wire = open(a, "192.0.2.2", Connection.Logins.ONE).orElseThrow();
        gateway.authenticatedAs(1);
        gateway.authenticatedAs(2);
        wire.authenticatedAs(2);
        assertThat(gateway.accounts()).isEqualTo(Set.of(1L, 2L));
        gateway.loggedOut(1);
        assertThat(presence.online(List.of(1L, 2L))).as("one account logs out, the other stays").containsExactly(2L);
        gateway.close();
        assertThat(presence.online(List.of(1L, 2L))).as("still online on its wire connection").containsExactly(2L);
        wire.close();
        assertThat(presence.online(List.of(1L, 2L))).isEmpty();
    }

    /** Connections accepted at once on both transports never pass --max-connections together (one atomic count). */
    @RepeatedTest(5)
    void connectionsOpenedAtOnceOnBothTransportsFillTheLimitExactly() throws Exception {
        Admission a = admission(50, 1_000);
        assertThat(race(a, false)).as("of 160 attempts from 8 addresses, 50 in all").hasSize(50);
        assertThat(a.open()).isEqualTo(50);
    }

    /** The same per address: wire and HTTP/2 connections from one address at once never pass its limit together. */
    @RepeatedTest(5)
    void connectionsFromOneAddressAtOnceFillItsLimitExactly() throws Exception {
        Admission a = admission(1_000, 30);
        List<Connection> admitted = race(a, true);
        assertThat(admitted).as("of 160 attempts from one address, 30").hasSize(30);
        assertThat(a.openFrom("192.0.2.1")).isEqualTo(30);
        admitted.forEach(Connection::close);
        assertThat(a.open()).isZero();
        assertThat(a.openFrom("192.0.2.1")).isZero();
    }

    /** 8 threads (half of them wire connections, half HTTP/2 ones) each open 20 at once; the connections admitted. */
    private static List<Connection> race(Admission a, boolean oneAddress) throws Exception {
        int threads = 8;
        ConcurrentLinkedQueue<Connection> admitted = new ConcurrentLinkedQueue<>();
        CountDownLatch go = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                Connection.Logins logins = t % 2 == 0 ? Connection.Logins.ONE : Connection.Logins.MANY;
                String address = oneAddress ? "192.0.2.1" : "192.0.2." + (t + 1);
                done.add(pool.submit(() -> {
                    go.await();
                    for (int i = 0; i < 20; i++) {
                        a.open(address, logins, limit -> { }).ifPresent(admitted::add);
                    }
                    return null;
                }));
            }
            go.countDown();
            for (Future<?> f : done) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
        return List.copyOf(admitted);
    }
}
