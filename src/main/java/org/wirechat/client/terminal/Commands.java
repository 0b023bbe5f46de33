package org.wirechat.client.terminal;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.wirechat.client.ChatClient;
import org.wirechat.client.ChatException;
import org.wirechat.client.Outgoing;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.wirechat.protocol.PatternMode;
import org.wirechat.protocol.Response;

/** The terminal client's commands: parsing a line and carrying it out against a {@link ChatClient}. */
final class Commands {
    static final int PAGE = 20;

    enum Outcome { OK, FAILED, QUIT }

    /** A mistake in how a command was typed. */
    private static final class Usage extends Exception {
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
    /** The conversation plain text goes to: the last person you wrote to or who wrote to you. */
    private volatile String peer;
    /** Messages that failed after the command that queued them had returned. */
    private final java.util.concurrent.atomic.AtomicInteger lateFailures = new java.util.concurrent.atomic.AtomicInteger();
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

    Commands(ChatClient client, Screen screen, Format format, Set<String> knownUsers, Runnable promptChanged) {
        this.promptChanged = promptChanged;
        this.client = client;
        this.screen = screen;
        this.format = format;
        this.knownUsers = knownUsers;
        add("/help", "", "this list", a -> help(), "/h", "/?");
        add("/register", "USER [FULL NAME]", "create an account and log in (asks for the full name if not given, and the password)", this::register, "/signup");
        add("/login", "USER", "log in (asks for the password); unread messages follow", this::login);
        add("/logout", "", "log out", a -> logout());
        add("/list", "[-r] [PATTERN]", "list users whose whole username or full name matches a wildcard (* ?) or, with -r, a regular"
                + " expression, ignoring case (so 'a*' or -r 'a.*', not 'a'); * marks who is online", this::list, "/who", "/users");
        add("/msg", "USER TEXT", "send a message (also: @USER TEXT; plain text goes to the conversation shown in the prompt: the last person"
                + " you wrote to or who wrote to you); while the server is unreachable messages are queued and sent when it is back", this::msg, "/m", "/send");
        add("/history", "USER|#GROUP [COUNT]", "your conversation with USER (or GROUP's), newest " + PAGE + " (or COUNT) messages",
                this::history, "/hist");
        add("/group", "create|add|remove|leave|rename|members|list …", "groups: /group create #NAME, /group add #NAME USER,"
                + " /group remove #NAME USER (the owner), /group leave #NAME, /group rename #NAME #NEW (the owner),"
                + " /group members #NAME, /group list (your groups); #NAME TEXT sends to a group", this::group, "/groups");
        add("/more", "", "the next page of /list or /history", a -> more());
        add("/receipts", "on|off", "share delivery receipts or not (both ways: with them off you see none either); /history marks"
                + " your messages " + Format.STORED + " stored and " + Format.DELIVERED + " delivered", this::receipts);
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
        return java.util.stream.Stream.concat(commands.keySet().stream(), aliases.keySet().stream()).toList();
    }

    Outcome execute(String line) {
        String trimmed = line.strip();
        if (trimmed.isEmpty()) {
            return Outcome.OK;
        }
        warnedBefore = warnedAbout;
        warnedAbout = null;
        try {
            if (needsSession(trimmed) && !client.loggedIn() && client.expiredUser() != null) {
                relogin(client.expiredUser());
            }
            if (trimmed.startsWith("@")) {
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

    /** A message from {@code sender} arrived: the conversation is theirs now. */
    void heard(String sender) {
        if (!sender.equalsIgnoreCase(peer == null ? "" : peer)) {
            peer = sender;
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
        return commands.containsKey(name) && !List.of("/login", "/register", "/logout", "/quit", "/help").contains(name);
    }

    /** The server ended {@code user}'s session: the password once, here, and the command goes ahead. */
    private void relogin(String user) throws ChatException, Usage {
        screen.show("your session as " + user + " expired");
        login(user, ask("Password for " + user + ": ", true));
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
        valid(() -> org.wirechat.protocol.Limits.checkUsername(w[0]));
        String fullName = w.length > 1 ? w[1] : ask("Full name: ", false);
        valid(() -> org.wirechat.protocol.Limits.checkFullName(fullName));
        String password = ask("Password (8-50 characters): ", true);
        valid(() -> org.wirechat.protocol.Limits.checkPassword(password));
        if (screen.interactive() && !password.equals(ask("Repeat password: ", true))) {
            throw new Usage("the passwords differ — account not created");
        }
        client.register(w[0], fullName, password);
        screen.show("account " + w[0] + " created");
        login(w[0], password);
    }

    @FunctionalInterface
    private interface Check {
        void run() throws org.wirechat.protocol.ProtocolException;
    }

    /** A rule of the server's, checked here first: broken, it is told at once and nothing more is asked. */
    private static void valid(Check check) throws ChatException {
        try {
            check.run();
        } catch (org.wirechat.protocol.ProtocolException e) {
            throw new ChatException(e.code(), e.detail() + " — account not created");
        }
    }

    private void login(String args) throws ChatException, Usage {
        String[] w = words(args, 1, "/login USER");
        login(w[0], ask("Password: ", true));
    }

    /** Logs in; the client's listener says so (before any waiting message is shown). */
    private void login(String user, String password) throws ChatException {
        String before = client.expiredUser();
        client.login(user, password);
        if (client.missed() > 0) {
            screen.show("this device was away longer than the server keeps messages for it: " + client.missed() + " message"
                    + (client.missed() == 1 ? "" : "s") + " reached your other devices only (see /history USER)");
        }
        if (before == null || !before.equalsIgnoreCase(user)) {
            peer = null; // renewing an expired session keeps the conversation
        }
        promptChanged.run();
    }

    private void logout() throws ChatException {
        if (!confirmLeaving("/logout")) {
            return;
        }
        String who = client.username() != null ? client.username() : client.expiredUser();
        client.logout();
        peer = null;
        screen.show("logged out" + (who == null ? "" : " " + who));
    }

    private void list(String args) throws ChatException {
        String a = args.strip();
        PatternMode mode = PatternMode.WILDCARD;
        if (a.equals("-r") || a.startsWith("-r ")) {
            mode = PatternMode.REGEX;
            a = a.substring(2).strip();
        }
        listPage(mode, a, "");
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
        if (!to.equalsIgnoreCase(peer == null ? "" : peer)) {
            peer = to;
            promptChanged.run();
        }
        knownUsers.add(to);
        if (screen.interactive()) {
            java.util.concurrent.atomic.AtomicBoolean toldQueued = new java.util.concurrent.atomic.AtomicBoolean();
            Runnable tellQueued = () -> {
                if (!o.result().isDone() && toldQueued.compareAndSet(false, true)) {
                    showQueued(to, text);
                }
            };
            if (!client.connected()) {
                tellQueued.run();
            } else {
                java.util.concurrent.CompletableFuture.delayedExecutor(QUEUED_AFTER_MILLIS, TimeUnit.MILLISECONDS).execute(tellQueued);
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
                screen.show("sent to " + to + " " + format.stamp(sent.timestampMillis()));
                return;
            } catch (ExecutionException e) {
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

    private void historyPage(String peer, long before, int count) throws ChatException {
        Response.Conversation c = client.history(peer, before, count);
        knownUsers.add(peer);
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
        if (org.wirechat.protocol.Limits.isGroupName(peer)) {
            b.append(format.groupConversation(c.messages(), client.username(), groupReceipts(peer, c.messages())));
        } else {
            b.append(format.conversation(c.messages(), client.username(), receiptsFrom(peer)));
        }
        screen.show(b.toString());
    }

    /** Each of this user's messages on the page: how many of the members it reached have it (none with receipts off). */
    private java.util.Map<Long, Response.GroupReceipts> groupReceipts(String group, List<Response.Message> page) throws ChatException {
        java.util.Map<Long, Response.GroupReceipts> out = new java.util.HashMap<>();
        for (Response.Message m : page) {
            if (m.sender().equalsIgnoreCase(client.username() == null ? "" : client.username())) {
                Response.GroupReceipts r = client.groupReceipts(group, m.id());
                if (!r.shared()) {
                    return java.util.Map.of();
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
            if (e.code() == org.wirechat.protocol.ErrorCode.UNKNOWN_OPCODE) {
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

    private void group(String args) throws ChatException, Usage {
        String[] w = args.strip().isEmpty() ? new String[] {"list"} : args.strip().split("\\s+");
        String what = w[0].toLowerCase(Locale.ROOT);
        int needs = switch (what) {
            case "list" -> 1;
            case "create", "leave", "members" -> 2;
            case "add", "remove", "rename" -> 3;
            default -> throw new Usage("usage: /group create|add|remove|leave|rename|members|list — /help group tells more");
        };
        if (w.length != needs) {
            throw new Usage("usage: /group " + switch (what) {
                case "list" -> "list";
                case "create", "leave", "members" -> what + " #NAME";
                case "rename" -> "rename #NAME #NEW";
                default -> what + " #NAME USER";
            });
        }
        switch (what) {
            case "create" -> screen.show("created " + client.createGroup(w[1]) + " — you are its owner; /group add "
                    + w[1] + " USER adds someone, " + w[1] + " TEXT writes to it");
            case "add" -> screen.show("added " + client.addToGroup(w[1], w[2]) + " to " + w[1]);
            case "remove" -> {
                client.removeFromGroup(w[1], w[2]);
                screen.show("removed " + w[2] + " from " + w[1]);
            }
            case "leave" -> {
                client.leaveGroup(w[1]);
                screen.show("you left " + w[1]);
            }
            case "rename" -> screen.show(w[1] + " is now " + client.renameGroup(w[1], w[2]));
            case "members" -> {
                Response.Members m = client.members(w[1]);
                StringBuilder b = new StringBuilder(m.group() + ": " + m.members().size() + " member"
                        + (m.members().size() == 1 ? "" : "s") + " (* online)");
                for (Response.Member member : m.members()) {
                    b.append(System.lineSeparator()).append("  ").append(member.online() ? "* " : "  ").append(member.username())
                            .append(member.owner() ? " (owner)" : "");
                }
                screen.show(b.toString());
            }
            default -> {
                List<Response.Group> groups = client.groups();
                if (groups.isEmpty()) {
                    screen.show("you are in no group — /group create #NAME makes one");
                    return;
                }
                StringBuilder b = new StringBuilder("your groups:");
                for (Response.Group g : groups) {
                    b.append(System.lineSeparator()).append("  ").append(g.name()).append("  ").append(g.members())
                            .append(g.members() == 1 ? " member" : " members").append(", owner ").append(g.owner());
                }
                screen.show(b.toString());
            }
        }
    }

    private void more() throws ChatException, Usage {
        if (more == null) {
            throw new Usage("nothing more to show");
        }
        more.run("");
    }

    private void delete() throws ChatException, Usage {
        String who = client.username();
        if (who == null) {
            throw new ChatException(org.wirechat.protocol.ErrorCode.NOT_AUTHENTICATED, "not logged in — log in first");
        }
        String answer = ask("Delete account " + who + " for good? Type yes to confirm: ", false);
        if (!answer.equalsIgnoreCase("yes")) {
            throw new Usage("not deleted");
        }
        String password = ask("Password: ", true);
        client.deleteAccount(password);
        peer = null;
        screen.show("account " + who + " deleted");
    }
}
