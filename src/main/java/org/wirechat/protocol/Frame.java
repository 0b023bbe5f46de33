package org.wirechat.protocol;

import java.util.Arrays;
import java.util.HexFormat;

/**
 * One frame: the 12-byte header's variable parts and the payload.
 *
 * <pre>
 * offset size field
 *  0     2    magic 0x57 0x43 ("WC")
 *  2     1    protocol version (1)
 *  3     1    opcode
 *  4     4    request id, unsigned, echoed in the response
 *  8     4    payload length, unsigned, header + payload &lt;= the maximum frame size
 * 12     n    payload
 * </pre>
 *
 * All integers are big-endian. The payload array is not copied; callers must not change it.
 */
public record Frame(int version, int opcode, int requestId, byte[] payload) {
    public static final int HEADER_BYTES = 12;
    public static final byte MAGIC_0 = 0x57;
    public static final byte MAGIC_1 = 0x43;
    /** The largest frame, header included, that any peer must accept: 64 KiB. */
    public static final int MAX_FRAME_BYTES = 64 * 1024;
    public static final int VERSION_1 = 1;

    public Frame {
        if (opcode < 0 || opcode > 0xFF) {
            throw new IllegalArgumentException("opcode out of range: " + opcode);
        }
        if (version < 0 || version > 0xFF) {
            throw new IllegalArgumentException("version out of range: " + version);
        }
        if (payload.length > MAX_FRAME_BYTES - HEADER_BYTES) {
            throw new IllegalArgumentException("payload of " + payload.length + " bytes exceeds the frame limit");
        }
    }

    /** Header and payload as one array, ready for a single write. */
    public byte[] toBytes() {
        byte[] out = new byte[HEADER_BYTES + payload.length];
        out[0] = MAGIC_0;
        out[1] = MAGIC_1;
        out[2] = (byte) version;
        out[3] = (byte) opcode;
        putInt(out, 4, requestId);
        putInt(out, 8, payload.length);
        System.arraycopy(payload, 0, out, HEADER_BYTES, payload.length);
        return out;
    }

    /** The unsigned request id. */
    public long requestIdUnsigned() {
        return Integer.toUnsignedLong(requestId);
    }

    static void putInt(byte[] b, int at, int v) {
        b[at] = (byte) (v >>> 24);
        b[at + 1] = (byte) (v >>> 16);
        b[at + 2] = (byte) (v >>> 8);
        b[at + 3] = (byte) v;
    }

    static int getInt(byte[] b, int at) {
        return (b[at] & 0xFF) << 24 | (b[at + 1] & 0xFF) << 16 | (b[at + 2] & 0xFF) << 8 | (b[at + 3] & 0xFF);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Frame f
                && f.version == version
                && f.opcode == opcode
                && f.requestId == requestId
                && Arrays.equals(f.payload, payload);
    }

    @Override
    public int hashCode() {
        return ((version * 31 + opcode) * 31 + requestId) * 31 + Arrays.hashCode(payload);
    }

    /** Shows sizes only: a payload may hold a password or token. */
    @Override
    public String toString() {
        return "Frame[v" + version + " op=0x" + HexFormat.of().toHexDigits((byte) opcode)
                + " id=" + requestIdUnsigned() + " payload=" + payload.length + " bytes]";
    }
}
