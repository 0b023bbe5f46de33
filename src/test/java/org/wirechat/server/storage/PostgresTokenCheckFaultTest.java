package org.wirechat.server.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.wirechat.grpc.v1.AckRequest;
import org.wirechat.grpc.v1.ChatGrpc;
import org.wirechat.protocol.ErrorCode;
import org.wirechat.protocol.Request;
import org.wirechat.protocol.Response;
import org.wirechat.server.Backend;
import org.wirechat.server.ServerFixture;
import org.wirechat.server.TestConnection;

/**
 * A storage fault met synchronously, before a SEND is queued — its token check reading the database — is
 * answered STORAGE_UNAVAILABLE ("nothing was stored", with the wait), as a fault in the write is: Chat.submit
 * maps it, whichever handler or common step met it. The server's backend doing the read is terminated from a
 * connection of the test's own while the read waits on the test's lock of the tokens table.
 */
@Timeout(120)
class PostgresTokenCheckFaultTest {
    private static final Duration DEADLINE = Duration.ofSeconds(30);

    @TempDir
    Path tmp;

    @Test
    void aTokenCheckTheDatabaseCannotAnswerIsStorageUnavailableAndNothingIsStored() throws Exception {
        try (ServerFixture fx = new ServerFixture(Backend.POSTGRESQL, tmp)) {
            String a;
            try (TestConnection alice = fx.connect(); TestConnection bob = fx.connect()) {
                a = fx.register(alice, "alice");
                fx.register(bob, "bob");
            }
            fx.restart(); // the token is no longer cached: the SEND's token check reads the database
            try (Connection own = fx.database(); TestConnection alice = fx.connect()) {
                own.setAutoCommit(false);
                own.createStatement().execute("LOCK TABLE tokens IN ACCESS EXCLUSIVE MODE");
                CompletableFuture<Integer> killed = CompletableFuture.supplyAsync(() -> terminateTheWaitingRead(fx, "tokens"));

                Response.Error e = alice.error(new Request.Send(a, "bob", "first-try", "hello"), ErrorCode.STORAGE_UNAVAILABLE);
                assertThat(killed.join()).as("the server's blocked read was terminated").isPositive();
                assertThat(e.reason()).contains("nothing was stored").contains("try again in");
                own.rollback(); // the lock released

                alice.ok(new Request.Send(a, "bob", "second-try", "hello"), Response.Sent.class); // no restart needed
            }
            try (Connection db = fx.database(); ResultSet rs = db.createStatement().executeQuery("SELECT count(*) FROM messages")) {
                rs.next();
                assertThat(rs.getInt(1)).as("only the retry stored").isEqualTo(1);
            }
        }
    }

    /** The same over gRPC, on Ack: UNAVAILABLE with the STORAGE_UNAVAILABLE trailers (it was UNKNOWN without them). */
    @Test
    void anAckWhoseTokenCheckTheDatabaseCannotAnswerIsUnavailableWithTheStorageTrailers() throws Exception {
        try (ServerFixture fx = new ServerFixture(Backend.POSTGRESQL, tmp, b -> b.grpcPort(0))) {
            String a;
            try (TestConnection alice = fx.connect()) {
                a = fx.register(alice, "alice");
            }
            fx.restart(); // the token is no longer cached: the Ack's token check reads the database
            ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", fx.server().grpcPort().orElseThrow())
                    .usePlaintext().build();
            Metadata bearer = new Metadata();
            bearer.put(Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER), "Bearer " + a);
            var chat = ChatGrpc.newBlockingStub(channel).withInterceptors(MetadataUtils.newAttachHeadersInterceptor(bearer));
            try (Connection own = fx.database()) {
                own.setAutoCommit(false);
                own.createStatement().execute("LOCK TABLE tokens IN ACCESS EXCLUSIVE MODE");
                CompletableFuture<Integer> killed = CompletableFuture.supplyAsync(() -> terminateTheWaitingRead(fx, "tokens"));

                StatusRuntimeException e = catchThrowableOfType(StatusRuntimeException.class,
                        () -> chat.withDeadlineAfter(30, TimeUnit.SECONDS).ack(AckRequest.newBuilder().setThroughId(1).build()));
                assertThat(killed.join()).as("the server's blocked read was terminated").isPositive();
                assertThat(e).as("the Ack refused").isNotNull();
                assertThat(e.getStatus().getCode()).isEqualTo(Status.Code.UNAVAILABLE);
                assertThat(e.getTrailers().get(Metadata.Key.of("wirechat-error-name", Metadata.ASCII_STRING_MARSHALLER)))
                        .isEqualTo("STORAGE_UNAVAILABLE");
                assertThat(e.getTrailers().get(Metadata.Key.of("wirechat-retry-after-ms", Metadata.ASCII_STRING_MARSHALLER)))
                        .isNotNull();
                own.rollback();

                chat.withDeadlineAfter(30, TimeUnit.SECONDS).ack(AckRequest.newBuilder().setThroughId(1).build()); // no restart needed
            } finally {
                channel.shutdownNow();
            }
        }
    }

    /**
     * Any other read the same way: HISTORY with its token cached, so its only read is the messages'. It was
     * answered INTERNAL_ERROR (and the connection closed), every autocommitted read being taken for a write
     * whose outcome a lost connection leaves unknown.
     */
    @Test
    void aHistoryTheDatabaseCannotAnswerIsStorageUnavailable() throws Exception {
        try (ServerFixture fx = new ServerFixture(Backend.POSTGRESQL, tmp); TestConnection alice = fx.connect();
                TestConnection bob = fx.connect()) {
            String a = fx.register(alice, "alice");
            fx.register(bob, "bob");
            alice.ok(new Request.Send(a, "bob", "c1", "hello"), Response.Sent.class);
            alice.ok(new Request.History(a, "bob", 0, 10), Response.Conversation.class); // the token is cached now
            try (Connection own = fx.database()) {
                own.setAutoCommit(false);
                own.createStatement().execute("LOCK TABLE messages IN ACCESS EXCLUSIVE MODE");
                CompletableFuture<Integer> killed = CompletableFuture.supplyAsync(() -> terminateTheWaitingRead(fx, "messages"));

                alice.error(new Request.History(a, "bob", 0, 10), ErrorCode.STORAGE_UNAVAILABLE);
                assertThat(killed.join()).as("the server's blocked read was terminated").isPositive();
                own.rollback();
            }
            assertThat(alice.ok(new Request.History(a, "bob", 0, 10), Response.Conversation.class).messages())
                    .extracting(Response.Message::body).containsExactly("hello"); // the same connection, no restart
        }
    }

    /** Polls (with a deadline) for the server's backend waiting on the test's lock, and terminates it. */
    private static int terminateTheWaitingRead(ServerFixture fx, String table) {
        long deadline = System.nanoTime() + DEADLINE.toNanos();
        try (Connection watcher = fx.database();
                PreparedStatement find = watcher.prepareStatement("SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
                        + " AND wait_event_type = 'Lock' AND query LIKE '%FROM " + table + "%'");
                PreparedStatement kill = watcher.prepareStatement("SELECT pg_terminate_backend(?, 10000)")) {
            while (System.nanoTime() < deadline) {
                try (ResultSet rs = find.executeQuery()) {
                    if (rs.next()) {
                        int pid = rs.getInt(1);
                        kill.setInt(1, pid);
                        try (ResultSet k = kill.executeQuery()) {
                            k.next();
                            return k.getBoolean(1) ? pid : -1;
                        }
                    }
                }
                Thread.onSpinWait();
            }
            return -1;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
