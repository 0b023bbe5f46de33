package org.wirechat.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

class RoundTripTest {

    static java.util.List<Request> requests() {
        return Samples.requests();
    }

    static java.util.List<Response> responses() {
        return Samples.responses();
    }

    @ParameterizedTest
    @MethodSource("requests")
    void everyRequestSurvivesEncodeAndDecode(Request request) throws Exception {
        Frame frame = RequestCodec.encode(0xCAFEBABE, request);
        assertThat(frame.opcode()).isEqualTo(request.opcode().wire());
        Frame reread = new FrameReader(new java.io.ByteArrayInputStream(frame.toBytes()), Frame.MAX_FRAME_BYTES).read();
        assertThat(reread).isEqualTo(frame);
        assertThat(reread.requestId()).isEqualTo(0xCAFEBABE);
        assertThat(RequestCodec.decode(reread)).isEqualTo(request);
    }

    @ParameterizedTest
    @MethodSource("responses")
    void everyResponseSurvivesEncodeAndDecode(Response response) throws Exception {
        Frame frame = ResponseCodec.encode(7, response);
        Frame reread = new FrameReader(new java.io.ByteArrayInputStream(frame.toBytes()), Frame.MAX_FRAME_BYTES).read();
        assertThat(ResponseCodec.decode(reread)).isEqualTo(response);
    }

    @Test
    void samplesCoverEveryRequestAndResponseType() {
        assertThat(typesOf(Samples.requests())).isEqualTo(permitted(Request.class));
        assertThat(typesOf(Samples.responses())).isEqualTo(permitted(Response.class));
        assertThat(Samples.requests().stream().map(Request::opcode).collect(Collectors.toSet()))
                .containsExactlyInAnyOrder(Opcode.values());
    }

    @Test
    void messageSizeEstimateMatchesTheEncoding() {
        Response.Messages none = new Response.Messages(java.util.List.of());
        assertThat(ResponseCodec.encode(1, none).payload()).hasSize(ResponseCodec.emptyMessagesSize());
        for (Response r : Samples.responses()) {
            if (r instanceof Response.Messages m) {
                int expected = ResponseCodec.emptyMessagesSize()
                        + m.messages().stream().mapToInt(ResponseCodec::encodedSize).sum();
                assertThat(ResponseCodec.encode(1, m).payload()).hasSize(expected);
            }
        }
    }

    @Test
    void secretsAreRedacted() {
        assertThat(new Request.Login("alice", "hunter22hunter22").toString()).doesNotContain("hunter22");
        assertThat(new Request.CreateAccount("a", "A", "hunter22hunter22").toString()).doesNotContain("hunter22");
        assertThat(new Request.DeleteAccount(Samples.TOKEN, "hunter22hunter22").toString())
                .doesNotContain("hunter22").doesNotContain(Samples.TOKEN);
        for (Request r : Samples.requests()) {
            assertThat(r.toString()).doesNotContain(Samples.TOKEN);
        }
        assertThat(new Response.LoggedIn(Samples.TOKEN, 1, 0).toString()).doesNotContain(Samples.TOKEN);
        Frame frame = RequestCodec.encode(1, new Request.Login("alice", "hunter22hunter22"));
        assertThat(frame.toString()).doesNotContain("hunter22");
    }

    private static Set<Class<?>> typesOf(java.util.List<?> samples) {
        return samples.stream().map(Object::getClass).collect(Collectors.toSet());
    }

    private static Set<Class<?>> permitted(Class<?> sealed) {
        return new HashSet<>(Arrays.asList(sealed.getPermittedSubclasses()));
    }
}
