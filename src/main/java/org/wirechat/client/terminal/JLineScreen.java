package org.wirechat.client.terminal;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.jline.reader.Completer;
import org.jline.reader.EndOfFileException;
import org.jline.reader.LineReader;
import org.jline.reader.LineReaderBuilder;
import org.jline.reader.UserInterruptException;
import org.jline.reader.Widget;
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

    /** The widgets that change the line being typed (JLine looks widgets up by name at each key, so wrapping them here is enough). */
    private static final List<String> EDITS = List.of(LineReader.SELF_INSERT, LineReader.BACKWARD_DELETE_CHAR,
            LineReader.DELETE_CHAR, LineReader.BACKWARD_KILL_WORD, LineReader.KILL_WORD, LineReader.KILL_LINE,
            LineReader.KILL_WHOLE_LINE, LineReader.BACKWARD_KILL_LINE, LineReader.YANK);

    @Override
    public void onDraft(Consumer<String> draft) {
        Map<String, Widget> widgets = reader.getWidgets();
        for (String name : EDITS) {
            Widget edit = widgets.get(name);
            if (edit != null) {
                widgets.put(name, () -> {
                    boolean done = edit.apply();
                    if (!secret) { // a password is never a draft
                        draft.accept(reader.getBuffer().toString());
                    }
                    return done;
                });
            }
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
