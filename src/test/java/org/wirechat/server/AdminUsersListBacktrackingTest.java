package org.wirechat.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.wirechat.protocol.PatternMode;
import org.wirechat.protocol.Response;

/**
 * Issue 33: {@code admin users list} with {@code *a*a*…*b} ran on java.util.regex and backtracked over a
 * long name for years. On the linear matcher it answers, and answers what LIST_ACCOUNTS answers.
 * (Without the fix, this test runs into its timeout.)
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class AdminUsersListBacktrackingTest {
    @TempDir
    Path dir;

    @Test
    void aWildcardOfManyStarsIsAnsweredAsListAccountsAnswersIt() {
        String stars = "*a".repeat(20) + "*b";
        try (ServerFixture fx = new ServerFixture(dir.resolve("data")); TestConnection c = fx.connect()) {
            String token = fx.register(c, "a".repeat(45)); // its full name "Full a…a" must stay within 50 characters
            fx.register(c, "a".repeat(20) + "b");
            fx.register(c, "bob");
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            int status = ServerMain.run(new String[] {"admin", "--data-dir", dir.resolve("data").toString(), "users", "list", stars},
                    new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(new ByteArrayOutputStream(), true,
                            StandardCharsets.UTF_8));
            assertThat(status).isZero();
            Response.Accounts wire = c.ok(ServerFixture.list(token, PatternMode.WILDCARD, stars, "", 10), Response.Accounts.class);
            assertThat(wire.accounts()).extracting(Response.Account::username).containsExactly("a".repeat(20) + "b");
            assertThat(out.toString(StandardCharsets.UTF_8)).startsWith("a".repeat(20) + "b\t").endsWith("1 account\n");
        }
    }
}
