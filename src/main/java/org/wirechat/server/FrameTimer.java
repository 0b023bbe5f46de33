package org.wirechat.server;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;

/**
 * Sits under a session's read buffer and sets the socket's read timeout for each read: between frames,
 * the idle timeout; once a frame has started, whatever is left of the frame timeout. So a peer that
 * trickles a frame a byte at a time (slowloris) is cut off when the frame's time is up, however often
 * it sends a byte.
 */
final class FrameTimer extends FilterInputStream {
    /** A frame took longer than the frame timeout. */
    static final class TooSlow extends SocketTimeoutException {
        private static final long serialVersionUID = 1L;

        TooSlow(String message) {
            super(message);
        }
    }

    private final Socket socket;
    private final long frameTimeoutNanos;
    private int idleMillis;
    /** When the frame in progress must be complete; 0 between frames. */
    private long deadline;

    FrameTimer(InputStream in, Socket socket, long frameTimeoutMillis, int idleMillis) {
        super(in);
        this.socket = socket;
        this.frameTimeoutNanos = frameTimeoutMillis * 1_000_000;
        this.idleMillis = idleMillis;
    }

    /** The timeout between frames from now on. */
    void idleTimeout(int millis) {
        idleMillis = millis;
    }

    /** A frame was read whole; {@code nextStarted} if bytes of the next one are already buffered. */
    void frameDone(boolean nextStarted) {
        deadline = nextStarted ? System.nanoTime() + frameTimeoutNanos : 0;
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xFF;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (deadline == 0) {
            socket.setSoTimeout(idleMillis);
            int n = in.read(b, off, len);
            if (n > 0) {
                deadline = System.nanoTime() + frameTimeoutNanos;
            }
            return n;
        }
        long left = (deadline - System.nanoTime()) / 1_000_000;
        if (left <= 0) {
            throw new TooSlow("a frame did not arrive whole in time");
        }
        socket.setSoTimeout((int) Math.min(Integer.MAX_VALUE, left));
        try {
            return in.read(b, off, len);
        } catch (SocketTimeoutException e) {
            throw new TooSlow("a frame did not arrive whole in time");
        }
    }
}
