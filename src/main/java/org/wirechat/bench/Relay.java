package org.wirechat.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The baseline: a bare relay, the least a chat server must do. A client sends its name on the first
 * line, then lines {@code TO BODY}; the relay writes {@code FROM BODY} to TO's connection. One virtual
 * thread per connection, no accounts, no storage, no acknowledgements, no polling. The relay answers
 * {@code ok} to the name line, so a client knows it can be reached before anyone writes to it.
 */
final class Relay implements AutoCloseable {
    private final ServerSocket listening;
    private final ConcurrentHashMap<String, OutputStream> byName = new ConcurrentHashMap<>();

    Relay() throws IOException {
        listening = new ServerSocket(0, 1024, InetAddress.getLoopbackAddress());
        Thread.ofPlatform().name("relay-accept").daemon(true).start(this::accept);
    }

    /**
     * The relay as a process of its own (as the server is), so that its CPU is measured apart from the
     * load generator's: prints {@code relay listening on PORT} and serves until killed.
     */
    public static void main(String[] args) throws IOException, InterruptedException {
        Relay relay = new Relay();
        System.out.println("relay listening on " + relay.port());
        System.out.flush();
        Thread.currentThread().join();
    }

    int port() {
        return listening.getLocalPort();
    }

    private void accept() {
        while (!listening.isClosed()) {
            try {
                Socket s = listening.accept();
                s.setTcpNoDelay(true);
                Thread.ofVirtual().start(() -> serve(s));
            } catch (IOException e) {
                return;
            }
        }
    }

    private void serve(Socket s) {
        try (s) {
            BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8));
            String me = in.readLine();
            if (me == null) {
                return;
            }
            byName.put(me, s.getOutputStream());
            s.getOutputStream().write("ok\n".getBytes(StandardCharsets.UTF_8)); // registered: traffic may start
            s.getOutputStream().flush();
            String line;
            while ((line = in.readLine()) != null) {
                int space = line.indexOf(' ');
                OutputStream to = byName.get(line.substring(0, space));
                if (to == null) {
                    continue;
                }
                byte[] out = (me + line.substring(space) + "\n").getBytes(StandardCharsets.UTF_8);
                synchronized (to) {
                    to.write(out);
                    to.flush();
                }
            }
        } catch (IOException e) {
            // a client left
        }
    }

    @Override
    public void close() throws IOException {
        listening.close();
    }
}
