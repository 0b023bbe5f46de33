package org.wirechat.protocol;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * SYNC's answer is built to grow (docs/wire_design.md §5 SYNC, §8): a record of a kind the client does not know is
 * skipped, and so are fields after those it knows of a known kind; a known kind with too few fields is refused.
 */
@Timeout(10)
class SyncRecordsTest {
    private static Response decode(Payload.Writer w) throws ProtocolException {
        return ResponseCodec.decode(new Frame(Frame.VERSION_1, Opcode.SYNC.responseWire(), 7, w.toBytes()));
    }

    private static Payload.Writer ok() {
        return new Payload.Writer().status(0).field("OK");
    }

    @Test
    void aNewerServersKindsAndFieldsAreSkipped() throws ProtocolException {
        Payload.Writer w = ok();
        w.record().field("e").field(42).field("an edit, say").field(1);          // a kind from a later version
        w.record().field("m").field(42).field("bob").field("alice").field(1000).field("hi").field(41).field("x"); // + reply-to, …
        w.record().field("t").field("carol").field("#crew").field(1).field(6000).field("more");
        w.record().field("z");                                                     // a kind alone
        assertThat(decode(w)).isEqualTo(new Response.Events(List.of(new Response.Message(42, "bob", "alice", 1000, "hi")),
                List.of(new Response.Typing("carol", "#crew", true, 6000))));
    }

    @Test
    void aKnownKindWithTooFewFieldsIsRefused() {
        Payload.Writer m = ok();
        m.record().field("m").field(42).field("bob").field("alice").field(1000);
        assertThatThrownBy(() -> decode(m)).isInstanceOf(ProtocolException.class)
                .extracting(e -> ((ProtocolException) e).code()).isEqualTo(ErrorCode.WRONG_FIELD_COUNT);
        Payload.Writer t = ok();
        t.record().field("t").field("carol").field("#crew").field(1);
        assertThatThrownBy(() -> decode(t)).isInstanceOf(ProtocolException.class)
                .extracting(e -> ((ProtocolException) e).code()).isEqualTo(ErrorCode.WRONG_FIELD_COUNT);
    }

    @Test
    void aFrameOfEventsNeverOverflowsTheFrameLimit() {
        // the typing records all go, the messages fill what is left: FETCH's rule with SYNC's two bytes a record more
        String body = "x".repeat(1000);
        List<Response.Message> many = new java.util.ArrayList<>();
        for (int i = 1; i <= 100; i++) {
            many.add(new Response.Message(i, "bob", "alice", 1000, body));
        }
        List<Response.Typing> typing = List.of(new Response.Typing("carol", "#crew", true, 6000));
        Response fitted = org.wirechat.server.ResponseFit.toFrame(new Response.Events(many, typing), 8192);
        byte[] bytes = ResponseCodec.encode(7, fitted).toBytes();
        assertThat(bytes.length).isLessThanOrEqualTo(8192);
        Response.Events e = (Response.Events) fitted;
        assertThat(e.typing()).isEqualTo(typing);
        assertThat(e.messages()).isNotEmpty().isEqualTo(many.subList(0, e.messages().size()));
        int oneMore = ResponseCodec.encode(7, new Response.Events(many.subList(0, e.messages().size() + 1), typing)).toBytes().length;
        assertThat(oneMore).as("one message more would not fit").isGreaterThan(8192);
    }
}
