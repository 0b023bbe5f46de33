package org.wirechat.client;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.concurrent.atomic.AtomicInteger;
import org.wirechat.protocol.Frame;
import org.wirechat.protocol.FrameReader;

/**
 * A TCP proxy on loopback that forwards frames, except that it can be told to cut a connection at the
 * moment the server answers a given opcode: the server has done the work, the client never hears of it.
 */
final class CuttingProxy implements AutoCloseable {
    private final InetSocketAddress target;
    private final ServerSocket listening;
    private final AtomicInteger cutOnResponseOpcode = new AtomicInteger(-1);
    private final AtomicInteger cuts = new AtomicInteger();

    CuttingProxy(InetSocketAddress target) throws IOException {
        this.target = target;
        this.listening = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread.ofVirtual().start(this::accept);
    }

    int port() {
        return listening.getLocalPort();
    }

    /** The next response with this (response) opcode is swallowed and its connection cut. */
    void cutAtNextResponse(int responseOpcode) {
        cutOnResponseOpcode.set(responseOpcode);
    }

    int cuts() {
        return cuts.get();
    }

    private void accept() {
        while (!listening.isClosed()) {
            try {
                Socket client = listening.accept();
                Socket server = new Socket(target.getAddress(), target.getPort());
                Thread.ofVirtual().start(() -> pumpBytes(client, server));
                Thread.ofVirtual().start(() -> pumpFrames(server, client));
            } catch (IOException e) {
                return;
            }
        }
    }

    private static void pumpBytes(Socket from, Socket to) {
        try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
            in.transferTo(out);
        } catch (IOException e) {
            // one side went away
        } finally {
            closeBoth(from, to);
        }
    }

    private void pumpFrames(Socket server, Socket client) {
        try {
            FrameReader reader = new FrameReader(server.getInputStream(), Frame.MAX_FRAME_BYTES);
            OutputStream out = client.getOutputStream();
            Frame f;
            while ((f = reader.read()) != null) {
                if (cutOnResponseOpcode.compareAndSet(f.opcode(), -1)) {
                    cuts.incrementAndGet();
                    break;
                }
                out.write(f.toBytes());
                out.flush();
            }
        } catch (Exception e) {
            // one side went away
        } finally {
            closeBoth(server, client);
        }
    }

    private static void closeBoth(Socket a, Socket b) {
        try {
            a.close();
        } catch (IOException ignored) {
            // closing
        }
        try {
            b.close();
        } catch (IOException ignored) {
            // closing
        }
    }

    @Override
    public void close() throws IOException {
        listening.close();
    }
}
