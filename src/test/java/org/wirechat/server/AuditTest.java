package org.wirechat.server;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;
import org.wirechat.protocol.ErrorCode;
import org.wirechat.protocol.Request;
import org.wirechat.protocol.Response;

/**
 * The audit trail: each account event at INFO on org.wirechat.audit with who and from where, and never
 * a password or token. ({@code ServerJarIT} checks the jar's text and JSON formats.)
 */
@Timeout(60)
class AuditTest {
    static final String PW = ServerFixture.PASSWORD;

    @TempDir
    Path dir;
    ServerFixture fx;
    TestConnection c;
    final ListAppender<ILoggingEvent> events = new ListAppender<>();
    final Logger audit = (Logger) LoggerFactory.getLogger("org.wirechat.audit");

    @BeforeEach
    void start() {
        events.start();
        audit.addAppender(events);
        fx = new ServerFixture(dir, b -> b.abuse(org.wirechat.server.core.admission.AbuseLimits.NONE
                .withLoginFailures(2, 1_000, Duration.ofMinutes(1))));
        c = fx.connect();
    }

    @AfterEach
    void stop() {
        audit.detachAppender(events);
        c.close();
        fx.close();
    }

    /** Each event as "event user address [reason]", in order. */
    private List<String> trail() {
        return events.list.stream().map(e -> {
            Map<String, String> kv = new LinkedHashMap<>();
            e.getKeyValuePairs().forEach(p -> kv.put(p.key, String.valueOf(p.value)));
            return kv.entrySet().stream().filter(x -> !x.getKey().equals("wait_ms")).map(Map.Entry::getValue)
                    .collect(Collectors.joining(" "));
        }).toList();
    }

    @Test
    void accountEventsAreAuditedWithWhoAndWhereButNoSecret() {
        String token = fx.register(c, "alice");
        c.error(new Request.Login("alice", "not the password"), ErrorCode.BAD_CREDENTIALS);
        c.error(new Request.Login("nobody", "not the password"), ErrorCode.BAD_CREDENTIALS);
        c.error(new Request.Login("nobody", "not the password"), ErrorCode.BAD_CREDENTIALS);
        c.error(new Request.Login("nobody", "not the password"), ErrorCode.RATE_LIMITED);
        c.ok(new Request.Logout(token), Response.LoggedOut.class);
        String again = fx.login(c, "alice");
        c.error(new Request.DeleteAccount(again, "not the password"), ErrorCode.BAD_CREDENTIALS);
        c.ok(new Request.DeleteAccount(again, PW), Response.AccountDeleted.class);

        assertThat(trail()).containsExactly(
                "account_created alice 127.0.0.1",
                "login alice 127.0.0.1",
                "login_failed alice 127.0.0.1 wrong password",
                "login_failed nobody 127.0.0.1 no such account",
                "login_failed nobody 127.0.0.1 no such account",
                "throttled nobody 127.0.0.1 failed logins",
                "logout alice 127.0.0.1",
                "login alice 127.0.0.1",
                "deletion_refused alice 127.0.0.1 wrong password",
                "account_deleted alice 127.0.0.1");
        assertThat(events.list).allSatisfy(e -> assertThat(e.getLevel().toString()).isEqualTo("INFO"));
        String everything = events.list.stream().map(e -> e.getFormattedMessage() + " " + e.getKeyValuePairs())
                .collect(Collectors.joining("\n"));
        assertThat(everything).doesNotContain(PW).doesNotContain("not the password").doesNotContain(token).doesNotContain(again);
    }
}
