package org.wirechat.client;

import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import org.wirechat.client.terminal.TerminalClient;
import org.wirechat.server.Await;

/**
 * The terminal client's run method on a background thread, fed lines as a pipe would feed them,
 * with its output captured. Lines can be typed at any time, as a person would.
 */
public final class ScriptedClient implements AutoCloseable {
    public static final ChatClient.Options FAST = new ChatClient.Options(Duration.ofSeconds(2),
            new Backoff(Duration.ofMillis(20), Duration.ofMillis(300)), Duration.ofSeconds(10), Duration.ofSeconds(20));

    private final LineFeed input = new LineFeed();
    private final ByteArrayOutputStream output = new ByteArrayOutputStream();
    private final CompletableFuture<Integer> exit;

    ScriptedClient(int port) {
        this(port, FAST);
    }

    ScriptedClient(int port, ChatClient.Options options) {
        this(port, options, TerminalClient.Stores.IN_MEMORY);
    }

    /** A client that keeps its conversations in {@code stores} (e.g. a test's own data directory). */
    ScriptedClient(int port, ChatClient.Options options, TerminalClient.Stores stores) {
        PrintStream out = new PrintStream(output, true, StandardCharsets.UTF_8);
        exit = CompletableFuture.supplyAsync(() -> TerminalClient.scripted("127.0.0.1", port, options, stores, input, out),
                r -> Thread.ofVirtual().start(r));
    }

    private ScriptedClient(Path configDir, String... args) {
        PrintStream out = new PrintStream(output, true, StandardCharsets.UTF_8);
        exit = CompletableFuture.supplyAsync(() -> ClientMain.run(args, input, out, out, configDir),
                r -> Thread.ofVirtual().start(r));
    }

    /**
     * The whole client as its command line starts it ({@code wirechat-client --script ARGS}), with this
     * installation's files in {@code configDir} (its HOME, as far as the client is concerned).
     */
    static ScriptedClient main(Path configDir, String... args) {
        String[] all = new String[args.length + 1];
        all[0] = "--script";
        System.arraycopy(args, 0, all, 1, args.length);
        return new ScriptedClient(configDir, all);
    }

    ScriptedClient type(String... lines) {
        for (String line : lines) {
            input.add((line + "\n").getBytes(StandardCharsets.UTF_8));
        }
        return this;
    }

    String output() {
        return output.toString(StandardCharsets.UTF_8);
    }

    /** Waits until the output contains {@code text} (the JUnit timeout bounds the wait). */
    ScriptedClient awaitOutput(String text) {
        Await.until("client output containing '" + text + "'; so far:\n" + output(), () -> output().contains(text));
        return this;
    }

    /** Ends the input (like closing a pipe) and returns the exit status. */
    int finish() {
        input.end();
        return exit.join();
    }

    @Override
    public void close() {
        input.end();
        exit.join();
    }

    /** An input stream fed by the test; ends when told to. */
    private static final class LineFeed extends InputStream {
        private static final byte[] END = new byte[0];
        private final LinkedBlockingQueue<byte[]> chunks = new LinkedBlockingQueue<>();
        private byte[] current = new byte[0];
        private int pos;
        private boolean ended;

        void add(byte[] chunk) {
            chunks.add(chunk);
        }

        void end() {
            chunks.add(END);
        }

        @Override
        public int read() {
            byte[] one = new byte[1];
            int n = read(one, 0, 1);
            return n < 0 ? -1 : one[0] & 0xFF;
        }

        @Override
        public synchronized int read(byte[] b, int off, int len) {
            if (len == 0) {
                return 0;
            }
            while (pos == current.length) {
                if (ended) {
                    return -1;
                }
                try {
                    current = chunks.take();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return -1;
                }
                pos = 0;
                if (current == END) {
                    ended = true;
                    return -1;
                }
            }
            int n = Math.min(len, current.length - pos);
            System.arraycopy(current, pos, b, off, n);
            pos += n;
            return n;
        }
    }
}
