package org.wirechat.protocol;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/** Raw frame building for tests that need exact or malformed bytes. */
final class Wire {
    private Wire() {
    }

    static byte[] frame(int version, int opcode, int requestId, byte[] payload) {
        return frameWithLength(version, opcode, requestId, payload.length, payload);
    }

    static byte[] frameWithLength(int version, int opcode, int requestId, int declaredLength, byte[] payload) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(0x57);
        out.write(0x43);
        out.write(version);
        out.write(opcode);
        writeInt(out, requestId);
        writeInt(out, declaredLength);
        out.writeBytes(payload);
        return out.toByteArray();
    }

    static byte[] request(Opcode op, String... fields) {
        return frame(1, op.wire(), 1, fields(fields));
    }

    /** Fields joined with US; each field is UTF-8 encoded as given (no validation). */
    static byte[] fields(String... fields) {
        return String.join("\u001F", fields).getBytes(StandardCharsets.UTF_8);
    }

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    static byte[] bytes(int... values) {
        byte[] b = new byte[values.length];
        for (int i = 0; i < values.length; i++) {
            b[i] = (byte) values[i];
        }
        return b;
    }

    /**
     * Reads every frame from {@code bytes} and decodes each as a request; returns the first error, or
     * {@code null} if everything decoded. This is what a server does with the same bytes on a socket.
     */
    static ErrorCode firstRequestError(byte[] bytes) {
        FrameReader reader = new FrameReader(new ByteArrayInputStream(bytes), Frame.MAX_FRAME_BYTES);
        try {
            Frame f;
            while ((f = reader.read()) != null) {
                RequestCodec.decode(f);
            }
            return null;
        } catch (ProtocolException e) {
            return e.code();
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
    }

    private static void writeInt(ByteArrayOutputStream out, int v) {
        out.write(v >>> 24);
        out.write(v >>> 16);
        out.write(v >>> 8);
        out.write(v);
    }
}
