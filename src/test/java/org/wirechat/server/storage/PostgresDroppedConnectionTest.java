package org.wirechat.server.storage;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.postgresql.PGConnection;
import org.wirechat.protocol.ErrorCode;
import org.wirechat.protocol.Request;
import org.wirechat.protocol.Response;
import org.wirechat.server.Backend;
import org.wirechat.server.ServerFixture;
import org.wirechat.server.TestConnection;
import org.wirechat.server.storage.FaultPlan.Fault;
import org.wirechat.server.storage.FaultPlan.Point;

/**
 * The server's PostgreSQL connection killed ({@code pg_terminate_backend}, from the test's own connection)
 * while a SEND batch is inside its transaction — the fault seam pauses the writer there — then: a definite
 * answer, the truth about what was stored, and the server storing again on a new connection, no restart.
 */
@Timeout(120)
class PostgresDroppedConnectionTest {
    @TempDir
    Path tmp;

    /** Killed before the batch's INSERT: nothing was stored, and the sender is told so (STORAGE_UNAVAILABLE). */
    @Test
    void aConnectionKilledBeforeTheInsertRefusesTheSendAndTheServerStoresOnAgain() throws Exception {
        FaultPlan plan = new FaultPlan(false);
        try (ServerFixture fx = new ServerFixture(Backend.POSTGRESQL, tmp, b -> b.storageIo(plan));
                TestConnection alice = fx.connect(); TestConnection bob = fx.connect()) {
            String a = fx.register(alice, "alice");
            String b = fx.register(bob, "bob");
            plan.only("INSERT INTO messages").at(Point.SQL_WRITE, 1, Fault.ACTION, real -> kill(fx, real)).arm();

            Response.Error e = alice.error(new Request.Send(a, "bob", "first-try", "hello"), ErrorCode.STORAGE_UNAVAILABLE);
            assertThat(plan.fired()).isNotNull();
            assertThat(e.reason()).contains("nothing was stored");
            assertThat(storedBodies(fx)).as("nothing stored").isEmpty();

            alice.ok(new Request.Send(a, "bob", "second-try", "hello"), Response.Sent.class); // a new connection, no restart
            assertThat(bodies(bob.ok(ServerFixture.fetch(b, 0), Response.Messages.class).messages())).containsExactly("hello");
            assertThat(storedBodies(fx)).containsExactly("hello");
            assertThat(fx.server().storageFault()).as("the fault cleared").isEmpty();
        }
    }

    /**
     * Killed at the batch's COMMIT: the server cannot know whether it committed, and says so (INTERNAL_ERROR,
     * "may or may not"); the retry with the same client message id gives exactly one copy.
     */
    @Test
    void aConnectionKilledAtTheCommitIsInDoubtAndTheRetryIsStoredOnce() throws Exception {
        FaultPlan plan = new FaultPlan(false);
        try (ServerFixture fx = new ServerFixture(Backend.POSTGRESQL, tmp, b -> b.storageIo(plan));
                TestConnection bob = fx.connect()) {
            String b = fx.register(bob, "bob");
            String a;
            try (TestConnection alice = fx.connect()) {
                a = fx.register(alice, "alice");
                plan.only("INSERT INTO messages").at(Point.SQL_COMMIT, 1, Fault.ACTION, real -> kill(fx, real)).arm();
                Response r = alice.call(new Request.Send(a, "bob", "the-one", "hello"));
                assertThat(plan.fired()).isNotNull();
                assertThat(r).isInstanceOf(Response.Error.class);
                assertThat(((Response.Error) r).code()).as("%s", r).isEqualTo(ErrorCode.INTERNAL_ERROR);
                assertThat(((Response.Error) r).reason()).contains("may or may not");
            }
            assertThat(storedBodies(fx)).as("killed before its COMMIT arrived: not stored").isEmpty();
            try (TestConnection alice = fx.connect()) {
                alice.ok(new Request.Send(a, "bob", "the-one", "hello"), Response.Sent.class);
                alice.ok(new Request.Send(a, "bob", "the-one", "hello"), Response.Sent.class); // and again: recognised
            }
            assertThat(bodies(bob.ok(ServerFixture.fetch(b, 0), Response.Messages.class).messages())).containsExactly("hello");
            assertThat(storedBodies(fx)).containsExactly("hello");
        }
    }

    /** Terminates the server's backend behind {@code real}, from a connection of the test's own, and waits until it is gone. */
    private static void kill(ServerFixture fx, Connection real) throws Exception {
        int pid = real.unwrap(PGConnection.class).getBackendPID();
        try (Connection own = DriverManager.getConnection(fx.config().postgres().jdbcUrl());
                PreparedStatement ps = own.prepareStatement("SELECT pg_terminate_backend(?, 10000)")) {
            ps.setInt(1, pid);
            try (ResultSet rs = ps.executeQuery()) {
                rs.next();
                assertThat(rs.getBoolean(1)).as("backend %d terminated", pid).isTrue();
            }
        }
    }

    private static List<String> storedBodies(ServerFixture fx) throws Exception {
        try (Connection db = fx.database(); ResultSet rs = db.createStatement().executeQuery("SELECT body FROM messages ORDER BY id")) {
            List<String> out = new java.util.ArrayList<>();
            while (rs.next()) {
                out.add(rs.getString(1));
            }
            return out;
        }
    }

    private static List<String> bodies(List<Response.Message> messages) {
        return messages.stream().map(Response.Message::body).toList();
    }
}
