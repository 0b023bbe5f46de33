package org.wirechat.client.terminal;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.jline.terminal.Size;
import org.jline.terminal.TerminalBuilder;
import org.wirechat.client.ChatClient;
import org.wirechat.server.Await;

/**
 * A person at the interactive terminal client: keys go in through a real pseudo-terminal (the kernel's line
 * discipline, echo and all, as a terminal emulator's would), and what the client draws comes out. Like a
 * terminal emulator, it answers the client's queries (device attributes, modes). Keys can be typed at any
 * time, also before the client has started.
 */
final class Person implements AutoCloseable {
    private static final Pattern ESCAPE = Pattern.compile("\u001B(\\[[0-9;?<=>$]*[ -/]*[@-~]|[=>])|\r");
    private static final Pattern COMPLETE = Pattern.compile("\u001B(\\[[0-9;?<=>$]*[ -/]*[@-~]|[=>])");
    private static final Pattern MODE_QUERY = Pattern.compile("\u001B\\[\\?(\\d+)\\$p");

    private static final Duration LEAVING = Duration.ofSeconds(10);

    private final Keys keys = new Keys();
    private final Display display = new Display();
    private CompletableFuture<Integer> exit;

    /** Types {@code text} (a line ends with {@code \r}, the Enter key). */
    Person type(String text) {
        keys.add(text.getBytes(StandardCharsets.UTF_8));
        return this;
    }

    /** Starts the client at this person's terminal. */
    Person start(int port, ChatClient.Options options) {
        TerminalBuilder terminal = TerminalBuilder.builder().system(false).streams(keys, display).type("xterm-256color")
                .size(new Size(160, 50)).providers("ffm,jni,exec");
        exit = CompletableFuture.supplyAsync(() -> TerminalClient.interactive("127.0.0.1", port, options,
                TerminalClient.Stores.IN_MEMORY, terminal), r -> Thread.ofPlatform().daemon(true).start(r));
        return this;
    }

    /** What the screen showed so far, without the terminal's control sequences. */
    String screen() {
        return ESCAPE.matcher(display.text()).replaceAll("");
    }

    /** Waits until the screen shows {@code text} after {@code from} (a length of {@link #screen()}). */
    Person awaitScreen(String text, int from) {
        Await.until(() -> "the screen showing '" + text + "'; it shows:\n" + screen(), () -> {
            String s = screen();
            return s.length() > from && s.indexOf(text, from) >= 0;
        });
        return this;
    }

    Person awaitScreen(String text) {
        return awaitScreen(text, 0);
    }

    /** Types /quit and returns the client's exit status. */
    int quit() {
        type("/quit\r");
        return exit.join();
    }

    /** Leaves with Ctrl-D; a client that does not end (a failed test's) is left to its daemon thread. */
    @Override
    public void close() {
        if (exit != null && !exit.isDone()) {
            type("\u0004"); // Ctrl-D on an empty line
            try {
                exit.get(LEAVING.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } catch (ExecutionException | TimeoutException e) {
                // the test's own assertion says what went wrong
            }
        }
        keys.end();
    }

    /** The keyboard: an input stream fed by the test. */
    private static final class Keys extends InputStream {
        private static final byte[] END = new byte[0];
        private final LinkedBlockingQueue<byte[]> chunks = new LinkedBlockingQueue<>();
        private byte[] current = new byte[0];
        private int pos;

        void add(byte[] chunk) {
            chunks.add(chunk);
        }

        void end() {
            chunks.add(END);
        }

        @Override
        public int read() throws IOException {
            byte[] one = new byte[1];
            return read(one, 0, 1) < 0 ? -1 : one[0] & 0xFF;
        }

        @Override
        public synchronized int read(byte[] b, int off, int len) throws IOException {
            if (len == 0) {
                return 0;
            }
            while (pos == current.length) {
                try {
                    current = chunks.take();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new IOException("interrupted");
                }
                pos = 0;
                if (current == END) {
                    chunks.add(END);
                    return -1;
                }
            }
            int n = Math.min(len, current.length - pos);
            System.arraycopy(current, pos, b, off, n);
            pos += n;
            return n;
        }
    }

    /** The screen: keeps what is drawn and answers queries as xterm does. */
    private final class Display extends OutputStream {
        private final ByteArrayOutputStream drawn = new ByteArrayOutputStream();
        private int answeredUpTo;

        @Override
        public synchronized void write(int b) {
            drawn.write(b);
            answer();
        }

        @Override
        public synchronized void write(byte[] b, int off, int len) {
            drawn.write(b, off, len);
            answer();
        }

        synchronized String text() {
            return drawn.toString(StandardCharsets.UTF_8);
        }

        /** Device attributes ("a VT220 with colours"), and each mode asked about is "not recognised". */
        private void answer() {
            String all = drawn.toString(StandardCharsets.ISO_8859_1);
            String fresh = all.substring(answeredUpTo);
            int last = fresh.lastIndexOf('\u001B');
            int done = last >= 0 && !COMPLETE.matcher(fresh.substring(last)).lookingAt() ? last : fresh.length(); // one cut in two waits
            String whole = fresh.substring(0, done);
            Matcher m = MODE_QUERY.matcher(whole);
            while (m.find()) {
                keys.add(("\u001B[?" + m.group(1) + ";0$y").getBytes(StandardCharsets.US_ASCII));
            }
            int da = whole.indexOf("\u001B[c");
            while (da >= 0) {
                keys.add("\u001B[?62;22c".getBytes(StandardCharsets.US_ASCII));
                da = whole.indexOf("\u001B[c", da + 1);
            }
            answeredUpTo += done;
        }
    }
}
