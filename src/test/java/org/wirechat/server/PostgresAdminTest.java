package org.wirechat.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.wirechat.protocol.ErrorCode;
import org.wirechat.protocol.Request;
import org.wirechat.protocol.Response;

/**
 * {@code wirechat-server admin} on a server whose data are in PostgreSQL: its socket is in its own data
 * directory; a disabled account is refused by every server sharing the database, and its logins end on
 * all of them; backups are PostgreSQL's own.
 */
@Timeout(60)
class PostgresAdminTest {
    @TempDir
    Path dir;

    private static String[] admin(Path dataDir, String... words) {
        List<String> args = new ArrayList<>(List.of("admin", "--data-dir", dataDir.toString()));
        args.addAll(List.of(words));
        return args.toArray(String[]::new);
    }

    @Test
    void usersAreAdministeredAcrossTheServersSharingTheDatabase() throws Exception {
        try (ServerFixture a = new ServerFixture(Backend.POSTGRESQL, dir.resolve("a"), b -> b);
                ServerFixture b = new ServerFixture(Backend.POSTGRESQL, dir.resolve("b"), x -> x.postgres(a.config().postgres()));
                TestConnection ca = a.connect(); TestConnection cb = b.connect()) {
            a.register(ca, "alice");
            String onB = b.login(cb, "alice");
            Await.until("the other server ready", () -> b.server().notReady() == null);

            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ByteArrayOutputStream err = new ByteArrayOutputStream();
            PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
            PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8);
            assertThat(ServerMain.run(admin(dir.resolve("a"), "users", "list"), o, e)).isZero();
            assertThat(out.toString(StandardCharsets.UTF_8)).contains("alice\tFull alice\tonline");

            assertThat(ServerMain.run(admin(dir.resolve("a"), "users", "disable", "alice"), o, e)).isZero();
            // server b forgets alice's login when the notification arrives, and refuses her password
            Await.until("alice's login on the other server ended", () ->
                    cb.call(ServerFixture.fetch(onB, 0)) instanceof Response.Error x && x.code() == ErrorCode.NOT_AUTHENTICATED);
            cb.error(new Request.Login("alice", ServerFixture.PASSWORD), ErrorCode.ACCOUNT_DISABLED);
            assertThat(ServerMain.run(admin(dir.resolve("a"), "users", "enable", "alice"), o, e)).isZero();
            cb.ok(new Request.Login("alice", ServerFixture.PASSWORD), Response.LoggedIn.class);

            Path backup = dir.resolve("backup");
            assertThat(ServerMain.run(admin(dir.resolve("a"), "backup", backup.toString()), o, e)).isEqualTo(1);
            assertThat(err.toString(StandardCharsets.UTF_8)).contains("pg_dump");
            assertThat(Files.exists(backup)).isFalse();
            assertThat(ServerMain.run(admin(dir.resolve("a"), "check"), o, e)).isZero();
            assertThat(out.toString(StandardCharsets.UTF_8)).contains("the database answers");
        }
    }
}
