package org.wirechat.protocol;

import java.io.IOException;
import java.io.InputStream;

/**
 * Reads frames from a stream. Checks the magic as soon as its two bytes arrive, then the version and
 * the length, and allocates the payload only once the length is known to be within the limit.
 * Not thread-safe: one reader per connection.
 */
public final class FrameReader {
    private final InputStream in;
    private final int maxFrameBytes;
    private final byte[] header = new byte[Frame.HEADER_BYTES];

    /**
     * @param maxFrameBytes the largest frame accepted, header included; at most {@link Frame#MAX_FRAME_BYTES}
     */
    public FrameReader(InputStream in, int maxFrameBytes) {
        if (maxFrameBytes < Frame.HEADER_BYTES || maxFrameBytes > Frame.MAX_FRAME_BYTES) {
            throw new IllegalArgumentException("maxFrameBytes must be in [" + Frame.HEADER_BYTES + ", "
                    + Frame.MAX_FRAME_BYTES + "]: " + maxFrameBytes);
        }
        this.in = in;
        this.maxFrameBytes = maxFrameBytes;
    }

    /**
     * The next frame, or {@code null} if the stream ended cleanly between frames.
     *
     * @throws ProtocolException the frame is broken: the connection cannot continue after it
     * @throws IOException the stream failed (including a read timeout)
     */
    public Frame read() throws IOException, ProtocolException {
        int first = in.read();
        if (first < 0) {
            return null;
        }
        header[0] = (byte) first;
        readFully(header, 1, 1, "header");
        if (header[0] != Frame.MAGIC_0 || header[1] != Frame.MAGIC_1) {
            throw new ProtocolException(ErrorCode.MALFORMED_FRAME, "bad magic: a frame starts with 0x57 0x43");
        }
        readFully(header, 2, Frame.HEADER_BYTES - 2, "header");
        int version = header[2] & 0xFF;
        int opcode = header[3] & 0xFF;
        int requestId = Frame.getInt(header, 4);
        if (version != Frame.VERSION_1) {
            throw new ProtocolException(ErrorCode.UNSUPPORTED_VERSION, "version " + version
                    + " is not supported; this peer speaks " + Frame.VERSION_1, requestId);
        }
        long length = Integer.toUnsignedLong(Frame.getInt(header, 8));
        if (length > maxFrameBytes - Frame.HEADER_BYTES) {
            throw new ProtocolException(ErrorCode.FRAME_TOO_LARGE, "payload length " + length
                    + " exceeds the limit of " + (maxFrameBytes - Frame.HEADER_BYTES) + " bytes", requestId);
        }
        byte[] payload = new byte[(int) length];
        readFully(payload, 0, payload.length, "payload");
        return new Frame(version, opcode, requestId, payload);
    }

    private void readFully(byte[] into, int off, int len, String part) throws IOException, ProtocolException {
        int done = 0;
        while (done < len) {
            int n = in.read(into, off + done, len - done);
            if (n < 0) {
                throw new ProtocolException(ErrorCode.MALFORMED_FRAME,
                        "truncated " + part + ": stream ended after " + done + " of " + len + " bytes");
            }
            done += n;
        }
    }
}
