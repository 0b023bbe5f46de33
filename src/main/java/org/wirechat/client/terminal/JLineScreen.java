package org.wirechat.client.terminal;

import java.io.IOException;
import java.io.UncheckedIOException;
import org.jline.reader.Completer;
import org.jline.reader.EndOfFileException;
import org.jline.reader.LineReader;
import org.jline.reader.LineReaderBuilder;
import org.jline.reader.UserInterruptException;
import org.jline.reader.impl.LineReaderImpl;
import org.jline.terminal.Terminal;
import org.jline.terminal.TerminalBuilder;

/**
 * A person at a terminal: JLine edits the line (history, completion) and prints incoming messages
 * above the prompt, so a half-typed line is never garbled. Passwords are read without echo and are
 * kept out of the history.
 */
final class JLineScreen implements Screen {
    private final Terminal terminal;
    private final LineReader reader;
    /** A password is being typed: its prompt is not replaced. */
    private volatile boolean secret;

    JLineScreen(Completer completer) {
        this(completer, TerminalBuilder.builder().system(true));
    }

    /**
     * On the terminal {@code builder} opens (the system's, or a test's pseudo-terminal). JLine is told not to
     * probe the terminal for grapheme clustering: the probe reads the input for the terminal's answer and
     * discards whatever else is there — the lines a person typed before the prompt was first ready.
     */
    JLineScreen(Completer completer, TerminalBuilder builder) {
        try {
            terminal = builder.name("wirechat").graphemeCluster(false).build();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open the terminal", e);
        }
        reader = LineReaderBuilder.builder().terminal(terminal).appName("wirechat").completer(completer)
                .option(LineReader.Option.DISABLE_EVENT_EXPANSION, true) // '!' is text here
                .build();
    }

    @Override
    public String readLine(String prompt) {
        while (true) {
            try {
                return reader.readLine(prompt);
            } catch (UserInterruptException e) {
                show("(Ctrl-C: type /quit or press Ctrl-D to leave)");
            } catch (EndOfFileException e) {
                return null;
            }
        }
    }

    @Override
    public String readSecret(String prompt) {
        reader.variable(LineReader.DISABLE_HISTORY, true); // a password must not be recalled with the up arrow
        secret = true;
        try {
            return reader.readLine(prompt, (char) 0);
        } catch (UserInterruptException | EndOfFileException e) {
            return null;
        } finally {
            secret = false;
            reader.variable(LineReader.DISABLE_HISTORY, false);
        }
    }

    @Override
    public void show(String text) {
        reader.printAbove(text);
    }

    @Override
    public void promptChanged(String prompt) {
        if (secret || !(reader instanceof LineReaderImpl impl) || !impl.isReading()) {
            return;
        }
        try {
            impl.setPrompt(prompt);
            impl.callWidget(LineReader.REDRAW_LINE);
            impl.callWidget(LineReader.REDISPLAY);
        } catch (IllegalStateException e) {
            // the line was finished meanwhile: the next one is read with the new prompt anyway
        }
    }

    @Override
    public boolean interactive() {
        return true;
    }

    @Override
    public void close() {
        try {
            terminal.close();
        } catch (IOException ignored) {
            // leaving anyway
        }
    }
}
