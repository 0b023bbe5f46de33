package org.wirechat.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class FrameStreamTest {

    /** A stream that hands out at most one byte per read, as a slow network might. */
    private static final class Trickle extends InputStream {
        private final byte[] bytes;
        private int pos;

        Trickle(byte[] bytes) {
            this.bytes = bytes;
        }

        @Override
        public int read() {
            return pos < bytes.length ? bytes[pos++] & 0xFF : -1;
        }

        @Override
        public int read(byte[] b, int off, int len) {
            if (pos >= bytes.length) {
                return -1;
            }
            if (len == 0) {
                return 0;
            }
            b[off] = bytes[pos++];
            return 1;
        }
    }

    private static byte[] allSampleRequests() {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        int id = 1;
        for (Request r : Samples.requests()) {
            out.writeBytes(RequestCodec.encode(id++, r).toBytes());
        }
        return out.toByteArray();
    }

    private static List<Request> decodeAll(InputStream in) throws Exception {
        FrameReader reader = new FrameReader(in, Frame.MAX_FRAME_BYTES);
        List<Request> out = new ArrayList<>();
        Frame f;
        int expectedId = 1;
        while ((f = reader.read()) != null) {
            assertThat(f.requestId()).isEqualTo(expectedId++);
            out.add(RequestCodec.decode(f));
        }
        return out;
    }

    @Test
    void framesDeliveredOneByteAtATimeDecodeIdentically() throws Exception {
        byte[] bytes = allSampleRequests();
        assertThat(decodeAll(new Trickle(bytes))).isEqualTo(Samples.requests());
    }

    @Test
    void severalFramesInOneWriteDecodeIdentically() throws Exception {
        byte[] bytes = allSampleRequests();
        assertThat(decodeAll(new ByteArrayInputStream(bytes))).isEqualTo(Samples.requests());
    }

    @Test
    void responsesStreamTooWhateverTheChunking() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (Response r : Samples.responses()) {
            out.writeBytes(ResponseCodec.encode(5, r).toBytes());
        }
        FrameReader reader = new FrameReader(new Trickle(out.toByteArray()), Frame.MAX_FRAME_BYTES);
        List<Response> decoded = new ArrayList<>();
        Frame f;
        while ((f = reader.read()) != null) {
            decoded.add(ResponseCodec.decode(f));
        }
        assertThat(decoded).isEqualTo(Samples.responses());
    }
}
