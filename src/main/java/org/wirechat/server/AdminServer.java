package org.wirechat.server;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Administration while the server runs, out of the network's reach: a Unix domain socket in the data
 * directory ({@value #SOCKET_FILE}, mode 0600, in a directory of mode 0700), so only the server's own
 * user (and root) can use it. A request is the command's words, one a line, ended by an empty line; the
 * answer is {@code OK} or {@code FAILED} on its first line, then text. {@code wirechat-server admin}
 * speaks it. A request must arrive whole within {@link #REQUEST_DEADLINE}, or the connection is cut.
 */
final class AdminServer implements AutoCloseable {
    static final String SOCKET_FILE = "admin.sock";
    private static final int REQUEST_MAX = 64 * 1024;
    /** A request must have arrived whole this long after the connection: one that sends nothing, or trickles, is cut. */
    static final Duration REQUEST_DEADLINE = Duration.ofSeconds(10);
    private static final Logger log = LoggerFactory.getLogger(AdminServer.class);

    /** Carries out a command; what it returns is the answer's text, what it throws the failure's. */
    interface Handler {
        String handle(List<String> words) throws Exception;
    }

    private final Path path;
    private final ServerSocketChannel channel;
    private final Duration deadline;

    /**
     * The data directory is this server's (its lock is held: by the SQLite store, or with PostgreSQL by the
     * server itself), so a socket file left by a killed one is replaced.
     */
    AdminServer(Path dataDir, Handler handler) throws IOException {
        this(dataDir, handler, REQUEST_DEADLINE);
    }

    /** The same, with requests cut after {@code deadline} (a short one for tests). */
    AdminServer(Path dataDir, Handler handler, Duration deadline) throws IOException {
        this.deadline = deadline;
        path = dataDir.resolve(SOCKET_FILE);
        Files.deleteIfExists(path);
        channel = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        channel.bind(UnixDomainSocketAddress.of(path));
        Files.setPosixFilePermissions(path, PosixFilePermissions.fromString("rw-------"));
        Thread.ofPlatform().name("admin").daemon(true).start(() -> accept(handler));
    }

    private void accept(Handler handler) {
        while (channel.isOpen()) {
            try {
                SocketChannel c = channel.accept();
                Thread.ofVirtual().name("admin-request").start(() -> serve(c, handler));
            } catch (IOException e) {
                if (channel.isOpen()) {
                    log.warn("the administration socket failed to accept: {}", e.toString());
                }
            }
        }
    }

    private void serve(SocketChannel c, Handler handler) {
        try (c) {
            CompletableFuture<Void> cut = CompletableFuture.runAsync(() -> closeQuietly(c),
                    CompletableFuture.delayedExecutor(deadline.toMillis(), TimeUnit.MILLISECONDS));
            List<String> words;
            try {
                words = read(c);
            } finally {
                cut.cancel(false); // the request is in (or the connection gone): the command may take as long as it needs
            }
            if (!c.isOpen()) {
                log.debug("an administration request did not arrive within {}: connection closed", deadline);
                return;
            }
            String answer;
            try {
                answer = "OK\n" + handler.handle(words);
            } catch (Exception e) {
                answer = "FAILED\n" + (e.getMessage() == null ? e.toString() : e.getMessage());
            }
            c.write(ByteBuffer.wrap((answer.endsWith("\n") ? answer : answer + "\n").getBytes(StandardCharsets.UTF_8)));
        } catch (IOException e) {
            log.debug("an administration request failed: {}", e.toString());
        }
    }

    private static void closeQuietly(SocketChannel c) {
        try {
            c.close();
        } catch (IOException e) {
            log.debug("closing a slow administration connection: {}", e.toString());
        }
    }

    /** The request's lines up to the first empty one. */
    private static List<String> read(SocketChannel c) throws IOException {
        ByteArrayOutputStream got = new ByteArrayOutputStream();
        ByteBuffer buf = ByteBuffer.allocate(4096);
        while (!got.toString(StandardCharsets.UTF_8).contains("\n\n")) {
            buf.clear();
            if (c.read(buf) < 0) {
                break;
            }
            got.write(buf.array(), 0, buf.position());
            if (got.size() > REQUEST_MAX) {
                throw new IOException("request too long");
            }
        }
        List<String> words = new ArrayList<>();
        for (String line : got.toString(StandardCharsets.UTF_8).split("\n", -1)) {
            if (line.isEmpty()) {
                break;
            }
            words.add(line);
        }
        return words;
    }

    /** Sends {@code words} to the server whose data directory is {@code dataDir}; returns its answer's lines. */
    static List<String> ask(Path dataDir, List<String> words) throws IOException {
        try (SocketChannel c = SocketChannel.open(UnixDomainSocketAddress.of(dataDir.resolve(SOCKET_FILE)))) {
            c.write(ByteBuffer.wrap((String.join("\n", words) + "\n\n").getBytes(StandardCharsets.UTF_8)));
            c.shutdownOutput();
            String answer = new String(Channels.newInputStream(c).readAllBytes(), StandardCharsets.UTF_8);
            return List.of(answer.split("\n"));
        }
    }

    @Override
    public void close() {
        try {
            channel.close();
            Files.deleteIfExists(path);
        } catch (IOException e) {
            log.debug("closing the administration socket: {}", e.toString());
        }
    }
}
