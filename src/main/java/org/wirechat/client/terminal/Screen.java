package org.wirechat.client.terminal;

import java.util.function.Consumer;

/** Where the terminal client reads commands and shows output. {@link #show} may be called from any thread. */
interface Screen extends AutoCloseable {
    /** The next line, or {@code null} at end of input. */
    String readLine(String prompt);

    /** A line typed without echo (a password), or {@code null} at end of input. */
    String readSecret(String prompt);

    /** Shows text without disturbing a half-typed line. */
    void show(String text);

    /** The prompt of the line being typed is now this (a person sees it change; a script does not). */
    default void promptChanged(String prompt) {
    }

    /**
     * Tells {@code draft} the line being typed each time a key changes it (a person at a terminal only; a script's
     * lines are whole when read). Called on the thread that reads keys: it must not block.
     */
    default void onDraft(Consumer<String> draft) {
    }

    /** True for a person at a terminal; false when commands come from a pipe or file. */
    boolean interactive();

    @Override
    void close();
}
