package org.wirechat.server;

import java.util.List;
import org.wirechat.protocol.Frame;
import org.wirechat.protocol.Response;
import org.wirechat.protocol.ResponseCodec;

/**
 * Fits a response of the core to what a transport carries in one answer: the wire protocol's frame
 * limit (and gRPC answers to the same limit). A FETCH's messages are kept from the oldest (the rest stay
 * undelivered for the next FETCH); a HISTORY page keeps its newest messages, and its next-before id then
 * points at the oldest kept, so the next page picks up what was left out.
 */
public final class ResponseFit {
    private ResponseFit() {
    }

    public static Response toFrame(Response response, int maxFrameBytes) {
        return switch (response) {
            case Response.Messages m -> {
                int n = fitting(m.messages(), maxFrameBytes - Frame.HEADER_BYTES - ResponseCodec.emptyMessagesSize(), false);
                yield n == m.messages().size() ? m : new Response.Messages(m.messages().subList(0, n));
            }
            case Response.Events e -> { // live events are few and small: they all go, the messages fill what is left
                int budget = maxFrameBytes - Frame.HEADER_BYTES - ResponseCodec.emptyMessagesSize();
                for (Response.Typing t : e.typing()) {
                    budget -= ResponseCodec.encodedSize(t);
                }
                int n = fitting(e.messages(), budget - e.messages().size() * ResponseCodec.KIND_BYTES, false);
                yield n == e.messages().size() ? e : new Response.Events(e.messages().subList(0, n), e.typing());
            }
            case Response.Conversation c -> {
                List<Response.Message> page = c.messages();
                int n = fitting(page, maxFrameBytes - Frame.HEADER_BYTES - ResponseCodec.emptyConversationSize(), true);
                if (n == page.size()) {
                    yield c;
                }
                List<Response.Message> kept = page.subList(page.size() - n, page.size());
                yield new Response.Conversation(kept, kept.isEmpty() ? c.nextBeforeId() : kept.get(0).id());
            }
            case Response.SearchResults r -> { // newest first: the oldest are left for the next page
                List<Response.Message> page = r.messages();
                int n = fitting(page, maxFrameBytes - Frame.HEADER_BYTES - ResponseCodec.emptyConversationSize(), false);
                if (n == page.size()) {
                    yield r;
                }
                List<Response.Message> kept = page.subList(0, n);
                yield new Response.SearchResults(kept, kept.isEmpty() ? r.nextBeforeId() : kept.get(n - 1).id());
            }
            default -> response;
        };
    }

    /** How many messages fit in {@code budget} bytes: from the front (oldest first) or, with {@code fromEnd}, from the back. */
    private static int fitting(List<Response.Message> messages, int budget, boolean fromEnd) {
        int n = 0;
        for (int i = 0; i < messages.size(); i++) {
            Response.Message m = messages.get(fromEnd ? messages.size() - 1 - i : i);
            budget -= ResponseCodec.encodedSize(m);
            if (budget < 0) {
                break;
            }
            n++;
        }
        return n;
    }
}
