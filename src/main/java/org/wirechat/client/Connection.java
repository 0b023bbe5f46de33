package org.wirechat.client;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.NoRouteToHostException;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.time.Duration;
import java.util.concurrent.locks.ReentrantLock;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;
import org.wirechat.protocol.Frame;
import org.wirechat.protocol.FrameReader;
import org.wirechat.protocol.ProtocolException;
import org.wirechat.protocol.Request;
import org.wirechat.protocol.RequestCodec;
import org.wirechat.protocol.Response;
import org.wirechat.protocol.ResponseCodec;

/**
 * One TCP connection to a server: a request goes out with a fresh request id and the response with
 * the same id comes back. One request at a time (callers on several threads take turns); anything
 * unexpected on the wire, or a frame by which the server ends the connection, closes it and surfaces
 * as {@link ConnectionLostException}.
 */
public final class Connection implements ServerConnection {
    /** How long any answer may take beyond the time a FETCH asked the server to wait. */
    static final Duration ANSWER_TIMEOUT = Duration.ofSeconds(30);

    private final Socket socket;
    /** The read timeout last set on {@link #socket}; set again only when a call needs another (no setsockopt per call). */
    private int readTimeout = -1;
    private final OutputStream out;
    private final BufferedInputStream in;
    private final FrameReader reader;
    private final ReentrantLock turn = new ReentrantLock();
    private int nextId = 1;
    private volatile boolean closed;

    private Connection(Socket socket) throws IOException {
        this.socket = socket;
        socket.setTcpNoDelay(true);
        this.out = socket.getOutputStream();
        this.in = new BufferedInputStream(socket.getInputStream(), 16 * 1024);
        this.reader = new FrameReader(in, Frame.MAX_FRAME_BYTES);
    }

    /**
     * True if, while no call was in progress, the server sent something unasked: a server only does that
     * to say it is closing the connection (shutting down, idle timeout), so the connection is done with —
     * and after a server restart, using it would report a loss that is already over.
     */
    public boolean serverSaidGoodbye() {
        if (closed || !turn.tryLock()) {
            return closed;
        }
        try {
            return in.available() > 0;
        } catch (IOException e) {
            return true;
        } finally {
            turn.unlock();
        }
    }

    /**
     * Why a first connection to {@code host:port} failed, in words a person can act on: nothing listening,
     * no such host, no answer, or the server's own reason.
     */
    public static String whyNotConnected(String host, int port, IOException e) {
        String at = (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
        if (e instanceof UnknownHostException) {
            return "cannot connect to " + at + ": unknown host \"" + host + "\" — check the name";
        }
        if (e instanceof ConnectException) {
            return "cannot connect to " + at + ": nothing is listening there (connection refused) — is the server running, "
                    + "and is the port right?";
        }
        if (e instanceof SocketTimeoutException) {
            return "cannot connect to " + at + ": no answer in time — is the address right, or is a firewall in the way?";
        }
        if (e instanceof NoRouteToHostException) {
            return "cannot connect to " + at + ": no route to that host";
        }
        return "cannot connect to " + at + ": " + (e.getMessage() == null ? e.toString() : e.getMessage());
    }

    public static Connection open(String host, int port, Duration connectTimeout) throws IOException {
        return open(host, port, connectTimeout, null);
    }

    /**
     * Connects, over TLS if {@code tls} is given: TLS 1.3 or 1.2, the server's certificate checked
     * against the trust in {@code tls} and against {@code host}.
     */
    public static Connection open(String host, int port, Duration connectTimeout, SSLSocketFactory tls) throws IOException {
        Socket socket = new Socket();
        try {
            socket.connect(new InetSocketAddress(host, port), (int) connectTimeout.toMillis());
            if (tls != null) {
                SSLSocket secure = (SSLSocket) tls.createSocket(socket, host, port, true);
                SSLParameters params = secure.getSSLParameters();
                params.setEndpointIdentificationAlgorithm("HTTPS"); // the certificate must name this host
                params.setProtocols(Tls.PROTOCOLS);
                secure.setSSLParameters(params);
                secure.setSoTimeout((int) ANSWER_TIMEOUT.toMillis());
                secure.startHandshake();
                socket = secure;
            }
            return new Connection(socket);
        } catch (SSLHandshakeException e) {
            socket.close();
            throw new IncompatibleServerException("TLS with " + host + ":" + port + " failed: " + e.getMessage()
                    + " — is the server's certificate trusted (--truststore FILE) and made for this host name?"
                    + " Or does the server not use TLS?", e);
        } catch (SSLException e) {
            socket.close();
            throw new IOException("TLS with " + host + ":" + port + " failed: " + e.getMessage(), e);
        } catch (IOException e) {
            socket.close();
            throw e;
        }
    }

    /**
     * Sends the request and waits for its response (an error response is a {@link Response.Error},
     * not an exception).
     *
     * @throws ConnectionLostException the connection is gone; it is closed
     * @throws IncompatibleServerException the server does not speak wirechat; it is closed
     */
    public Response call(Request request) throws ConnectionLostException, IncompatibleServerException {
        turn.lock();
        try {
            if (closed) {
                throw new ConnectionLostException("connection closed");
            }
            int id = nextId++;
            long waitMillis = request instanceof Request.Fetch f ? f.maxWaitMillis() : 0;
            int timeout = (int) Math.min(Integer.MAX_VALUE, waitMillis + ANSWER_TIMEOUT.toMillis());
            if (timeout != readTimeout) {
                socket.setSoTimeout(timeout);
                readTimeout = timeout;
            }
            out.write(RequestCodec.encode(id, request).toBytes());
            out.flush();
            Frame frame = reader.read();
            if (frame == null) {
                throw lost("the server closed the connection", null);
            }
            Response response = ResponseCodec.decode(frame);
            if (frame.requestId() != id) {
                if (response instanceof Response.Error e && e.code().closesConnection()) {
                    throw lost(ErrorText.describe(e), null); // e.g. the server is shutting down
                }
                throw lost("the server answered request " + frame.requestIdUnsigned() + " instead of " + id, null);
            }
            if (response instanceof Response.Error e && e.code().closesConnection()) {
                close();
            }
            return response;
        } catch (SocketTimeoutException e) {
            throw lost("the server did not answer in time", e);
        } catch (ProtocolException e) {
            close();
            throw new IncompatibleServerException("the server's answer is not wirechat (" + e.getMessage()
                    + ") — is it a TLS server (then use --tls), or another program?", e);
        } catch (ConnectionLostException | IncompatibleServerException e) {
            close();
            throw e;
        } catch (IOException e) {
            throw lost(e.getMessage() == null ? e.toString() : e.getMessage(), e);
        } finally {
            turn.unlock();
        }
    }

    private ConnectionLostException lost(String why, Throwable cause) {
        close();
        return new ConnectionLostException(why, cause);
    }

    public boolean isClosed() {
        return closed;
    }

    /** Closes the socket; a call in progress on another thread fails with {@link ConnectionLostException}. */
    @Override
    public void close() {
        closed = true;
        try {
            socket.close();
        } catch (IOException ignored) {
            // closing anyway
        }
    }
}
