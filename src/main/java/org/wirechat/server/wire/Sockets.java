package org.wirechat.server.wire;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;
import org.wirechat.server.tls.TlsSettings;

/** Closing sockets so that a last error frame reaches the peer. */
final class Sockets {
    private static final long LINGER_MILLIS = 2_000;
    private static final int LINGER_BYTES = 1 << 20;
    private static final int TLS_CLOSE_MILLIS = 500;

    private Sockets() {
    }

    /**
     * Sends FIN, then reads and drops what the peer still sends (for at most 2 s or 1 MiB) before
     * closing. Closing with unread input would send RST, which can destroy the error frame just sent
     * before the peer reads it.
     */
    static void closeGracefully(Socket socket) {
        try {
            socket.shutdownOutput();
            InputStream in = socket.getInputStream();
            long deadline = System.nanoTime() + LINGER_MILLIS * 1_000_000;
            byte[] sink = new byte[8192];
            int total = 0;
            while (total < LINGER_BYTES) {
                long left = (deadline - System.nanoTime()) / 1_000_000;
                if (left <= 0) {
                    break;
                }
                socket.setSoTimeout((int) left);
                int n = in.read(sink);
                if (n < 0) {
                    break;
                }
                total += n;
            }
        } catch (IOException ignored) {
            // the peer is gone or too slow: close anyway
        } finally {
            closeQuietly(socket);
        }
    }

    /**
     * Closes now. A TLS socket's close sends close_notify and then reads, until the peer's own
     * close_notify or the read timeout: the timeout is made short first, or a silent peer would hold the
     * closing thread for the whole idle timeout.
     */
    /** Layers server-side TLS over an accepted TCP socket; the handshake happens on first use. */
    static SSLSocket serverTls(SSLSocketFactory tls, Socket tcp) throws IOException {
        SSLSocket secure = (SSLSocket) tls.createSocket(tcp, null, true);
        secure.setEnabledProtocols(TlsSettings.PROTOCOLS);
        secure.setEnabledCipherSuites(TlsSettings.cipherSuites(secure.getEnabledCipherSuites()));
        return secure;
    }

    static void closeQuietly(Socket socket) {
        try {
            if (socket instanceof SSLSocket && !socket.isClosed()) {
                socket.setSoTimeout(TLS_CLOSE_MILLIS);
            }
        } catch (IOException ignored) {
            // closing anyway
        }
        try {
            socket.close();
        } catch (IOException ignored) {
            // nothing more to do with a socket that fails to close
        }
    }
}
