package org.wirechat.client.terminal;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.wirechat.client.ChatClient;
import org.wirechat.client.ChatException;
import org.wirechat.client.Outgoing;
import org.wirechat.client.local.LocalStore;
import org.wirechat.client.local.LocalStoreException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.wirechat.protocol.ErrorCode;
import org.wirechat.protocol.Limits;
import org.wirechat.protocol.PatternMode;
import org.wirechat.protocol.ProtocolException;
import org.wirechat.protocol.Response;

/** The terminal client's commands: parsing a line and carrying it out against a {@link ChatClient}. */
final class Commands {
    static final int PAGE = 20;

    enum Outcome { OK, FAILED, QUIT }

    /** A mistake in how a command was typed. */
    static final class Usage extends Exception {
        private static final long serialVersionUID = 1L;

        Usage(String message) {
            super(message, null, false, false);
        }
    }

    @FunctionalInterface
    private interface Handler {
        void run(String args) throws ChatException, Usage;
    }

    private record Command(String usage, String help, Handler handler) {
    }

    private final ChatClient client;
    private final Screen screen;
    private final Format format;
    private final Set<String> knownUsers;
    private final Map<String, Command> commands = new LinkedHashMap<>();
    private final Map<String, String> aliases = new LinkedHashMap<>();
    /** The conversation plain text goes to: only the person changes it (@USER, #GROUP, /to, /r). */
    private volatile String peer;
    /** Where the last message from someone else came from (its sender, or its group): where /r answers. */
    private volatile String lastFrom;
    /** Messages that failed after the command that queued them had returned. */
    private final AtomicInteger lateFailures = new AtomicInteger();
    /** A command that leaves with messages unsent, said once: typed again, it goes ahead. */
    private String warnedAbout;
    /** {@link #warnedAbout} as it was before the command being carried out. */
    private String warnedBefore;
    private Handler more;
    private boolean quit;
    private final Runnable promptChanged;

    /** How long a send waits for the server's answer before the prompt comes back and the answer is shown when it comes. */
    static final long ANSWER_WAIT_MILLIS = 2_000;
    /** How long a person's message may take before it is shown queued. */
    static final long QUEUED_AFTER_MILLIS = 500;

    private final GroupWatch groups;
    /** This device's copy of the conversations (open while someone is logged in). */
    private final DeviceCopy copy;

    /** How the link to the server is now: "connected", or when the next attempt is and how many failed. */
    private final Supplier<String> link;

    Commands(ChatClient client, Screen screen, Format format, Set<String> knownUsers, GroupWatch groups,
            Supplier<String> link, Runnable promptChanged, DeviceCopy copy) {
        this.copy = copy;
        this.promptChanged = promptChanged;
        this.link = link;
        this.groups = groups;
        this.client = client;
        this.screen = screen;
        this.format = format;
        this.knownUsers = knownUsers;
        add("/help", "", "this list", a -> help(), "/h", "/?");
        add("/register", "USER [FULL NAME]", "create an account and log in (asks for the full name if not given, and the password)", this::register, "/signup");
        add("/login", "USER", "log in (asks for the password); unread messages follow", this::login);
        add("/logout", "", "log out", a -> logout());
        add("/list", "[-r] [PATTERN]", "list users whose username or full name holds PATTERN, ignoring case ('a' finds alice);"
                + " with * or ? it is a wildcard for the whole name ('a*'), with -r a regular expression (-r 'a.*'); * marks who is"
                + " online", this::list, "/who", "/users");
        add("/msg", "USER TEXT", "send a message (also: @USER TEXT); while the server is unreachable messages are queued and sent when"
                + " it is back", this::msg, "/m", "/send");
        add("/to", "USER|#GROUP", "choose where plain text goes (also: @USER or #GROUP alone); the prompt shows it, and only you"
                + " change it", this::to);
        add("/r", "[TEXT]", "answer whoever wrote last (a person, or the group they wrote in): sends TEXT there, and plain text"
                + " goes there from then on", this::reply, "/reply");
        add("/history", "USER|#GROUP [COUNT]", "your conversation with USER (or GROUP's), newest " + PAGE + " (or COUNT) messages;"
                + " while the server is away, what this device has kept of it", this::history, "/hist");
        add("/search", "WORDS", "your messages (direct, and your groups' from while you were in them) holding every word,"
                + " newest first; accents and case do not matter, word* matches the start of a word (caf* finds café)",
                this::search, "/find");
        add("/conversations", "", "your conversations kept on this device, the latest first, with their unread messages"
                + " (read: shown with /history, or written to); works while the server is away", a -> conversations(), "/c");
        add("/group", "create|add|remove|leave|rename|members|list …", "groups: /group create #NAME, /group add #NAME USER,"
                + " /group remove #NAME USER (the owner), /group leave #NAME, /group rename #NAME #NEW (the owner),"
                + " /group members #NAME, /group list (your groups); #NAME TEXT sends to a group", new GroupCommand(client, screen, groups, copy)::run, "/groups");
        add("/devices", "", "your devices (a device is named by its id: --device-id NAME): which is this one, when each was last"
                + " seen, and which are past the horizon", new DevicesCommand(client, screen)::run);
        add("/more", "", "the next page of /list, /history or /search", a -> more());
        add("/receipts", "on|off", "share delivery receipts or not (both ways: with them off you see none either); /history marks"
                + " your messages " + Format.STORED + " stored and " + Format.DELIVERED + " delivered", this::receipts);
        add("/password", "", "change your password (asks for the current one, then the new one); your other sessions"
                + " — other devices and clients — are logged out, this one stays", a -> password());
        add("/name", "FULL NAME", "change your full name (what /list shows others)", this::name);
        add("/status", "", "who you are, where plain text goes, the connection (while the server is away: when the next"
                + " attempt is), messages queued", a -> status());
        add("/retry", "", "while the server is away: try to reach it now (Enter on an empty line too)", a -> retry());
        add("/delete", "", "delete your account (receives waiting messages first)", a -> delete(), "/unregister");
        add("/quit", "", "leave (Ctrl-D too)", a -> quit = confirmLeaving("/quit"), "/exit", "/q");
    }

    private void add(String name, String usage, String help, Handler handler, String... alias) {
        commands.put(name, new Command(usage, help, handler));
        for (String a : alias) {
            aliases.put(a, name);
        }
    }

    /** Every command name and alias, for completion. */
    List<String> names() {
        return Stream.concat(commands.keySet().stream(), aliases.keySet().stream()).toList();
    }

    Outcome execute(String line) {
        String trimmed = line.strip();
        if (trimmed.isEmpty()) {
            if (!client.connected()) {
                client.retryNow(); // Enter: try now
            }
            return Outcome.OK;
        }
        warnedBefore = warnedAbout;
        warnedAbout = null;
        try {
            if (needsSession(trimmed) && !client.loggedIn() && client.expiredUser() != null) {
                relogin(client.expiredUser());
            }
            if (trimmed.startsWith("@") && trimmed.indexOf(' ') < 0 && trimmed.length() > 1) {
                to(trimmed.substring(1)); // @bob alone: the conversation with bob
            } else if (trimmed.startsWith("#") && trimmed.indexOf(' ') < 0) {
                to(trimmed);
            } else if (trimmed.startsWith("@")) {
                msg(trimmed.substring(1));
            } else if (trimmed.startsWith("#")) {
                msg(trimmed);
            } else if (trimmed.startsWith("/")) {
                String[] parts = trimmed.split("\\s+", 2);
                String name = parts[0].toLowerCase(Locale.ROOT);
                Command c = commands.get(aliases.getOrDefault(name, name));
                if (c == null) {
                    throw new Usage("unknown command " + parts[0] + " — /help lists them");
                }
                c.handler().run(parts.length > 1 ? parts[1] : "");
            } else if (peer != null) {
                sendTo(peer, line.strip());
            } else if (lastFrom != null) {
                throw new Usage("not sent: no conversation chosen — /r TEXT answers " + lastFrom + ", @USER TEXT writes to"
                        + " someone, /to USER|#GROUP chooses where plain text goes");
            } else {
                throw new Usage("to send a message type @USER TEXT, or /help for the commands");
            }
            return quit ? Outcome.QUIT : Outcome.OK;
        } catch (ChatException e) {
            screen.show("error: " + e.getMessage());
        } catch (Usage e) {
            screen.show(e.getMessage());
        }
        return Outcome.FAILED;
    }

    /** The person plain text goes to, or {@code null}. */
    String peer() {
        return peer;
    }

    /**
     * A message from someone else arrived from {@code from} (its sender, or its group): /r answers there. The
     * conversation plain text goes to does not change — a line being typed goes where the person chose.
     * Returns how to answer it, to show beside it ("(/r to answer)"), or "" when plain text goes there already.
     */
    String heard(String from) {
        lastFrom = from;
        return from.equalsIgnoreCase(peer == null ? "" : peer) ? "" : "   (/r to answer)";
    }

    /** {@code /to NAME|#GROUP}: plain text goes there from now on. */
    private void to(String args) throws ChatException, Usage {
        String[] w = words(args, 1, "/to USER|#GROUP");
        if (w.length > 1) {
            throw new Usage("usage: /to USER|#GROUP (then type the text; @USER TEXT sends at once)");
        }
        String target = w[0].startsWith("@") ? w[0].substring(1) : w[0];
        checkRecipient(target);
        choose(target);
        copy.read(target);
        screen.show("plain text goes to " + target + " now");
    }

    /** {@code /r [TEXT]}: answers whoever wrote last; that conversation is chosen. */
    private void reply(String args) throws ChatException, Usage {
        String from = lastFrom;
        if (from == null) {
            throw new Usage("nobody has written to you yet — @USER TEXT writes to someone");
        }
        if (args.isBlank()) {
            choose(from);
            screen.show("plain text goes to " + from + " now");
            return;
        }
        sendTo(from, args.strip());
    }

    /** Checks a recipient the person chose, with the server's rules: a known user or a group of theirs. */
    private void checkRecipient(String target) throws ChatException, Usage {
        try {
            Limits.checkRecipient(target);
        } catch (ProtocolException e) {
            throw new Usage(e.detail());
        }
        if (!client.loggedIn()) {
            return; // the send says "not logged in"
        }
        try {
            if (Limits.isGroupName(target)) {
                if (client.groups().stream().noneMatch(g -> g.name().equalsIgnoreCase(target))) {
                    throw new Usage("you are not in " + target + " — /group list shows your groups");
                }
            } else if (client.list(PatternMode.WILDCARD, target, "", 1).accounts().stream()
                    .noneMatch(a -> a.username().equalsIgnoreCase(target))) {
                throw new Usage("no such user: " + target + " — /list finds people");
            }
        } catch (ChatException e) {
            if (e.code() != null) {
                throw e;
            }
            // the server is away: chosen anyway, a send will tell
        }
    }

    /** The person chose where plain text goes. */
    private void choose(String target) {
        if (!target.equalsIgnoreCase(peer == null ? "" : peer)) {
            peer = target;
            promptChanged.run();
        }
    }

    /** Messages whose failure was shown after their command had returned. */
    int lateFailures() {
        return lateFailures.get();
    }

    /** Everything but logging in, registering, leaving and help works on a session (and may renew one in place). */
    private boolean needsSession(String line) {
        if (!line.startsWith("/")) {
            return true;
        }
        String name = line.split("\\s+", 2)[0].toLowerCase(Locale.ROOT);
        name = aliases.getOrDefault(name, name);
        return commands.containsKey(name) && !List.of("/login", "/register", "/logout", "/quit", "/help", "/conversations").contains(name);
    }

    /** The server ended {@code user}'s session: the password once, here, and the command goes ahead. */
    private void relogin(String user) throws ChatException, Usage {
        screen.show("your session as " + user + " expired");
        serverFirst(1);
        login(user, ask("Password for " + user + ": ", true));
    }

    /**
     * Checks the server (reachable, wirechat, TLS as configured) before a password is asked, so a person is
     * told at once rather than after typing it. A script's next {@code answers} lines were meant as the
     * answers: they are read and dropped, so that none is taken for a command (or a message).
     */
    private void serverFirst(int answers) throws ChatException {
        try {
            client.checkServer();
        } catch (ChatException e) {
            if (!screen.interactive()) {
                for (int i = 0; i < answers && screen.readSecret("") != null; i++) {
                    // dropped unread
                }
            }
            throw e;
        }
    }

    /**
     * Leaving (or logging out) with messages still queued is said once; the same command again goes
     * ahead and gives them up.
     */
    private boolean confirmLeaving(String command) {
        int unsent = client.unsent();
        if (unsent == 0 || command.equals(warnedBefore)) {
            return true;
        }
        warnedAbout = command;
        screen.show(unsent + (unsent == 1 ? " message is" : " messages are") + " still waiting to be sent (the server is"
                + " unreachable); type " + command + " again to " + (command.equals("/quit") ? "leave" : "log out")
                + " without " + (unsent == 1 ? "it" : "them"));
        return false;
    }

    private void help() {
        StringBuilder b = new StringBuilder("commands:");
        commands.forEach((name, c) -> {
            String head = name + (c.usage().isEmpty() ? "" : " " + c.usage());
            b.append(String.format("%n  %-28s %s", head, c.help()));
        });
        b.append(String.format("%n  @USER TEXT                   send TEXT to USER"));
        screen.show(b.toString());
    }

    private String ask(String prompt, boolean secret) throws Usage {
        String answer = secret ? screen.readSecret(prompt) : screen.readLine(prompt);
        if (answer == null) {
            throw new Usage("cancelled (end of input)");
        }
        return secret ? answer : answer.strip();
    }

    private static String[] words(String args, int min, String usage) throws Usage {
        String[] w = args.isBlank() ? new String[0] : args.strip().split("\\s+", 2);
        if (w.length < min) {
            throw new Usage("usage: " + usage);
        }
        return w;
    }

    /**
     * Checks each answer as soon as it is given (the name, then the full name, then the password's
     * length, and only then asks for it again), creates the account, and logs in with the same password.
     */
    private void register(String args) throws ChatException, Usage {
        String[] w = words(args, 1, "/register USER [FULL NAME]");
        valid(() -> Limits.checkUsername(w[0]));
        serverFirst(w.length > 1 ? 1 : 2);
        String fullName = w.length > 1 ? w[1] : ask("Full name: ", false);
        valid(() -> Limits.checkFullName(fullName));
        String password = ask("Password (8-50 characters): ", true);
        valid(() -> Limits.checkPassword(password));
        if (screen.interactive() && !password.equals(ask("Repeat password: ", true))) {
            throw new Usage("the passwords differ — account not created");
        }
        client.register(w[0], fullName, password);
        screen.show("account " + w[0] + " created");
        login(w[0], password);
    }

    @FunctionalInterface
    private interface Check {
        void run() throws ProtocolException;
    }

    /** A rule of the server's, checked here first: broken, it is told at once and nothing more is asked. */
    private static void valid(Check check) throws ChatException {
        valid(check, "account not created");
    }

    private static void valid(Check check, String outcome) throws ChatException {
        try {
            check.run();
        } catch (ProtocolException e) {
            throw new ChatException(e.code(), e.detail() + " — " + outcome);
        }
    }

    private void login(String args) throws ChatException, Usage {
        String[] w = words(args, 1, "/login USER");
        serverFirst(1);
        login(w[0], ask("Password: ", true));
    }

    /** Logs in; the client's listener says so (before any waiting message is shown). */
    private void login(String user, String password) throws ChatException {
        String before = client.expiredUser();
        boolean renewing = before != null && before.equalsIgnoreCase(user); // renewing keeps the conversation
        String keptPeer = peer;
        String keptFrom = lastFrom;
        if (!renewing) { // forgotten before the login: its first messages may arrive before it returns
            peer = null;
            lastFrom = null;
        }
        try {
            client.login(user, password);
        } catch (ChatException e) {
            if (!renewing) { // refused: whoever was logged in still is, in the same conversation
                peer = keptPeer;
                lastFrom = keptFrom;
            }
            throw e;
        }
        if (client.missed() > 0) {
            screen.show("this device was away longer than the server keeps messages for it: " + client.missed() + " message"
                    + (client.missed() == 1 ? "" : "s") + " reached your other devices only (see /history USER)");
        }
        promptChanged.run();
        if (screen.interactive()) { // the prompt is ready at once: a person may type while these are asked
            Thread.ofVirtual().name("login-follow-ups").start(() -> afterLogin(user));
        } else {
            afterLogin(user); // a script's output stays in order
        }
    }

    /**
     * What a login is followed by: this user's groups (what is known, so that one added later is news; one added
     * while logged out is told now) and the sync of this device's copy. Off the prompt's thread for a person: were
     * the server to go away now, the request is retried while the prompt answers and counts down.
     */
    private void afterLogin(String user) {
        followUpsOwed = null;
        try {
            List<Response.Group> mine = client.groups();
            if (!user.equalsIgnoreCase(client.username())) {
                return; // logged out, or in as someone else, meanwhile
            }
            groups.baseline(mine);
            List<String> fresh = copy.groupsNow(mine);
            copy.syncAfterLogin(client, mine, PAGE);
            if (!mine.isEmpty()) {
                screen.show("your groups: " + String.join(", ", mine.stream().map(Response.Group::name).toList())
                        + " (#NAME TEXT writes to one)");
            }
            mine.stream().filter(g -> fresh.contains(g.name()) && !g.owner().equalsIgnoreCase(user))
                    .forEach(g -> screen.show("while you were away, " + GroupWatch.addedLine(g)));
        } catch (ChatException e) {
            if (e.code() == ErrorCode.NOT_AUTHENTICATED) { // expired at once: told as the poller would
                screen.show(expired(user));
                promptChanged.run();
            }
            if (e.code() == null) {
                followUpsOwed = user; // the server went away: asked again when it is back
                return;
            }
            // a server without groups: groups are noticed as their messages come
            copy.syncAfterLogin(client, List.of(), PAGE);
        }
    }

    /** The user whose login's follow-ups could not be asked (the server went away), or {@code null}. */
    private volatile String followUpsOwed;

    /**
     * After a reconnection: asks a login's follow-ups the server's going away had cut short (off the caller's
     * thread), and returns true; false when none are owed.
     */
    boolean followUpsAgain() {
        String user = followUpsOwed;
        if (user == null || !user.equalsIgnoreCase(client.username())) {
            return false;
        }
        Thread.ofVirtual().name("login-follow-ups").start(() -> afterLogin(user));
        return true;
    }

    /** What a person is told when the server ends their session. */
    static String expired(String user) {
        return "your session as " + user + " expired — your next command asks for the password (or /logout)";
    }

    private void logout() throws ChatException {
        if (!confirmLeaving("/logout")) {
            return;
        }
        String who = client.username() != null ? client.username() : client.expiredUser();
        client.logout();
        copy.close();
        peer = null;
        lastFrom = null;
        groups.clear();
        screen.show("logged out" + (who == null ? "" : " " + who));
    }

    private void list(String args) throws ChatException {
        String a = args.strip();
        PatternMode mode = PatternMode.WILDCARD;
        if (a.equals("-r") || a.startsWith("-r ")) {
            mode = PatternMode.REGEX;
            a = a.substring(2).strip();
        }
        listPage(mode, pattern(mode, a), "");
    }

    /**
     * What {@code /list} asks the server for: shell-style quotes around the whole pattern are taken off (the
     * README's {@code /list -r 'a.*'} works pasted); a plain word is a part of the name ({@code a} is
     * {@code *a*}); a wildcard ({@code *} or {@code ?}) and a regular expression are the whole name's, as typed.
     */
    static String pattern(PatternMode mode, String typed) {
        String p = typed;
        if (p.length() >= 2 && (p.startsWith("'") && p.endsWith("'") || p.startsWith("\"") && p.endsWith("\""))) {
            p = p.substring(1, p.length() - 1);
        }
        if (mode == PatternMode.WILDCARD && !p.isEmpty() && p.indexOf('*') < 0 && p.indexOf('?') < 0) {
            p = "*" + p + "*";
        }
        return p;
    }

    private void listPage(PatternMode mode, String pattern, String cursor) throws ChatException {
        Response.Accounts page = client.list(mode, pattern, cursor, PAGE);
        if (page.accounts().isEmpty()) {
            screen.show(cursor.isEmpty() ? "no users match" : "no more users");
            more = null;
            return;
        }
        StringBuilder b = new StringBuilder();
        for (Response.Account acc : page.accounts()) {
            knownUsers.add(acc.username());
            if (!b.isEmpty()) {
                b.append(System.lineSeparator());
            }
            b.append(acc.online() ? "* " : "  ").append(acc.username()).append("  (").append(acc.fullName()).append(')');
        }
        if (!page.nextCursor().isEmpty()) {
            b.append(System.lineSeparator()).append("… more: /more");
            String next = page.nextCursor();
            more = x -> listPage(mode, pattern, next);
        } else {
            more = null;
        }
        screen.show(b.toString());
    }

    private void msg(String args) throws ChatException, Usage {
        String[] w = words(args, 2, "/msg USER TEXT  or  @USER TEXT  or  #GROUP TEXT");
        sendTo(w[0], w[1]);
    }

    /**
     * Queues the message. A person gets the prompt back at once: "sent" is shown above it when the server
     * answers, and "queued" only if that takes longer than a moment (or the server is known to be away).
     * A script waits up to {@link #ANSWER_WAIT_MILLIS} for the answer, so that its output stays in order;
     * without one, the message is shown queued and its answer when it comes.
     */
    private void sendTo(String to, String text) throws ChatException {
        Outgoing o = client.send(to, text);
        String before = peer;
        choose(to);
        knownUsers.add(to);
        // refused (no such user, not a member): plain text goes back where it went before
        Consumer<Throwable> back = failed -> {
            if (failed != null && refusedRecipient(failed) && to.equals(peer)) {
                peer = before;
                knownUsers.remove(to);
                promptChanged.run();
            }
        };
        o.result().whenComplete((sent, failed) -> back.accept(failed));
        o.result().thenAccept(sent -> copy.sent(to, sent, text)); // kept once the server has stored it
        copy.read(to); // answering a conversation is reading it
        if (screen.interactive()) {
            AtomicBoolean toldQueued = new AtomicBoolean();
            Runnable tellQueued = () -> {
                if (!o.result().isDone() && toldQueued.compareAndSet(false, true)) {
                    showQueued(to, text);
                }
            };
            if (!client.connected()) {
                tellQueued.run();
            } else {
                CompletableFuture.delayedExecutor(QUEUED_AFTER_MILLIS, TimeUnit.MILLISECONDS).execute(tellQueued);
            }
            o.result().whenComplete((sent, failed) -> {
                toldQueued.set(true); // the answer is in: no "queued" after it
                answered(to, text, sent, failed);
                promptChanged.run();
            });
            return;
        }
        if (client.connected()) {
            try {
                Response.Sent sent = o.result().get(ANSWER_WAIT_MILLIS, TimeUnit.MILLISECONDS);
                copy.sent(to, sent, text); // kept before the script goes on (the callback above may come later)
                screen.show("sent to " + to + " " + format.stamp(sent.timestampMillis()));
                return;
            } catch (ExecutionException e) {
                back.accept(e.getCause());
                throw (ChatException) e.getCause();
            } catch (TimeoutException e) {
                // shown below, and its answer when it comes
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        showQueued(to, text);
        o.result().whenComplete((sent, failed) -> answered(to, text, sent, failed));
    }

    /** The server refused the message for its recipient: there is no such user, or no such group of yours. */
    private static boolean refusedRecipient(Throwable failed) {
        Throwable t = failed instanceof CompletionException && failed.getCause() != null ? failed.getCause() : failed;
        return t instanceof ChatException e && e.code() != null && switch (e.code()) {
            case NO_SUCH_USER, NO_SUCH_GROUP, NOT_A_MEMBER, INVALID_USERNAME -> true;
            default -> false;
        };
    }

    private void showQueued(String to, String text) {
        screen.show("queued for " + to + " (" + (client.connected() ? "no answer from the server yet" : "not connected")
                + ") — it will be sent when the server is back: " + Format.snippet(text));
        promptChanged.run();
    }

    /** A message's answer, shown when it comes (with the start of its text, to tell which one it is). */
    private void answered(String to, String text, Response.Sent sent, Throwable failed) {
        String which = ": " + Format.snippet(text);
        if (sent != null) {
            screen.show("sent to " + to + " " + format.stamp(sent.timestampMillis()) + which);
        } else {
            lateFailures.incrementAndGet();
            screen.show("error: " + failed.getMessage() + which);
        }
    }

    private void history(String args) throws ChatException, Usage {
        String[] w = words(args, 1, "/history USER|#GROUP [COUNT]");
        int count = PAGE;
        if (w.length > 1) {
            try {
                count = Integer.parseInt(w[1].strip());
            } catch (NumberFormatException e) {
                count = -1;
            }
            if (count < 1 || count > 100) {
                throw new Usage("COUNT is a number from 1 to 100");
            }
        }
        historyPage(w[0], 0, count);
    }

    private void search(String args) throws ChatException, Usage {
        String query = args.strip();
        if (query.isEmpty()) {
            throw new Usage("usage: /search WORDS (word* for words that start so)");
        }
        valid(() -> Limits.checkSearchQuery(query), "not searched");
        searchPage(query, 0);
    }

    private void searchPage(String query, long before) throws ChatException {
        Response.SearchResults r = unlessOlder(() -> client.searchMessages(query, before, PAGE), "search messages");
        if (r.messages().isEmpty()) {
            screen.show(before == 0 ? "no messages match " + query : "no older messages match");
            more = null;
            return;
        }
        StringBuilder b = new StringBuilder(format.found(r.messages(), client.username()));
        if (r.nextBeforeId() != 0) {
            b.append(System.lineSeparator()).append("… older matches: /more");
            long next = r.nextBeforeId();
            more = x -> searchPage(query, next);
        } else {
            more = null;
        }
        screen.show(b.toString());
    }

    private void historyPage(String peer, long before, int count) throws ChatException {
        Response.Conversation c;
        try {
            c = client.history(peer, before, count);
        } catch (ChatException e) {
            if (e.code() != null || copy.store() == null) {
                throw e;
            }
            offlinePage(peer, before, count); // the server is away: what this device kept
            if (before == 0) {
                copy.read(peer);
            }
            return;
        }
        knownUsers.add(peer);
        copy.filled(c.messages());
        if (before == 0) {
            copy.read(peer);
        }
        if (c.messages().isEmpty()) {
            screen.show(before == 0 ? "no messages with " + peer + " yet" : "no older messages");
            more = null;
            return;
        }
        StringBuilder b = new StringBuilder();
        if (c.nextBeforeId() != 0) {
            b.append("… older: /more").append(System.lineSeparator());
            long next = c.nextBeforeId();
            more = x -> historyPage(peer, next, count);
        } else {
            more = null;
        }
        if (Limits.isGroupName(peer)) {
            b.append(format.groupConversation(c.messages(), client.username(), groupReceipts(peer, c.messages())));
        } else {
            b.append(format.conversation(c.messages(), client.username(), receiptsFrom(peer)));
        }
        screen.show(b.toString());
    }

    /** A page of {@code peer}'s conversation as this device kept it, marked as such; older pages with /more. */
    private void offlinePage(String peer, long before, int count) throws ChatException {
        LocalStore store = copy.store();
        List<LocalStore.Message> kept;
        try {
            kept = store == null ? List.of() : store.history(peer, before, count + 1);
        } catch (LocalStoreException e) {
            throw new ChatException(null, "the server is unreachable and this device's copy cannot be read: " + e.getMessage());
        }
        String mark = "(offline: from this device's copy)";
        if (kept.isEmpty()) {
            screen.show(mark + " " + (before == 0 ? "no messages with " + peer + " kept on this device" : "no older messages kept"));
            more = null;
            return;
        }
        StringBuilder b = new StringBuilder(mark).append(System.lineSeparator());
        if (kept.size() > count) {
            kept = kept.subList(1, kept.size());
            b.append("… older: /more").append(System.lineSeparator());
            long next = kept.get(0).id();
            more = x -> historyPage(peer, next, count); // the server again if it is back
        } else {
            more = null;
        }
        List<Response.Message> page = kept.stream()
                .map(m -> new Response.Message(m.id(), m.sender(), m.recipient(), m.timestampMillis(), m.body())).toList();
        String me = store.me();
        b.append(Limits.isGroupName(peer) ? format.groupConversation(page, me, Map.of())
                : format.conversation(page, me));
        screen.show(b.toString());
    }

    /** {@code /conversations}: what this device kept, the latest first. */
    private void conversations() throws ChatException {
        LocalStore store = copy.store();
        if (store == null) {
            throw new ChatException(ErrorCode.NOT_AUTHENTICATED, "not logged in — log in first");
        }
        List<LocalStore.Conversation> all;
        try {
            all = store.conversations();
        } catch (LocalStoreException e) {
            throw new ChatException(null, "this device's copy cannot be read: " + e.getMessage());
        }
        if (all.isEmpty()) {
            screen.show("no conversations kept on this device yet");
            return;
        }
        StringBuilder b = new StringBuilder();
        for (LocalStore.Conversation c : all) {
            if (!b.isEmpty()) {
                b.append(System.lineSeparator());
            }
            b.append(c.peer()).append(c.unread() == 0 ? "" : " (" + c.unread() + " unread)")
                    .append(c.lastId() == 0 ? " — no messages yet" : " — last " + format.stamp(c.lastMillis()) + " " + Format.snippet(c.last()));
        }
        screen.show(b.toString());
    }

    /** Each of this user's messages on the page: how many of the members it reached have it (none with receipts off). */
    private Map<Long, Response.GroupReceipts> groupReceipts(String group, List<Response.Message> page) throws ChatException {
        Map<Long, Response.GroupReceipts> out = new HashMap<>();
        for (Response.Message m : page) {
            if (m.sender().equalsIgnoreCase(client.username() == null ? "" : client.username())) {
                Response.GroupReceipts r = client.groupReceipts(group, m.id());
                if (!r.shared()) {
                    return Map.of();
                }
                out.put(m.id(), r);
            }
        }
        return out;
    }

    /** The peer's receipts, or {@code null} when the server has none (a server from before them). */
    private Response.Receipts receiptsFrom(String peer) throws ChatException {
        try {
            return client.receipts(peer);
        } catch (ChatException e) {
            if (e.code() == ErrorCode.UNKNOWN_OPCODE) {
                return null;
            }
            throw e;
        }
    }

    private void receipts(String args) throws ChatException, Usage {
        String a = args.strip().toLowerCase(Locale.ROOT);
        if (!a.equals("on") && !a.equals("off")) {
            throw new Usage("usage: /receipts on|off");
        }
        boolean on = client.setReceipts(a.equals("on"));
        screen.show(on ? "delivery receipts on: others see when you have their messages, and you see when they have yours"
                : "delivery receipts off: others do not see when you have their messages, and you do not see theirs");
    }

    private void status() {
        String me = client.username();
        String who = me != null ? "logged in as " + me + (peer == null ? "" : "; plain text goes to " + peer)
                : client.expiredUser() != null ? "the session of " + client.expiredUser() + " expired" : "not logged in";
        int queued = client.unsent();
        screen.show(who + System.lineSeparator() + "server " + client.endpoint() + (client.device() == null ? ""
                : ", as device " + client.device()) + ": " + link.get() + (queued == 0 ? ""
                : System.lineSeparator() + queued + " message" + (queued == 1 ? "" : "s") + " queued"));
    }

    private void retry() throws ChatException {
        if (client.connected()) {
            client.checkServer();
            screen.show("connected to " + client.endpoint());
            return;
        }
        client.retryNow();
        screen.show("trying to reach " + client.endpoint() + " now…");
    }

    private void more() throws ChatException, Usage {
        if (more == null) {
            throw new Usage("nothing more to show");
        }
        more.run("");
    }

    private void password() throws ChatException, Usage {
        if (client.username() == null) {
            throw new ChatException(ErrorCode.NOT_AUTHENTICATED, "not logged in — log in first");
        }
        String current = ask("Current password: ", true);
        String next = ask("New password (8-50 characters): ", true);
        valid(() -> Limits.checkPassword(next), "password not changed");
        if (screen.interactive() && !next.equals(ask("Repeat new password: ", true))) {
            throw new Usage("the passwords differ — password not changed");
        }
        unlessOlder(() -> {
            client.changePassword(current, next);
            return null;
        }, "change passwords");
        screen.show("password changed; your other sessions are logged out (other devices and clients log in again with"
                + " the new password)");
    }

    private void name(String args) throws ChatException, Usage {
        String fullName = args.strip();
        if (fullName.isEmpty()) {
            throw new Usage("usage: /name FULL NAME");
        }
        valid(() -> Limits.checkFullName(fullName), "name not changed");
        screen.show("your full name is now " + unlessOlder(() -> client.setFullName(fullName), "change full names"));
    }

    @FunctionalInterface
    private interface ServerCall<T> {
        T run() throws ChatException;
    }

    /** The call's answer; a server from before its operation is told as such ("this server cannot {@code what}"). */
    private static <T> T unlessOlder(ServerCall<T> call, String what) throws ChatException {
        try {
            return call.run();
        } catch (ChatException e) {
            if (e.code() == ErrorCode.UNKNOWN_OPCODE) {
                throw new ChatException(e.code(), "this server cannot " + what + " (it is older than this client)");
            }
            throw e;
        }
    }

    private void delete() throws ChatException, Usage {
        String who = client.username();
        if (who == null) {
            throw new ChatException(ErrorCode.NOT_AUTHENTICATED, "not logged in — log in first");
        }
        String answer = ask("Delete account " + who + " for good? Type yes to confirm: ", false);
        if (!answer.equalsIgnoreCase("yes")) {
            throw new Usage("not deleted");
        }
        String password = ask("Password: ", true);
        client.deleteAccount(password);
        copy.close();
        peer = null;
        lastFrom = null;
        groups.clear();
        screen.show("account " + who + " deleted");
    }
}
