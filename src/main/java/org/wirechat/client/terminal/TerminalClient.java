package org.wirechat.client.terminal;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.jline.reader.Candidate;
import org.jline.reader.Completer;
import org.jline.terminal.TerminalBuilder;
import org.wirechat.client.ChatClient;
import org.wirechat.client.ChatException;
import org.wirechat.client.local.LocalStore;
import org.wirechat.client.local.StoreFiles;
import org.wirechat.protocol.Limits;
import org.wirechat.protocol.Response;

/**
 * The terminal front end: reads commands, shows results, and shows incoming messages as the poller
 * delivers them. Interactive on a terminal (JLine); plain line-by-line when scripted, where it exits
 * non-zero if any command failed and, at the end of input, shows the messages still waiting.
 */
public final class TerminalClient implements ChatClient.Listener {
    private final ChatClient client;
    private final Screen screen;
    private final Format format;
    private final Set<String> knownUsers = ConcurrentHashMap.newKeySet();
    private final GroupWatch groups = new GroupWatch();
    private final Commands commands;
    private final ChatClient.Options options;
    private final DeviceCopy copy;

    /** Opens the local store of an account on a server ({@link StoreFiles#open}, the same file the desktop client uses). */
    @FunctionalInterface
    public interface Stores {
        LocalStore open(String host, int port, String user) throws IOException;

        /** Stores that live as long as a login: nothing is kept on the device (tests that keep no files). */
        Stores IN_MEMORY = (host, port, user) -> LocalStore.inMemory(user);

        /** This user's data directory ({@link StoreFiles#defaultDir()}), for the device logged in as. */
        static Stores of(ChatClient.Options options) {
            return new StoreFiles(StoreFiles.defaultDir(), options.device())::open;
        }
    }

    private TerminalClient(String host, int port, ChatClient.Options options, Stores stores, Clock clock, ScreenMaker screens) {
        this.format = new Format(clock);
        this.options = options;
        this.client = new ChatClient(host, port, this, options);
        this.screen = screens.make(completer());
        this.copy = new DeviceCopy(stores, host, port, screen::show);
        this.commands = new Commands(client, screen, format, knownUsers, groups, this::linkStatus,
                () -> screen.promptChanged(prompt()), copy);
        screen.onDraft(this::drafted);
    }

    /** Tells the typing of plain text (no command) off the key-reading thread, one at a time, in order. */
    private final ExecutorService drafts = Executors.newSingleThreadExecutor(Thread.ofVirtual().name("draft").factory());

    /**
     * The line being typed changed: plain text is a draft for the conversation plain text goes to ("typing…" there,
     * {@link ChatClient#draftChanged}); a command, or an empty line, is none (a "stopped" if it was one).
     */
    private void drafted(String line) {
        String peer = commands.peer();
        if (peer == null || !client.loggedIn() || !client.hasEvents()) {
            return;
        }
        String draft = line.isBlank() || line.startsWith("/") || line.startsWith("@") || line.startsWith("#") ? "" : line;
        drafts.execute(() -> client.draftChanged(peer, draft));
    }

    private interface ScreenMaker {
        Screen make(Completer completer);
    }

    /** A person at a terminal; the conversations kept in {@code stores}. */
    public static int interactive(String host, int port, ChatClient.Options options, Stores stores) {
        return new TerminalClient(host, port, options, stores, Clock.systemDefaultZone(), JLineScreen::new).loop();
    }

    /** A person at the terminal {@code terminal} opens (a test's pseudo-terminal). */
    static int interactive(String host, int port, ChatClient.Options options, Stores stores, TerminalBuilder terminal) {
        return new TerminalClient(host, port, options, stores, Clock.systemDefaultZone(), c -> new JLineScreen(c, terminal)).loop();
    }

    /** Commands from {@code in}, line by line; results to {@code out}; the conversations kept in {@code stores}. */
    public static int scripted(String host, int port, ChatClient.Options options, Stores stores, InputStream in, PrintStream out) {
        return new TerminalClient(host, port, options, stores, Clock.systemDefaultZone(), c -> new PlainScreen(in, out)).loop();
    }

    private int loop() {
        int failures = 0;
        ScheduledExecutorService ticker = null;
        if (screen.interactive()) {
            screen.show("wirechat — server " + client.endpoint() + ". Type /help for the commands, /register or /login to start.");
            try {
                client.checkServer(); // before anyone types a name and a password
            } catch (ChatException e) {
                screen.show("error: " + e.getMessage());
            }
            ticker = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().name("prompt-countdown").daemon(true).factory());
            ticker.scheduleAtFixedRate(() -> { // the countdown in the prompt, while the server is away
                if (retryAt != 0) {
                    screen.promptChanged(prompt());
                }
            }, 1, 1, TimeUnit.SECONDS);
        }
        try {
            String line;
            while ((line = screen.readLine(prompt())) != null) {
                Commands.Outcome outcome = commands.execute(line);
                if (outcome == Commands.Outcome.FAILED) {
                    failures++;
                } else if (outcome == Commands.Outcome.QUIT) {
                    break;
                }
            }
            if (!screen.interactive()) {
                failures += commands.lateFailures() + awaitQueued();
            }
            if (!screen.interactive() && client.loggedIn()) {
                try {
                    client.drain(); // a script sees what is waiting before it ends
                } catch (ChatException e) {
                    screen.show("error: " + e.getMessage());
                    failures++;
                }
            }
        } finally {
            if (ticker != null) {
                ticker.shutdownNow();
            }
            drafts.shutdownNow();
            client.close();
            copy.close();
            screen.close();
        }
        return screen.interactive() || failures == 0 ? 0 : 1;
    }

    /**
     * At the end of a script: waits for messages still queued (as long as a request is retried); returns
     * how many failed meanwhile or are still unsent.
     */
    private int awaitQueued() {
        int before = commands.lateFailures();
        int unsent = client.unsent();
        if (unsent > 0) {
            screen.show("waiting for " + unsent + " queued message" + (unsent == 1 ? "" : "s") + " to be sent…");
            try {
                client.awaitSent(options.retryFor());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            unsent = client.unsent();
            if (unsent > 0) {
                screen.show("error: " + unsent + " message" + (unsent == 1 ? " was" : "s were") + " not sent (the server is unreachable)");
            }
        }
        return commands.lateFailures() - before + unsent;
    }

    /** {@code alice → bob [2 queued]> }: who you are, where plain text goes, what waits to be sent. */
    private String prompt() {
        String me = client.username();
        if (me == null) {
            String gone = client.expiredUser();
            return gone == null ? "wirechat> " : gone + " (session expired)> ";
        }
        String peer = commands.peer();
        int queued = client.unsent();
        return me + (peer == null ? "" : " \u2192 " + peer) + (queued == 0 ? "" : " [" + queued + " queued]")
                + reconnecting().map(r -> " (" + r + " \u2014 Enter or /retry to try now)").orElse("") + "> ";
    }

    /** When the next attempt to reach the server is ({@code System.nanoTime()}), while it is away; 0 when connected. */
    private volatile long retryAt;
    private volatile int attempt;

    /** "reconnecting in 3 s" while the server is away (and someone is logged in), else empty. */
    Optional<String> reconnecting() {
        long at = retryAt;
        if (at == 0 || client.connected()) {
            return Optional.empty();
        }
        long left = Math.max(0, at - System.nanoTime());
        return Optional.of(left == 0 ? "reconnecting now" : "reconnecting in " + (left + 999_999_999) / 1_000_000_000 + " s");
    }

    /** "connected", or "not connected — reconnecting in 3 s (attempt 7); Enter or /retry tries now". */
    private String linkStatus() {
        if (client.connected()) {
            return "connected";
        }
        return "not connected" + reconnecting().map(r -> " \u2014 " + r + " (attempt " + attempt + "); Enter or /retry tries now")
                .orElse(" \u2014 the next command tries again");
    }

    private Completer completer() {
        return (reader, line, candidates) -> {
            if (line.wordIndex() == 0) {
                commands.names().forEach(n -> candidates.add(new Candidate(n)));
                knownUsers.forEach(u -> candidates.add(new Candidate("@" + u)));
            } else if (line.wordIndex() == 1 && !line.words().isEmpty()
                    && List.of("/msg", "/m", "/send", "/history", "/hist", "/login", "/to").contains(line.words().get(0))) {
                knownUsers.forEach(u -> candidates.add(new Candidate(u)));
            }
        };
    }

    @Override
    public void messages(List<Response.Message> messages) {
        copy.fetched(messages, commands.peer()); // the conversation plain text goes to is the one being read
        String me = client.username();
        for (Response.Message m : messages) {
            knownUsers.add(m.sender());
            typing.remove((Limits.isGroupName(m.recipient()) ? m.recipient() : m.sender()).toLowerCase(Locale.ROOT) + " "
                    + m.sender().toLowerCase(Locale.ROOT)); // their message ends the spell
            String hint = "";
            if (Limits.isGroupName(m.recipient()) && !groups.knows(m.recipient())) {
                tellAddedGroups(); // before its first message
            }
            if (!m.sender().equalsIgnoreCase(me == null ? "" : me)) { // /r answers where the message came from
                hint = commands.heard(Limits.isGroupName(m.recipient()) ? m.recipient() : m.sender());
            } else if (!m.recipient().equalsIgnoreCase(me) && !Limits.isGroupName(m.recipient())) { // one's own, from another device
                knownUsers.add(m.recipient());
            }
            screen.show(format.incoming(m, me) + hint); // never retargets the line being typed
        }
    }

    /**
     * After a reconnection: a login's follow-ups cut short by the server's going away are asked now; else groups
     * this user was added to meanwhile are told. Off the thread that reconnected.
     */
    private void groupsCheck() {
        if (client.loggedIn() && !commands.followUpsAgain()) {
            Thread.ofVirtual().name("group-check").start(this::tellAddedGroups);
        }
    }

    /** Asks for this user's groups and tells each one they were added to since the client last knew. */
    private void tellAddedGroups() {
        try {
            String me = client.username();
            List<Response.Group> mine = client.groups();
            copy.groupsNow(mine); // this device saw them: not news at the next login
            for (Response.Group g : groups.added(mine)) {
                if (g.owner().equalsIgnoreCase(me == null ? "" : me)) {
                    continue; // made on another of this user's devices: not news of being added
                }
                screen.show(GroupWatch.addedLine(g));
            }
        } catch (ChatException e) {
            // not told now: the next reconnection, message or login tells it
        }
    }

    /** Who is typing where (conversation and name, in lower case) until when (System.nanoTime()): one line a spell. */
    private final Map<String, Long> typing = new ConcurrentHashMap<>();

    /**
     * Someone typing in the conversation this client addresses now is told once a spell ("bob is typing…"), not at
     * each repeat: again only after they stopped, sent, or the indication ran out. Other conversations are not
     * interrupted for it.
     */
    @Override
    public void typing(Response.Typing t) {
        String key = t.conversation().toLowerCase(Locale.ROOT) + " " + t.from().toLowerCase(Locale.ROOT);
        if (!t.typing()) {
            typing.remove(key);
            return;
        }
        long now = System.nanoTime();
        Long until = typing.put(key, now + t.expiresInMillis() * 1_000_000);
        String peer = commands.peer();
        if ((until == null || until - now <= 0) && peer != null && peer.equalsIgnoreCase(t.conversation())) {
            screen.show(Limits.isGroupName(t.conversation()) ? t.from() + " is typing in " + t.conversation() + "…"
                    : t.from() + " is typing…");
        }
    }

    @Override
    public void loggedIn(String username, long unread) {
        copy.open(username); // before the first message is handed over
        String kept = copy.summary();
        if (kept != null) {
            screen.show("kept on this device: " + kept + " \u2014 /conversations lists them");
        }
        screen.show("logged in as " + username + (unread == 0 ? " — no unread messages"
                : " — " + unread + " unread message" + (unread == 1 ? "" : "s") + ":"));
    }

    @Override
    public void connectionLost(String why) {
        screen.show("connection to the server lost (" + why + ") — reconnecting; Enter or /retry tries now");
    }

    @Override
    public void reconnecting(Duration in, int attempt) {
        this.attempt = attempt;
        retryAt = System.nanoTime() + in.toNanos();
        screen.promptChanged(prompt());
    }

    @Override
    public void reconnected() {
        retryAt = 0;
        attempt = 0;
        screen.show("reconnected to " + client.endpoint());
        screen.promptChanged(prompt());
        groupsCheck();
    }

    @Override
    public void sessionExpired() {
        screen.show(Commands.expired(client.expiredUser()));
        screen.promptChanged(prompt());
    }

    @Override
    public void problem(String what) {
        screen.show(what);
    }
}
