package org.wirechat.server.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.wirechat.server.core.port.StoredMessage;

/** The notification of new mail between PostgreSQL servers: what it carries, and when it carries nothing. */
@Timeout(60)
class MailNoticeTest {
    private static final String NODE = "3f2c9a4e-0000-4000-8000-000000000001";

    @Test
    void messagesWithColonsDigitsAndAnyCharactersComeBackAsTheyWent() {
        List<StoredMessage> sent = List.of(
                new StoredMessage(41, "alice", "bob", 1_700_000_000_000L, "12:34 is: \"the time\"\n"),
                new StoredMessage(43, "carol:x", "bob", 1_700_000_000_001L, ""),
                new StoredMessage(44, "dave", "bob", 1_700_000_000_002L, "héllo 👋 世界 5:"));
        String payload = MailNotice.of(7, NODE, 39, "bob", sent);
        assertThat(payload).startsWith("i:7:" + NODE + ":39:");

        MailNotice read = MailNotice.parse(payload.substring(2));
        assertThat(read.accountId()).isEqualTo(7);
        assertThat(read.nodeId()).isEqualTo(NODE);
        assertThat(read.previous()).isEqualTo(39);
        assertThat(read.messages()).containsExactlyElementsOf(sent);
    }

    @Test
    void theShortFormCarriesNoMessagesAndOldServersReadItsAccount() {
        MailNotice read = MailNotice.parse(MailNotice.hint(7, NODE).substring(2));
        assertThat(read.accountId()).isEqualTo(7);
        assertThat(read.nodeId()).isEqualTo(NODE);
        assertThat(read.messages()).isEmpty();
        // a server that knows only "i:ACCOUNT:NODE" reads the account before the first colon and sees a
        // node that is not its own: it forgets the inbox and wakes the FETCH, as for any foreign mail
        String full = MailNotice.of(7, NODE, 0, "bob", List.of(new StoredMessage(1, "alice", "bob", 1, "hi")));
        String value = full.substring(2);
        assertThat(Long.parseLong(value.substring(0, value.indexOf(':')))).isEqualTo(7);
        assertThat(value.substring(value.indexOf(':') + 1)).isNotEqualTo(NODE);
    }

    @Test
    void messagesThatDoNotFitInANotificationAreNotCarried() {
        String justUnder = "x".repeat(MailNotice.MAX_BYTES - 200);
        String carried = MailNotice.of(7, NODE, 0, "bob", List.of(new StoredMessage(1, "alice", "bob", 1, justUnder)));
        assertThat(MailNotice.parse(carried.substring(2)).messages()).hasSize(1);
        assertThat(carried.getBytes(java.nio.charset.StandardCharsets.UTF_8).length).isLessThan(MailNotice.MAX_BYTES);

        // counted in UTF-8 bytes, which PostgreSQL limits, not in characters: 3 bytes each
        String wide = "世".repeat(MailNotice.MAX_BYTES / 3);
        assertThat(MailNotice.of(7, NODE, 0, "bob", List.of(new StoredMessage(1, "alice", "bob", 1, wide))))
                .isEqualTo(MailNotice.hint(7, NODE));
        List<StoredMessage> many = java.util.stream.LongStream.rangeClosed(1, 100)
                .mapToObj(id -> new StoredMessage(id, "alice", "bob", id, "y".repeat(100))).toList();
        assertThat(MailNotice.of(7, NODE, 0, "bob", many)).isEqualTo(MailNotice.hint(7, NODE));
    }

    @Test
    void aTruncatedOrGarbledNotificationIsRefused() {
        String value = MailNotice.of(7, NODE, 0, "bob", List.of(new StoredMessage(1, "alice", "bob", 1, "hello"))).substring(2);
        assertThatThrownBy(() -> MailNotice.parse(value.substring(0, value.length() - 2))).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> MailNotice.parse("x:" + NODE)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> MailNotice.parse("7:" + NODE + ":0:3:bob1")).isInstanceOf(IllegalArgumentException.class);
    }
}
