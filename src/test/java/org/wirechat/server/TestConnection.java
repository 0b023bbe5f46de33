package org.wirechat.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import org.wirechat.protocol.ErrorCode;
import org.wirechat.protocol.Frame;
import org.wirechat.protocol.FrameReader;
import org.wirechat.protocol.ProtocolException;
import org.wirechat.protocol.Request;
import org.wirechat.protocol.RequestCodec;
import org.wirechat.protocol.Response;
import org.wirechat.protocol.ResponseCodec;

/**
 * A raw, synchronous test connection: typed requests, or exact bytes. {@link #overGrpc} makes one that
 * carries the same typed requests over gRPC (the client library's {@code GrpcConnection}), so that a
 * suite of typed requests runs over both transports; its raw-frame methods abort the test that uses
 * them (raw frames are the wire protocol's).
 */
public final class TestConnection implements AutoCloseable {
    private final Socket socket;
    private final OutputStream out;
    private final FrameReader reader;
    private final org.wirechat.client.ServerConnection grpc;
    private int nextId = 1;

    private TestConnection(org.wirechat.client.ServerConnection grpc) {
        this.grpc = grpc;
        this.socket = null;
        this.out = null;
        this.reader = null;
    }

    /** The same typed requests, over the server's gRPC port. */
    public static TestConnection overGrpc(InetSocketAddress address) {
        try {
            return new TestConnection(org.wirechat.client.grpc.GrpcConnection.open(address.getHostString(), address.getPort(),
                    java.time.Duration.ofSeconds(10), false, null));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** True when this connection speaks gRPC. */
    public boolean isGrpc() {
        return grpc != null;
    }

    private void wireOnly() {
        if (grpc != null) {
            org.junit.jupiter.api.Assumptions.abort("raw frames are the wire protocol's; this connection speaks gRPC");
        }
    }

    public TestConnection(InetSocketAddress address) {
        this(address, null);
    }

    /** Over TLS when {@code tls} is given, checking the certificate names the host. */
    public TestConnection(InetSocketAddress address, javax.net.ssl.SSLSocketFactory tls) {
        this(address, tls, null);
    }

    /** From the loopback address {@code from} (any of 127.0.0.0/8; null: the system's choice), so a test can be several clients' addresses. */
    public TestConnection(InetSocketAddress address, javax.net.ssl.SSLSocketFactory tls, String from) {
        this.grpc = null;
        try {
            Socket plain = new Socket();
            if (from != null) {
                plain.bind(new InetSocketAddress(from, 0));
            }
            plain.connect(address, 5_000);
            if (tls != null) {
                javax.net.ssl.SSLSocket secure = (javax.net.ssl.SSLSocket) tls.createSocket(plain,
                        address.getAddress().getHostAddress(), address.getPort(), true);
                javax.net.ssl.SSLParameters params = secure.getSSLParameters();
                params.setEndpointIdentificationAlgorithm("HTTPS");
                secure.setSSLParameters(params);
                secure.startHandshake();
                plain = secure;
            }
            socket = plain;
            socket.setSoTimeout(55_000); // below the JUnit timeout: a missing reply fails with a clear error
            out = socket.getOutputStream();
            InputStream in = socket.getInputStream();
            reader = new FrameReader(in, Frame.MAX_FRAME_BYTES);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Sends a request and returns its response (checking the echoed request id). */
    public Response call(Request request) {
        if (grpc != null) {
            try {
                return grpc.call(request);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        int id = nextId++;
        sendFrame(RequestCodec.encode(id, request));
        Frame f = readFrame();
        assertThat(f.requestId()).as("echoed request id").isEqualTo(id);
        return decode(f);
    }

    /** Like {@link #call} but expects success of the given type. */
    public <T extends Response> T ok(Request request, Class<T> type) {
        Response r = call(request);
        assertThat(r).as("response to %s", request).isInstanceOf(type);
        return type.cast(r);
    }

    /** Like {@link #call} but expects an error with this code. */
    public Response.Error error(Request request, ErrorCode code) {
        Response r = call(request);
        assertThat(r).as("response to %s", request).isInstanceOf(Response.Error.class);
        Response.Error e = (Response.Error) r;
        assertThat(e.code()).as("error code, reason: %s", e.reason()).isEqualTo(code);
        return e;
    }

    public void sendFrame(Frame f) {
        sendBytes(f.toBytes());
    }

    public void sendBytes(byte[] bytes) {
        wireOnly();
        try {
            out.write(bytes);
            out.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public Frame readFrame() {
        wireOnly();
        try {
            Frame f = reader.read();
            assertThat(f).as("a frame before the server closed").isNotNull();
            return f;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (ProtocolException e) {
            throw new AssertionError("server sent a broken frame: " + e.getMessage());
        }
    }

    public Response readResponse() {
        return decode(readFrame());
    }

    /** Reads and drops whatever frames the server sends; true once it closes the connection. */
    public boolean closedByServerAfterAnyFrames() {
        wireOnly();
        try {
            while (reader.read() != null) {
                // an error frame, most likely
            }
            return true;
        } catch (IOException e) {
            return true;
        } catch (ProtocolException e) {
            throw new AssertionError("server sent a broken frame: " + e.getMessage());
        }
    }

    /** Decodes a frame already read. */
    static Response decode(Frame f) {
        try {
            return ResponseCodec.decode(f);
        } catch (ProtocolException e) {
            throw new AssertionError("server sent an undecodable response: " + e.getMessage());
        }
    }

    /** True once the server has closed the connection (reads EOF, or a reset). */
    public boolean closedByServer() {
        wireOnly();
        try {
            return socket.getInputStream().read() < 0;
        } catch (IOException e) {
            return true;
        }
    }

    @Override
    public void close() {
        if (grpc != null) {
            grpc.close();
            return;
        }
        try {
            socket.close();
        } catch (IOException ignored) {
            // test teardown
        }
    }
}
