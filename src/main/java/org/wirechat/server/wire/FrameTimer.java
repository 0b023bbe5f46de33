package org.wirechat.server.wire;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;

/**
 * Sits under a session's read buffer and keeps the deadline of the read in progress: between frames,
 * the idle timeout (the first-frame timeout before the first frame); once a frame has started, whatever
 * is left of the frame timeout. So a peer that trickles a frame a byte at a time (slowloris) is cut off
 * when the frame's time is up, however often it sends a byte.
 *
 * <p>No timer is armed per read on a plain connection: reads block without a timeout, and the deadline
 * sweep ({@link Listener#closeOverdue}, ten times a second) ends a read that is past its
 * {@link #deadline()} by shutting the connection's input, after {@link #expire()} recorded why. A timer
 * armed and cancelled for every read cost a wake-up of the JDK's timer thread each time. Over TLS, whose
 * input cannot be shut down alone, each read sets the socket's timeout as before.
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
    private final boolean timedReads;
    private final long frameTimeoutNanos;
    private volatile long idleNanos;
    /** When the frame in progress must be complete; 0 between frames. Session thread only. */
    private long frameDeadline;
    /** When the read in progress must end (System.nanoTime), or 0 when no read is in progress. */
    private volatile long readDeadline;
    /** Set by the sweep when it ended a read: the read was past its deadline. */
    private volatile boolean expired;

    /**
     * @param timedReads set the socket's read timeout for each read (TLS) instead of relying on the sweep
     */
    FrameTimer(InputStream in, Socket socket, boolean timedReads, long frameTimeoutMillis, long idleMillis) {
        super(in);
        this.socket = socket;
        this.timedReads = timedReads;
        this.frameTimeoutNanos = frameTimeoutMillis * 1_000_000;
        this.idleNanos = idleMillis * 1_000_000;
    }

    /** The timeout between frames from now on. */
    void idleTimeout(long millis) {
        idleNanos = millis * 1_000_000;
    }

    /** A frame was read whole; {@code nextStarted} if bytes of the next one are already buffered. */
    void frameDone(boolean nextStarted) {
        frameDeadline = nextStarted ? System.nanoTime() + frameTimeoutNanos : 0;
    }

    /** When the read in progress must end, or 0 if none is in progress (for the sweep). */
    long deadline() {
        return readDeadline;
    }

    /** The sweep ended the read in progress because it was past its deadline. */
    void expire() {
        expired = true;
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xFF;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        long now = System.nanoTime();
        long deadline;
        if (frameDeadline == 0) {
            deadline = now + idleNanos;
        } else {
            deadline = frameDeadline;
            if (deadline - now <= 0) {
                throw new TooSlow("a frame did not arrive whole in time");
            }
        }
        if (timedReads) {
            socket.setSoTimeout((int) Math.max(1, Math.min(Integer.MAX_VALUE, (deadline - now) / 1_000_000)));
        }
        readDeadline = deadline;
        int n;
        try {
            n = in.read(b, off, len);
        } catch (SocketTimeoutException e) {
            if (frameDeadline != 0) {
                throw new TooSlow("a frame did not arrive whole in time");
            }
            throw e;
        } finally {
            readDeadline = 0;
        }
        if (n > 0 && frameDeadline == 0) {
            frameDeadline = System.nanoTime() + frameTimeoutNanos;
        }
        if (expired) {
            // the sweep shut the input as this read ended: it was past its deadline, whatever it returned
            if (frameDeadline != 0) {
                throw new TooSlow("a frame did not arrive whole in time");
            }
            throw new SocketTimeoutException("no request in time");
        }
        return n;
    }
}
