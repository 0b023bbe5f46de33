package org.wirechat.client.terminal;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import org.wirechat.client.ChatClient;
import org.wirechat.client.ChatException;
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
    private String lastPeer;
    private Handler more;
    private boolean quit;

    Commands(ChatClient client, Screen screen, Format format, Set<String> knownUsers) {
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
        add("/msg", "USER TEXT", "send a message (also: @USER TEXT; plain text goes to the last person you wrote to)", this::msg, "/m", "/send");
        add("/history", "USER [COUNT]", "your conversation with USER, newest " + PAGE + " (or COUNT) messages", this::history, "/hist");
        add("/more", "", "the next page of /list or /history", a -> more());
        add("/delete", "", "delete your account (receives waiting messages first)", a -> delete(), "/unregister");
        add("/quit", "", "leave (Ctrl-D too)", a -> quit = true, "/exit", "/q");
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
        try {
            if (trimmed.startsWith("@")) {
                msg(trimmed.substring(1));
            } else if (trimmed.startsWith("/")) {
                String[] parts = trimmed.split("\\s+", 2);
                String name = parts[0].toLowerCase(Locale.ROOT);
                Command c = commands.get(aliases.getOrDefault(name, name));
                if (c == null) {
                    throw new Usage("unknown command " + parts[0] + " — /help lists them");
                }
                c.handler().run(parts.length > 1 ? parts[1] : "");
            } else if (lastPeer != null) {
                sendTo(lastPeer, line.strip());
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
        client.login(user, password);
        lastPeer = null;
    }

    private void logout() throws ChatException {
        String who = client.username();
        client.logout();
        lastPeer = null;
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
        String[] w = words(args, 2, "/msg USER TEXT  or  @USER TEXT");
        sendTo(w[0], w[1]);
    }

    private void sendTo(String to, String text) throws ChatException {
        Response.Sent sent = client.send(to, text);
        lastPeer = to;
        knownUsers.add(to);
        screen.show("sent to " + to + " " + format.stamp(sent.timestampMillis()));
    }

    private void history(String args) throws ChatException, Usage {
        String[] w = words(args, 1, "/history USER [COUNT]");
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
        b.append(format.conversation(c.messages(), client.username()));
        screen.show(b.toString());
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
        lastPeer = null;
        screen.show("account " + who + " deleted");
    }
}
