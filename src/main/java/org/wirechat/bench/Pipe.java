package org.wirechat.bench;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.function.Consumer;
import org.wirechat.protocol.Frame;
import org.wirechat.protocol.FrameReader;
import org.wirechat.protocol.ProtocolException;
import org.wirechat.protocol.Request;
import org.wirechat.protocol.RequestCodec;
import org.wirechat.protocol.Response;
import org.wirechat.protocol.ResponseCodec;

/**
 * A pipelining wirechat connection for load: requests go out without waiting, a reader thread hands
 * each response to a callback. The server answers in order.
 */
final class Pipe implements AutoCloseable {
    private final Socket socket;
    private final OutputStream out;
    private int nextId = 1;

    Pipe(InetSocketAddress server, Consumer<Response> onResponse) throws IOException {
        socket = new Socket();
        socket.connect(server, 10_000);
        socket.setTcpNoDelay(true);
        out = socket.getOutputStream();
        FrameReader reader = new FrameReader(new BufferedInputStream(socket.getInputStream(), 64 * 1024), Frame.MAX_FRAME_BYTES);
        Thread.ofVirtual().start(() -> {
            try {
                Frame f;
                while ((f = reader.read()) != null) {
                    onResponse.accept(ResponseCodec.decode(f));
                }
            } catch (IOException | ProtocolException e) {
                // closed
            }
        });
    }

    synchronized void send(Request request) throws IOException {
        out.write(RequestCodec.encode(nextId++, request).toBytes());
        out.flush();
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
