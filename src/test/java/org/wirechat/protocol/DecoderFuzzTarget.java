package org.wirechat.protocol;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;

/**
 * The decoder's fuzz target: bytes as a server and as a client would read them off a socket. The
 * decoder may only ever throw {@link ProtocolException}; anything else escapes and is a finding. What
 * decodes must re-encode to the same request payload (the encoding is canonical) and decode again to
 * an equal value. Run by {@code DecoderFuzzTest} (seeds, in the default suite) and {@code scripts/fuzz}
 * (coverage-guided, for a bounded time).
 */
public final class DecoderFuzzTarget {
    private DecoderFuzzTarget() {
    }

    public static void fuzzerTestOneInput(byte[] data) {
        FrameReader reader = new FrameReader(new ByteArrayInputStream(data), Frame.MAX_FRAME_BYTES);
        try {
            Frame frame;
            while ((frame = reader.read()) != null) {
                asRequest(frame);
                asResponse(frame);
            }
        } catch (ProtocolException e) {
            if (!e.code().closesConnection()) {
                throw new IllegalStateException("the frame reader threw a non-framing error: " + e.code());
            }
        } catch (IOException e) {
            throw new UncheckedIOException("a byte array cannot fail to read", e);
        }
    }

    private static void asRequest(Frame frame) {
        Request request;
        try {
            request = RequestCodec.decode(frame);
        } catch (ProtocolException e) {
            if (e.code().closesConnection()) {
                throw new IllegalStateException("a request decode error must not close the connection: " + e.code());
            }
            return;
        }
        Frame again = RequestCodec.encode(frame.requestId(), request);
        if (!Arrays.equals(again.payload(), frame.payload())) {
            throw new IllegalStateException("re-encoding " + request.opcode() + " changed its payload");
        }
        try {
            if (!RequestCodec.decode(again).equals(request)) {
                throw new IllegalStateException("round trip changed " + request);
            }
        } catch (ProtocolException e) {
            throw new IllegalStateException("a re-encoded request failed to decode: " + e.getMessage());
        }
    }

    private static void asResponse(Frame frame) {
        Response response;
        try {
            response = ResponseCodec.decode(frame);
        } catch (ProtocolException e) {
            return;
        }
        try {
            if (!ResponseCodec.decode(ResponseCodec.encode(frame.requestId(), response)).equals(response)) {
                throw new IllegalStateException("round trip changed a " + response.getClass().getSimpleName());
            }
        } catch (ProtocolException e) {
            throw new IllegalStateException("a re-encoded response failed to decode: " + e.getMessage());
        }
    }
}
