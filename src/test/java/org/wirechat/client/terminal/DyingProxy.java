package org.wirechat.client.terminal;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.wirechat.protocol.Frame;
import org.wirechat.protocol.FrameReader;
import org.wirechat.protocol.Opcode;
import org.wirechat.server.Await;

/**
 * A server that dies during a login's follow-ups: a TCP proxy on loopback in front of the real server that, once
 * a login (LOGIN or LOGIN_DEVICE) has gone through, goes away at the next request of any kind — every connection
 * cut, nothing listening — as a server killed just after answering the login would. {@link #revive} brings it
 * back on the same port.
 */
final class DyingProxy implements AutoCloseable {
    private final int target;
    private final int port;
    private final List<Socket> open = new CopyOnWriteArrayList<>();
    private volatile ServerSocket listening;
    private volatile boolean loginPassed;
    private volatile boolean dead;
    private volatile boolean died;

    DyingProxy(int target) throws IOException {
        this.target = target;
        this.listening = listen(0);
        this.port = listening.getLocalPort();
        Thread.ofVirtual().start(this::accept);
    }

    int port() {
        return port;
    }

    /** True once it has gone away (and until revived). */
    boolean dead() {
        return dead;
    }

    /** Listens again on the same port and forwards everything from now on (it dies only once). */
    void revive() {
        Await.until("port " + port + " free to listen on again", () -> {
            try {
                listening = listen(port);
                return true;
            } catch (IOException e) {
                return false;
            }
        });
        dead = false;
        Thread.ofVirtual().start(this::accept);
    }

    private static ServerSocket listen(int port) throws IOException {
        ServerSocket s = new ServerSocket();
        s.setReuseAddress(true);
        s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port), 50);
        return s;
    }

    private void accept() {
        ServerSocket l = listening;
        while (!l.isClosed()) {
            try {
                Socket client = l.accept();
                if (dead) {
                    close(client);
                    continue;
                }
                Socket server = new Socket(InetAddress.getLoopbackAddress(), target);
                open.add(client);
                open.add(server);
                Thread.ofVirtual().start(() -> requests(client, server));
                Thread.ofVirtual().start(() -> answers(server, client));
            } catch (IOException e) {
                return;
            }
        }
    }

    /** Client to server, frame by frame: the first request after a login kills the server instead of reaching it. */
    private void requests(Socket client, Socket server) {
        try {
            FrameReader reader = new FrameReader(client.getInputStream(), Frame.MAX_FRAME_BYTES);
            OutputStream out = server.getOutputStream();
            Frame f;
            while ((f = reader.read()) != null) {
                boolean login = f.opcode() == Opcode.LOGIN.wire() || f.opcode() == Opcode.LOGIN_DEVICE.wire();
                if (dead || loginPassed && !login && !died) { // a connection made just as it died goes too
                    die();
                    return;
                }
                loginPassed |= login;
                out.write(f.toBytes());
                out.flush();
            }
        } catch (Exception e) {
            // one side went away
        } finally {
            close(client);
            close(server);
        }
    }

    private void answers(Socket server, Socket client) {
        try (InputStream in = server.getInputStream(); OutputStream out = client.getOutputStream()) {
            in.transferTo(out);
        } catch (IOException e) {
            // one side went away
        } finally {
            close(client);
            close(server);
        }
    }

    private synchronized void die() {
        died = true;
        dead = true;
        close(listening);
        open.forEach(DyingProxy::close);
        open.clear();
    }

    private static void close(AutoCloseable c) {
        try {
            c.close();
        } catch (Exception ignored) {
            // closing anyway
        }
    }

    @Override
    public void close() {
        close(listening);
        open.forEach(DyingProxy::close);
    }
}
