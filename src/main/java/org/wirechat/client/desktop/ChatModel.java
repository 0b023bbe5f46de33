package org.wirechat.client.desktop;

import java.io.IOException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.TextStyle;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.wirechat.client.ChatClient;
import org.wirechat.client.ChatException;
import org.wirechat.client.Outgoing;
import org.wirechat.client.local.LocalStore;
import org.wirechat.client.local.LocalStoreException;
import org.wirechat.client.local.StoreFiles;
import org.wirechat.protocol.ErrorCode;
import org.wirechat.protocol.Limits;
import org.wirechat.protocol.PatternMode;
import org.wirechat.protocol.ProtocolException;
import org.wirechat.protocol.Response;

/**
 * The desktop client's state and behaviour, without a screen: who is logged in, the user list with
 * online marks and unread counts, the open conversation, the link state and the last problem. The
 * window only shows {@link #snapshot()} and calls the actions below.
 *
 * <p>Threads: the actions talk to the server and block, so the window calls them off the event
 * dispatch thread (one at a time, in order). Incoming messages arrive on the poller's thread. State is
 * guarded by this object's monitor, never held while waiting on the network; listeners are told of a
 * change after the monitor is released.
 */
public final class ChatModel implements AutoCloseable {

    /** Accounts shown per filter: pages of {@link Limits#PAGE_MAX} are fetched up to this many. */
    static final int USERS_SHOWN = 500;
    /** Messages of a conversation loaded when it is opened, and per "older" step. */
    static final int HISTORY_PAGE = 50;

    /** Whether someone is online, as far as this client knows now (not known while disconnected). */
    public enum Presence { ONLINE, OFFLINE, UNKNOWN }

    /** One row of the directory: an account the filter matched. */
    public record User(String username, String fullName, Presence presence, int unread) {
        public boolean online() {
            return presence == Presence.ONLINE;
        }
    }

    /**
     * One row of "Conversations": someone you exchanged messages with since logging in (or whose
     * conversation you opened), the latest first, with the last message and what is unread.
     */
    public record Conversation(String peer, String fullName, Presence presence, int unread, long lastMillis,
            String last) {
    }

    /**
     * Where one of your messages is: stored by the server (✓), acknowledged by the peer (✓✓, when both
     * share receipts), queued in the outbox, or refused.
     */
    public enum Delivery { SENT, DELIVERED, PENDING, FAILED }

    /**
     * One message of the open conversation. A message of yours not yet stored has id 0, the time it was
     * written, and {@link Delivery#PENDING} (or {@link Delivery#FAILED}, with why in {@code note}).
     */
    public record Line(long id, String sender, long timestampMillis, String body, boolean mine, Delivery delivery,
            String note, String reach) {
        Line(long id, String sender, long timestampMillis, String body, boolean mine) {
            this(id, sender, timestampMillis, body, mine, Delivery.SENT, "");
        }

        /** {@code reach}: in a group, how many of the members it reached have it ({@code "2/5"}), else empty. */
        Line(long id, String sender, long timestampMillis, String body, boolean mine, Delivery delivery, String note) {
            this(id, sender, timestampMillis, body, mine, delivery, note, "");
        }
    }

    /** At most this many of your latest messages in an open group are asked about (one GROUP_RECEIPTS each). */
    static final int GROUP_MARKS_ASKED = 20;

    public enum LinkState { LOGGED_OUT, CONNECTED, RECONNECTING }

    /** Everything the window shows, at one moment. Immutable. */
    public record Snapshot(String me, LinkState link, String linkDetail, String problem, String filter, List<User> users,
            List<Conversation> conversations, String open, List<Line> conversation, boolean olderAvailable,
            boolean sessionExpired, int unsent, long retryInSeconds, String typing) {
        public int unread(String user) {
            return conversations.stream().filter(c -> c.peer().equalsIgnoreCase(user)).mapToInt(Conversation::unread).sum();
        }

        /** Every unread message, in all conversations. */
        public int unread() {
            return conversations.stream().mapToInt(Conversation::unread).sum();
        }

        /** The status line: the link as it is now, messages waiting to go, and the problem not yet read. */
        public String status() {
            String line = switch (link) {
                case LOGGED_OUT -> "Not logged in";
                case CONNECTED -> "Connected as " + me;
                case RECONNECTING -> "Connection lost (" + linkDetail + ") — " + (retryInSeconds > 0
                        ? "reconnecting in " + retryInSeconds + " s…" : "reconnecting…") + "; nothing is lost";
            };
            if (unsent > 0) {
                line += "  •  " + unsent + (unsent == 1 ? " message waits" : " messages wait") + " to be sent";
            }
            return problem.isEmpty() ? line : line + "  •  " + problem;
        }
    }

    /** A row of the conversation view: a day's heading, or a message with its time. */
    public sealed interface Row permits DayRow, MessageRow {
    }

    /** "Today", "Yesterday", a weekday within the week, else the date. */
    public record DayRow(String label) implements Row {
    }

    public record MessageRow(Line line, String time) implements Row {
    }

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm");

    /** The lines as the window shows them: a heading before each day's first message, every message with its time. */
    public static List<Row> rows(List<Line> lines, ZoneId zone, LocalDate today) {
        List<Row> rows = new ArrayList<>();
        LocalDate day = null;
        for (Line l : lines) {
            ZonedDateTime t = Instant.ofEpochMilli(l.timestampMillis()).atZone(zone);
            if (!t.toLocalDate().equals(day)) {
                day = t.toLocalDate();
                rows.add(new DayRow(dayLabel(day, today)));
            }
            rows.add(new MessageRow(l, TIME.format(t)));
        }
        return rows;
    }

    static String dayLabel(LocalDate day, LocalDate today) {
        long ago = ChronoUnit.DAYS.between(day, today);
        Locale en = Locale.ENGLISH;
        if (ago == 0) {
            return "Today";
        }
        if (ago == 1) {
            return "Yesterday";
        }
        if (ago > 1 && ago < 7) {
            return day.getDayOfWeek().getDisplayName(TextStyle.FULL, en);
        }
        return DateTimeFormatter.ofPattern(day.getYear() == today.getYear() ? "EEEE d MMMM" : "d MMMM yyyy", en)
                .format(day);
    }

    /** Told after every change; called on whatever thread made it. */
    public interface Listener {
        void changed(ChatModel model);
    }

    /** Makes the client for a server, reporting to the given listener (so the caller chooses the options). */
    @FunctionalInterface
    public interface ClientFactory {
        ChatClient make(String host, int port, ChatClient.Listener listener);

        /** A client over the given transport (a factory that knows only one makes that one). */
        default ChatClient make(String host, int port, ChatClient.Transport transport, ChatClient.Listener listener) {
            return make(host, port, listener);
        }

        /** Real clients with these options, over the transport each login asks for. */
        static ClientFactory with(ChatClient.Options options) {
            return new ClientFactory() {
                @Override
                public ChatClient make(String host, int port, ChatClient.Listener listener) {
                    return new ChatClient(host, port, listener, options);
                }

                @Override
                public ChatClient make(String host, int port, ChatClient.Transport transport, ChatClient.Listener listener) {
                    return new ChatClient(host, port, listener, options.withTransport(transport));
                }
            };
        }
    }

    /** Opens the local store of an account on a server (see {@link StoreFiles}). */
    @FunctionalInterface
    public interface Stores {
        LocalStore open(String host, int port, String user) throws IOException;

        /** Stores that live as long as a session: nothing is kept between logins (tests, a device that keeps no files). */
        Stores IN_MEMORY = (host, port, user) -> LocalStore.inMemory(user);
    }

    private final ClientFactory clients;
    private final Stores stores;
    /** Tries the server again on a short schedule while it cannot be reached, counting down. */
    private final Reconnect reconnect = new Reconnect(this::attemptReconnect, this::changed);
    /** This session's local store (an in-memory one while logged out), guarded by this. */
    private LocalStore store = LocalStore.inMemory("");
    private final List<Listener> listeners = new CopyOnWriteArrayList<>();

    // --- state, guarded by this ---
    private ChatClient client;
    private String me;
    private LinkState link = LinkState.LOGGED_OUT;
    private String linkDetail = "";
    private String problem = "";
    private String filter = "*";
    private boolean sessionExpired;
    /** The filter's accounts, by lower-case name, in the server's order. */
    private final Map<String, Response.Account> listed = new LinkedHashMap<>();
    /** The conversations since login, by lower-case peer. */
    private final Map<String, Activity> activity = new HashMap<>();
    /** Conversation peers the filter did not list, as the server last described them, by lower-case name. */
    private final Map<String, Response.Account> peers = new HashMap<>();
    /** The groups this user is in, by lower-case name (read with the list of users). */
    private final Map<String, Response.Group> groups = new LinkedHashMap<>();
    /**
     * {@link #groups} has been read from the server since login. The server sends no notice of an addition: each
     * list is compared with the groups this device last recorded ({@link LocalStore#groupsNow}), so a group one was
     * added to is told once — at the first list of a login when it happened while logged out.
     */
    private boolean groupsRead;
    /** The problem came from not reaching the server: it is no longer true once the client has reconnected. */
    private boolean problemIsLink;
    /** The client of a login under way (cancellable), or {@code null}. */
    private ChatClient loggingIn;
    /** What {@link #loggingIn} reports to. */
    private Incoming loggingInListener;
    private final Map<String, Integer> unread = new HashMap<>();
    private String open;
    /** The open conversation's peer's receipts, or {@code null} while not known (or the server has none). */
    private Response.Receipts receipts;
    /**
     * The newest message id of the open conversation known when {@link #receipts} was asked: the answer
     * covers only messages stored before it was asked, so a message of yours stored since is not marked
     * delivered by it (an answer "none waiting" says nothing of a message sent after).
     */
    private long receiptsAsOf;
    /** In an open group: how many of the members each of your messages reached have it (asked of the server). */
    private Map<Long, Response.GroupReceipts> groupMarks = Map.of();
    private final TreeMap<Long, Line> conversation = new TreeMap<>();
    /**
     * Messages received since login, by lower-case peer (the latest {@link #RECENT_KEPT} each). Opening a
     * conversation merges them with the history read from the server, so a message that arrives while the
     * history is being read is shown either way.
     */
    private final Map<String, TreeMap<Long, Line>> recent = new HashMap<>();
    static final int RECENT_KEPT = 200;
    /** Conversations whose peer's presence is looked up on each refresh. */
    static final int PEERS_LOOKED_UP = 20;

    /** A conversation's name as written and its latest message. */
    private record Activity(String peer, long lastMillis, String last, long seq) {
    }

    /** Counts what this client saw happen, to order Conversations. */
    private long activitySeq;
    private long olderThan; // the next history page's "before" id, 0 when there is none
    /** Your messages not stored yet (or refused), by lower-case peer, in the order written. */
    private final Map<String, List<Line>> unsentLines = new HashMap<>();

    /** A model that keeps nothing between logins. */
    public ChatModel(ClientFactory clients) {
        this(clients, Stores.IN_MEMORY);
    }

    /** A model that keeps each account's conversations in its local store. */
    public ChatModel(ClientFactory clients, Stores stores) {
        this.clients = Objects.requireNonNull(clients);
        this.stores = Objects.requireNonNull(stores);
    }

    /**
     * Something to tell the person once, in the status line of the next login (e.g. that another wirechat runs
     * here, so this one is a separate device); {@code null} or blank for nothing.
     */
    public synchronized void tellAtLogin(String notice) {
        atLogin = notice == null ? "" : notice.strip();
    }

    /** What {@link #tellAtLogin} gave, until the login that shows it. */
    private String atLogin = "";

    public void addListener(Listener l) {
        listeners.add(l);
    }

    private void changed() {
        for (Listener l : listeners) {
            l.changed(this);
        }
    }

    public synchronized Snapshot snapshot() {
        List<User> users = new ArrayList<>();
        for (Response.Account a : listed.values()) {
            users.add(new User(a.username(), a.fullName(), presence(a), unread.getOrDefault(key(a.username()), 0)));
        }
        // alphabetical, so rows never jump under the pointer when a message arrives; unread ones are marked instead
        users.sort(Comparator.comparing(u -> key(u.username())));
        List<Conversation> conversations = new ArrayList<>();
        List<Map.Entry<String, Activity>> latestFirst = new ArrayList<>(activity.entrySet());
        latestFirst.sort(Comparator.comparingLong((Map.Entry<String, Activity> e) -> e.getValue().seq()).reversed());
        for (Map.Entry<String, Activity> e : latestFirst) {
            Response.Account a = listed.containsKey(e.getKey()) ? listed.get(e.getKey()) : peers.get(e.getKey());
            Response.Group g = groups.get(e.getKey());
            Activity act = e.getValue();
            conversations.add(new Conversation(g != null ? g.name() : a == null ? act.peer() : a.username(),
                    g != null ? describe(g) : a == null ? "" : a.fullName(),
                    a == null ? Presence.UNKNOWN : presence(a), unread.getOrDefault(e.getKey(), 0), act.lastMillis(), act.last()));
        }
        for (Response.Group g : groups.values()) { // every group is a conversation, written to or not
            if (!activity.containsKey(key(g.name()))) {
                conversations.add(new Conversation(g.name(), describe(g), Presence.UNKNOWN, unread.getOrDefault(key(g.name()), 0), 0, ""));
            }
        }
        List<Line> lines = new ArrayList<>(conversation.size());
        for (Line l : conversation.values()) {
            Response.GroupReceipts g = l.mine() ? groupMarks.get(l.id()) : null;
            if (g != null && l.delivery() == Delivery.SENT) {
                lines.add(new Line(l.id(), l.sender(), l.timestampMillis(), l.body(), true,
                        reachedAll(g) ? Delivery.DELIVERED : Delivery.SENT, l.note(), g.delivered() + "/" + g.members()));
            } else {
                lines.add(delivered(l) ? new Line(l.id(), l.sender(), l.timestampMillis(), l.body(), true, Delivery.DELIVERED, l.note()) : l);
            }
        }
        if (open != null) {
            lines.addAll(unsentLines.getOrDefault(key(open), List.of()));
        }
        int waiting = (int) unsentLines.values().stream().flatMap(List::stream)
                .filter(l -> l.delivery() == Delivery.PENDING).count();
        return new Snapshot(me, link, linkDetail, problem, filter, List.copyOf(users), List.copyOf(conversations), open,
                List.copyOf(lines), olderThan > 0, sessionExpired, waiting, link == LinkState.RECONNECTING ? reconnect.secondsLeft() : -1,
                open == null ? "" : typingIn(open, System.currentTimeMillis()));
    }

    /**
     * Per conversation (its key), who is typing there now and until when (the client's clock): set by the server's
     * typing events, ended by the person's message, by "stopped", or by the time running out (monitor held).
     */
    private final Map<String, Map<String, Long>> typists = new HashMap<>();

    /** "bob is typing…", "bob and carol are typing…", or "" (monitor held). */
    private String typingIn(String conversation, long now) {
        Map<String, Long> who = typists.getOrDefault(key(conversation), Map.of());
        List<String> names = who.entrySet().stream().filter(e -> e.getValue() > now).map(Map.Entry::getKey).sorted().toList();
        return switch (names.size()) {
            case 0 -> "";
            case 1 -> names.get(0) + " is typing…";
            case 2 -> names.get(0) + " and " + names.get(1) + " are typing…";
            default -> names.size() + " people are typing…";
        };
    }

    /**
     * The draft changed: the client tells the open conversation's people that this person types, or stopped
     * ({@link ChatClient#draftChanged}). Call off the event dispatch thread, in order.
     */
    public void draftChanged(String text) {
        ChatClient c;
        String peer;
        synchronized (this) {
            c = client;
            peer = open;
        }
        if (c != null && peer != null) {
            c.draftChanged(peer, text);
        }
    }

    /** What a group's row says under its name. */
    private static String describe(Response.Group g) {
        return "group · " + g.members() + (g.members() == 1 ? " member" : " members") + " · owner " + g.owner();
    }

    /** Whether a conversation is a group's. */
    public static boolean isGroup(String peer) {
        return peer != null && Limits.isGroupName(peer);
    }

    /** Online or not as the server said, unless the link is down: then it is not known (monitor held). */
    private Presence presence(Response.Account a) {
        if (link != LinkState.CONNECTED) {
            return Presence.UNKNOWN;
        }
        return a.online() ? Presence.ONLINE : Presence.OFFLINE;
    }

    /**
     * A message in the conversation with {@code peer}: it moves to the top of Conversations (monitor held).
     * Conversations are ordered by when this client saw their latest message, not by its timestamp: the
     * server's clock and this machine's need not agree.
     */
    private void active(String peer, long millis, String body) {
        activity.put(key(peer), new Activity(peer, millis, body, ++activitySeq));
    }

    private static String key(String username) {
        return username.toLowerCase(Locale.ROOT);
    }

    // --- actions: each blocks on the network; a ChatException's message is fit to show ---

    /** Creates an account on the server, then logs in to it. */
    public void register(String host, int port, String user, String fullName, String password) throws ChatException {
        register(host, port, ChatClient.Transport.WIRE, user, fullName, password);
    }

    /** The same, over {@code transport} (the wire protocol, or gRPC to the server's --grpc-port). */
    public void register(String host, int port, ChatClient.Transport transport, String user, String fullName, String password)
            throws ChatException {
        ChatClient c = connectTo(host, port, transport);
        try {
            serverThere(c);
            c.register(user, fullName, password);
        } catch (ChatException e) {
            throw loginFailed(c, e);
        }
        loginWith(c, user, password);
    }

    /** Logs in, replacing any session, and loads the user list. */
    public void login(String host, int port, String user, String password) throws ChatException {
        login(host, port, ChatClient.Transport.WIRE, user, password);
    }

    /** The same, over {@code transport} (the wire protocol, or gRPC to the server's --grpc-port). */
    public void login(String host, int port, ChatClient.Transport transport, String user, String password) throws ChatException {
        loginWith(connectTo(host, port, transport), user, password);
    }

    /**
     * Checks that a wirechat server answers at {@code host:port} over {@code transport} (SERVER_INFO, through
     * TLS when the client uses it), without logging in: the login dialog calls this as soon as the server is
     * entered, so an unreachable server or a TLS mismatch is shown before any password is typed. Returns what
     * to show ("wirechat server at …"); throws with the problem in words.
     */
    public String checkServer(String host, int port, ChatClient.Transport transport) throws ChatException {
        if (host == null || host.isBlank()) {
            throw new ChatException(ErrorCode.INVALID_FIELD, "enter the server's host name");
        }
        if (port < 1 || port > 65535) {
            throw new ChatException(ErrorCode.INVALID_FIELD, "the port must be 1-65535");
        }
        try (ChatClient c = clients.make(host.strip(), port, transport, messages -> { })) {
            serverThere(c);
            return "wirechat server at " + c.endpoint();
        }
    }

    /** Asks the server's SERVER_INFO before anything else is sent (a server from before it still counts as there). */
    private static void serverThere(ChatClient c) throws ChatException {
        try {
            c.serverInfo();
        } catch (ChatException e) {
            if (e.code() != ErrorCode.UNKNOWN_OPCODE) {
                throw e;
            }
        }
    }

    /**
     * Abandons a login or registration under way: its connection is closed and it fails with "cancelled";
     * the current session, if any, stays.
     */
    public void cancelLogin() {
        ChatClient c;
        synchronized (this) {
            c = loggingIn;
            loggingIn = null;
            loggingInListener = null;
        }
        if (c != null) {
            c.close();
        }
    }

    private ChatClient connectTo(String host, int port, ChatClient.Transport transport) throws ChatException {
        if (host == null || host.isBlank()) {
            throw problem(new ChatException(ErrorCode.INVALID_FIELD, "enter the server's host name"));
        }
        if (port < 1 || port > 65535) {
            throw problem(new ChatException(ErrorCode.INVALID_FIELD, "the port must be 1-65535"));
        }
        Incoming incoming = new Incoming();
        ChatClient c = clients.make(host.strip(), port, transport, incoming);
        ChatClient abandoned;
        synchronized (this) {
            incoming.owner = c;
            loggingInListener = incoming;
            abandoned = loggingIn;
            loggingIn = c;
        }
        if (abandoned != null) {
            abandoned.close();
        }
        return c;
    }

    /** A login or registration failed: its client is closed, and the failure shown unless it was cancelled. */
    private ChatException loginFailed(ChatClient c, ChatException e) {
        c.close();
        synchronized (this) {
            if (loggingIn != c) {
                return new ChatException(null, "cancelled");
            }
            loggingIn = null;
            loggingInListener = null;
        }
        return problem(e);
    }

    private void loginWith(ChatClient c, String user, String password) throws ChatException {
        try {
            serverThere(c);
            c.login(user, password);
        } catch (ChatException e) {
            throw loginFailed(c, e);
        }
        LocalStore opened;
        String notKept = "";
        try {
            opened = stores.open(c.endpoint().host(), c.endpoint().port(), user);
        } catch (IOException | LocalStoreException e) {
            opened = LocalStore.inMemory(user);
            notKept = "this device keeps no history now (" + e.getMessage() + ")";
        }
        ChatClient old;
        synchronized (this) {
            if (loggingIn != c) { // cancelled while the answer was on its way
                c.close();
                opened.close();
                throw new ChatException(null, "cancelled");
            }
            Incoming incoming = loggingInListener;
            loggingIn = null;
            loggingInListener = null;
            old = client;
            forgetSession();
            client = c;
            me = user;
            store = opened;
            loadKept();
            incoming.apply(incoming.early); // what its poller delivered before this session was installed
            incoming.early.clear();
            link = LinkState.CONNECTED;
            linkDetail = "";
            problem = !notKept.isEmpty() ? notKept : c.missed() == 0 ? "" : "This device was away longer than the server keeps messages for it: "
                    + c.missed() + " message" + (c.missed() == 1 ? "" : "s") + " reached your other devices only (they are in"
                    + " the conversations' history)";
            if (!atLogin.isEmpty()) {
                problem = problem.isEmpty() ? atLogin : atLogin + "; " + problem;
                atLogin = "";
            }
            problemIsLink = false;
            sessionExpired = false;
        }
        if (old != null) {
            old.close();
        }
        changed();
        list(filter, false); // the login's own notice (history not kept, messages missed) stays shown
        Thread.ofVirtual().name("wirechat-sync").start(() -> sync(c));
    }

    /**
     * Shows the accounts whose username or full name holds {@code pattern}, ignoring case ({@code ob} finds
     * bob and Bobby); with a wildcard ({@code *} any run, {@code ?} one character) the pattern must match
     * the whole name, as the server's LIST_ACCOUNTS does.
     */
    public void filter(String pattern) throws ChatException {
        list(pattern, true);
    }

    /** Re-reads the list (online marks change); a problem being shown stays shown. */
    public void refreshUsers() throws ChatException {
        String p;
        synchronized (this) {
            p = filter;
        }
        list(p, false);
    }

    private void list(String pattern, boolean clearProblem) throws ChatException {
        ChatClient c = requireClient();
        String p = pattern == null || pattern.isBlank() ? "*" : pattern.strip();
        Map<String, Response.Account> found = new LinkedHashMap<>();
        Map<String, Response.Account> described = new HashMap<>();
        List<Response.Group> mine;
        String cursor = "";
        String asked = p.contains("*") || p.contains("?") ? p : "*" + p + "*"; // a part of a name, by default
        try {
            do {
                Response.Accounts page = c.list(PatternMode.WILDCARD, asked, cursor, Limits.PAGE_MAX);
                page.accounts().forEach(a -> found.put(key(a.username()), a));
                cursor = page.nextCursor();
            } while (!cursor.isEmpty() && found.size() < USERS_SHOWN);
            mine = groupsOf(c);
            for (String peer : conversationPeersNotIn(found)) {
                // usernames hold no wildcard characters: the pattern is the name itself
                for (Response.Account a : c.list(PatternMode.WILDCARD, peer, "", 5).accounts()) {
                    if (key(a.username()).equals(peer)) {
                        described.put(peer, a);
                    }
                }
            }
        } catch (ChatException e) {
            throw problem(e);
        }
        synchronized (this) {
            filter = p;
            listed.clear();
            listed.putAll(found);
            peers.clear();
            peers.putAll(described);
            String added = addedTo(mine);
            groups.clear();
            mine.forEach(g -> groups.put(key(g.name()), g));
            if (clearProblem) {
                problem = "";
            }
            if (!added.isEmpty()) {
                added = (groupsRead ? "" : "while you were away, ") + added;
                problem = problem.isEmpty() || problemIsLink ? added : problem + "; " + added;
                problemIsLink = false;
            }
            groupsRead = true;
        }
        changed();
    }

    /**
     * "you were added to #crew (owner bob, 2 members)" for the groups of {@code mine} this device had not recorded
     * (they are recorded now), or "" when there are none; a group this user owns (made here or on another of their
     * devices) is not news of being added.
     */
    private String addedTo(List<Response.Group> mine) {
        List<String> fresh;
        try {
            fresh = store.groupsNow(mine.stream().map(Response.Group::name).toList());
        } catch (LocalStoreException e) {
            return ""; // not told this time; the store's failure is said where it is used for history
        }
        List<String> added = mine.stream().filter(g -> fresh.contains(g.name()) && !g.owner().equalsIgnoreCase(me))
                .map(g -> g.name() + " (owner " + g.owner() + ", " + g.members() + " member" + (g.members() == 1 ? "" : "s") + ")")
                .toList();
        return added.isEmpty() ? "" : "you were added to " + String.join(", ", added);
    }

    /** This user's groups; none from a server from before groups. */
    private static List<Response.Group> groupsOf(ChatClient c) throws ChatException {
        try {
            return c.groups();
        } catch (ChatException e) {
            if (e.code() == ErrorCode.UNKNOWN_OPCODE) {
                return List.of();
            }
            throw e;
        }
    }

    /** Creates a group ({@code #name}) and opens it; this user is its owner. */
    public void createGroup(String name) throws ChatException {
        ChatClient c = requireClient();
        String created;
        try {
            created = c.createGroup(name.startsWith("#") ? name : "#" + name);
        } catch (ChatException e) {
            throw problem(e);
        }
        refreshUsers();
        open(created);
    }

    /** Adds someone to the open group (any member may). */
    public void addMember(String username) throws ChatException {
        ChatClient c = requireClient();
        String group = openGroup();
        try {
            c.addToGroup(group, username.strip());
        } catch (ChatException e) {
            throw problem(e);
        }
        refreshUsers();
    }

    /** Leaves the open group; its conversation closes. */
    public void leaveGroup() throws ChatException {
        ChatClient c = requireClient();
        String group = openGroup();
        try {
            c.leaveGroup(group);
        } catch (ChatException e) {
            throw problem(e);
        }
        synchronized (this) {
            activity.remove(key(group));
            keep(() -> store.forget(group));
            unread.remove(key(group));
            open = null;
            conversation.clear();
        }
        refreshUsers();
    }

    /** The open group's members, its owner first. */
    public Response.Members members() throws ChatException {
        ChatClient c = requireClient();
        try {
            return c.members(openGroup());
        } catch (ChatException e) {
            throw problem(e);
        }
    }

    private String openGroup() throws ChatException {
        synchronized (this) {
            if (isGroup(open)) {
                return open;
            }
        }
        throw problem(new ChatException(ErrorCode.NO_SUCH_GROUP, "open a group first"));
    }

    /** The latest conversations' peers (lower case) that the filter did not list. */
    private synchronized List<String> conversationPeersNotIn(Map<String, Response.Account> found) {
        return activity.entrySet().stream().filter(e -> !found.containsKey(e.getKey()) && !isGroup(e.getKey()))
                .sorted(Comparator.comparingLong((Map.Entry<String, Activity> e) -> e.getValue().seq()).reversed())
                .limit(PEERS_LOOKED_UP).map(Map.Entry::getKey).toList();
    }

    /** A stored message of yours that the open conversation's peer has acknowledged, by its receipts (monitor held). */
    private boolean delivered(Line l) {
        Response.Receipts r = receipts;
        return l.mine() && l.id() > 0 && l.id() <= receiptsAsOf && l.delivery() == Delivery.SENT && r != null && r.shared()
                && (r.oldestWaitingId() == 0 || l.id() < r.oldestWaitingId());
    }

    /** The newest message id known in the conversation with {@code peer} (monitor held). */
    private long newestKnown(String peer) {
        long newest = peer.equals(open) && !conversation.isEmpty() ? conversation.lastKey() : 0;
        TreeMap<Long, Line> mine = recent.get(key(peer));
        return mine == null || mine.isEmpty() ? newest : Math.max(newest, mine.lastKey());
    }

    /** The peer's receipts, or {@code null} if they cannot be had now (a server from before them, or no answer). */
    private static Response.Receipts receiptsOf(ChatClient c, String peer) {
        try {
            return c.receipts(peer);
        } catch (ChatException e) {
            return null; // marks are a nicety: the conversation shows without them
        }
    }

    /**
     * Asks the open conversation's peer's receipts again, when a message of yours there is stored and not
     * yet known to be delivered (the window calls this every few seconds); true if it asked.
     */
    public boolean refreshReceipts() {
        ChatClient c;
        String peer;
        long asOf;
        synchronized (this) {
            c = client;
            peer = open;
        }
        if (c != null && isGroup(peer)) {
            return refreshGroupMarks(c, peer);
        }
        synchronized (this) {
            if (c != client || peer == null || !peer.equals(open) || (receipts != null && !receipts.shared())
                    || conversation.values().stream().noneMatch(l -> l.mine() && l.id() > 0 && !delivered(l))) {
                return false;
            }
            asOf = newestKnown(peer);
        }
        Response.Receipts r = receiptsOf(c, peer);
        synchronized (this) {
            if (!peer.equals(open) || r == null || (r.equals(receipts) && asOf == receiptsAsOf)) {
                return true;
            }
            receipts = r;
            receiptsAsOf = asOf;
        }
        changed();
        return true;
    }

    /** Whether every member a group message reached has it, by its receipts (false when not known). */
    private static boolean reachedAll(Response.GroupReceipts g) {
        return g != null && g.delivered() >= g.members();
    }

    /**
     * Asks, for your latest messages in the open group not yet known to have reached everyone, how many of
     * its members have them; true if it asked (called without the monitor: it asks the server).
     */
    private boolean refreshGroupMarks(ChatClient c, String group) {
        List<Long> ids;
        synchronized (this) {
            ids = conversation.values().stream().filter(l -> l.mine() && l.id() > 0 && l.delivery() == Delivery.SENT)
                    .filter(l -> !reachedAll(groupMarks.get(l.id())))
                    .map(Line::id).toList();
        }
        if (ids.isEmpty()) {
            return false;
        }
        Map<Long, Response.GroupReceipts> found = new HashMap<>();
        for (long id : ids.subList(Math.max(0, ids.size() - GROUP_MARKS_ASKED), ids.size())) {
            try {
                Response.GroupReceipts r = c.groupReceipts(group, id);
                if (!r.shared()) { // your receipts are off: you learn nothing of others
                    found.clear();
                    break;
                }
                found.put(id, r);
            } catch (ChatException e) {
                break; // marks are a nicety: the conversation shows without them
            }
        }
        synchronized (this) {
            if (!group.equals(open)) {
                return true;
            }
            Map<Long, Response.GroupReceipts> merged = new HashMap<>(groupMarks);
            merged.putAll(found);
            groupMarks = Map.copyOf(merged);
        }
        changed();
        return true;
    }

    /** Turns this user's receipts on or off (both ways); the open conversation's marks follow. */
    public void setReceipts(boolean on) throws ChatException {
        ChatClient c = requireClient();
        String peer;
        try {
            c.setReceipts(on);
        } catch (ChatException e) {
            throw problem(e);
        }
        long asOf;
        synchronized (this) {
            peer = open;
            receipts = null;
            groupMarks = Map.of();
            asOf = peer == null ? 0 : newestKnown(peer);
        }
        if (isGroup(peer)) {
            refreshGroupMarks(c, peer);
        } else if (peer != null) {
            Response.Receipts r = receiptsOf(c, peer);
            synchronized (this) {
                if (peer.equals(open)) {
                    receipts = r;
                    receiptsAsOf = asOf;
                }
            }
        }
        changed();
    }

    /**
     * Opens the conversation with a user: loads its latest messages and clears its unread count. While the
     * server cannot be reached, the messages this device kept are shown instead, and the status says so.
     */
    public void open(String peer) throws ChatException {
        ChatClient c = requireClient();
        Response.Conversation page;
        try {
            page = c.history(peer, 0, HISTORY_PAGE);
        } catch (ChatException e) {
            if (e.code() == null && openKept(peer)) {
                return;
            }
            throw problem(e);
        }
        keep(() -> {
            store.remember(peer);
            store.filled(page.messages());
            store.read(peer);
        });
        long asOf = page.messages().stream().mapToLong(Response.Message::id).max().orElse(0);
        synchronized (this) {
            asOf = Math.max(asOf, newestKnown(peer));
        }
        Response.Receipts r = isGroup(peer) ? null : receiptsOf(c, peer); // a group's: asked below, per message
        synchronized (this) {
            open = peer;
            receipts = r;
            receiptsAsOf = asOf;
            groupMarks = Map.of();
            conversation.clear();
            addLines(page.messages());
            TreeMap<Long, Line> mine = recent.get(key(peer));
            if (mine != null) {
                long oldestShown = conversation.isEmpty() ? Long.MIN_VALUE : conversation.firstKey();
                conversation.putAll(mine.tailMap(oldestShown, true)); // older ones come with "load older"
            }
            olderThan = page.nextBeforeId();
            unread.remove(key(peer));
            if (!conversation.isEmpty() && !activity.containsKey(key(peer))) {
                Line last = conversation.lastEntry().getValue();
                active(peer, last.timestampMillis(), last.body());
            }
            problem = "";
        }
        changed();
        if (isGroup(peer)) {
            refreshGroupMarks(c, peer);
        }
    }

    /** Loads the open conversation's previous page (from what this device kept, while the server is away). */
    public void loadOlder() throws ChatException {
        ChatClient c = requireClient();
        String peer;
        long before;
        synchronized (this) {
            peer = open;
            before = olderThan;
        }
        if (peer == null || before == 0) {
            return;
        }
        Response.Conversation page;
        try {
            page = c.history(peer, before, HISTORY_PAGE);
        } catch (ChatException e) {
            if (e.code() != null) {
                throw problem(e);
            }
            synchronized (this) {
                page = kept(peer, before);
            }
            if (page.messages().isEmpty()) {
                throw problem(e);
            }
        }
        Response.Conversation shown = page;
        keep(() -> store.filled(shown.messages()));
        synchronized (this) {
            if (peer.equals(open)) {
                addLines(shown.messages());
                olderThan = shown.nextBeforeId();
            }
        }
        changed();
    }

    /** A page of the messages this device kept, as HISTORY would give it (monitor held). */
    private Response.Conversation kept(String peer, long before) {
        List<Response.Message> page = new ArrayList<>();
        try {
            for (LocalStore.Message m : store.history(peer, before, HISTORY_PAGE)) {
                page.add(new Response.Message(m.id(), m.sender(), m.recipient(), m.timestampMillis(), m.body()));
            }
        } catch (LocalStoreException e) {
            return new Response.Conversation(List.of(), 0);
        }
        return new Response.Conversation(page, page.size() < HISTORY_PAGE ? 0 : page.getFirst().id());
    }

    /**
     * Shows a conversation from what this device kept, the server being out of reach; false if it kept
     * nothing of it.
     */
    private boolean openKept(String peer) {
        synchronized (this) {
            Response.Conversation page = kept(peer, 0);
            if (page.messages().isEmpty() && !activity.containsKey(key(peer))) {
                return false;
            }
            open = peer;
            receipts = null;
            groupMarks = Map.of();
            conversation.clear();
            addLines(page.messages());
            TreeMap<Long, Line> mine = recent.get(key(peer));
            if (mine != null) {
                conversation.putAll(mine);
            }
            olderThan = page.nextBeforeId();
            keep(() -> store.read(peer));
            unread.remove(key(peer));
            problem = "offline — showing the messages this device kept; newer ones come when the server is back";
            problemIsLink = true;
        }
        changed();
        return true;
    }

    /** Does something to the local store; if it fails, says so and carries on without it (monitor held or not). */
    private void keep(Runnable write) {
        try {
            write.run();
        } catch (LocalStoreException e) {
            synchronized (this) {
                problem = "this device could not keep its history: " + e.getMessage();
                problemIsLink = false;
            }
        }
    }

    /** Unread counts as the local store has them (monitor held). */
    private void unreadFromStore() {
        try {
            List<LocalStore.Conversation> kept = store.conversations();
            unread.clear();
            kept.stream().filter(k -> k.unread() > 0).forEach(k -> unread.put(key(k.peer()), k.unread()));
        } catch (LocalStoreException e) {
            problem = "this device could not read its history: " + e.getMessage();
        }
    }

    /**
     * The conversations this device kept, into the list: the one with the newest message first, then the
     * ones active in this session above them as they happen (monitor held).
     */
    private void loadKept() {
        try {
            List<LocalStore.Conversation> kept = store.conversations();
            for (LocalStore.Conversation k : kept.reversed()) {
                if (k.lastId() > 0) {
                    activity.put(key(k.peer()), new Activity(k.peer(), k.lastMillis(), k.last(), ++activitySeq));
                }
            }
        } catch (LocalStoreException e) {
            problem = "this device could not read its history: " + e.getMessage();
        }
        unreadFromStore();
    }

    /** Conversations whose latest messages are asked for at login. */
    static final int SYNCED_AT_LOGIN = 20;

    /**
     * After a login: asks HISTORY for the latest messages of the conversations this device kept and of the
     * user's groups, and keeps what it lacks (what another device read, what was sent from elsewhere), so
     * each conversation shows its real last message. Runs off the caller's thread; stops if the session ends.
     */
    private void sync(ChatClient c) {
        List<String> peers = new ArrayList<>();
        synchronized (this) {
            if (client != c) {
                return;
            }
            try {
                store.conversations().stream().limit(SYNCED_AT_LOGIN).forEach(k -> peers.add(k.peer()));
            } catch (LocalStoreException e) {
                return;
            }
            groups.values().stream().map(Response.Group::name).filter(g -> peers.stream().noneMatch(g::equalsIgnoreCase))
                    .forEach(peers::add);
        }
        for (String peer : peers) {
            Response.Conversation page;
            try {
                page = c.history(peer, 0, HISTORY_PAGE);
            } catch (ChatException e) {
                if (e.code() == null) {
                    return; // unreachable: the next login syncs
                }
                continue; // a group left meanwhile, an account deleted: the rest still sync
            }
            synchronized (this) {
                if (client != c) {
                    return;
                }
                keep(() -> store.filled(page.messages()));
                if (!page.messages().isEmpty()) {
                    Response.Message last = page.messages().getLast();
                    Activity now = activity.get(key(peer));
                    if (now == null || last.timestampMillis() > now.lastMillis()) {
                        activity.put(key(peer), new Activity(now == null ? peer : now.peer(), last.timestampMillis(), last.body(),
                                now == null ? 0 : now.seq())); // where it was in the list; a new one below the rest
                    }
                }
            }
            changed();
        }
    }

    private void addLines(List<Response.Message> messages) {
        for (Response.Message m : messages) {
            conversation.put(m.id(), new Line(m.id(), m.sender(), m.timestampMillis(), m.body(), m.sender().equalsIgnoreCase(me)));
        }
    }

    /**
     * Why a draft cannot be sent as it is, or {@code ""} if it can; the window shows this (and the length)
     * while the message is typed, before anything is sent.
     */
    public static String draftProblem(String text) {
        return draftProblem(text, Limits.BODY_MAX);
    }

    /** The same, against a server's own limit (see {@link #messageLimit()}). */
    public static String draftProblem(String text, int limit) {
        try {
            Limits.checkBody(text, limit);
            return "";
        } catch (ProtocolException e) {
            return e.code() == ErrorCode.MESSAGE_EMPTY ? "type a message" : "too long: " + length(text) + " of at most "
                    + limit + " characters";
        }
    }

    /** The longest message the server accepts, as it said at login (the protocol's maximum before). */
    public int messageLimit() {
        ChatClient c;
        synchronized (this) {
            c = client;
        }
        return c == null ? Limits.BODY_MAX : c.maxMessageChars();
    }

    /** A draft's length as the server counts it (Unicode code points). */
    public static int length(String text) {
        return text.codePointCount(0, text.length());
    }

    /**
     * Sends to the open conversation without waiting: the message shows at once as pending (greyed), and
     * becomes an ordinary line when the server has stored it — after an outage too, since the client's
     * outbox keeps it. Throws only when the text breaks the server's rules or no one is chosen: then the
     * draft should be kept.
     */
    public void send(String text) throws ChatException {
        ChatClient c = requireClient();
        String peer;
        String from;
        synchronized (this) {
            peer = open;
            from = me;
        }
        if (peer == null) {
            throw problem(new ChatException(ErrorCode.NO_SUCH_USER, "choose someone to write to first"));
        }
        Outgoing o;
        try {
            o = c.send(peer, text);
        } catch (ChatException e) {
            throw problem(e);
        }
        Line pending = new Line(0, from, System.currentTimeMillis(), text, true, Delivery.PENDING, "");
        synchronized (this) {
            unsentLines.computeIfAbsent(key(peer), k -> new ArrayList<>()).add(pending);
            active(peer, pending.timestampMillis(), text);
            problem = "";
        }
        changed();
        o.result().whenComplete((sent, failed) -> settled(c, peer, pending, sent, failed));
    }

    /** A message of yours has its answer: stored (an ordinary line now) or refused (marked so, with why). */
    private void settled(ChatClient c, String peer, Line pending, Response.Sent sent, Throwable failed) {
        synchronized (this) {
            if (client != c) {
                return; // another session's
            }
            List<Line> waiting = unsentLines.getOrDefault(key(peer), new ArrayList<>());
            int at = waiting.indexOf(pending);
            if (sent != null) {
                if (at >= 0) {
                    waiting.remove(at);
                }
                Line line = new Line(sent.messageId(), pending.sender(), sent.timestampMillis(), pending.body(), true);
                remember(peer, line);
                keep(() -> store.sent(peer, line.id(), line.timestampMillis(), line.body()));
                activity.computeIfPresent(key(peer), (k, a) -> a.lastMillis() == pending.timestampMillis() && a.last().equals(line.body())
                        ? new Activity(a.peer(), line.timestampMillis(), a.last(), a.seq()) : a); // the server's time, as the conversation shows
                if (peer.equalsIgnoreCase(open == null ? "" : open)) {
                    conversation.put(line.id(), line);
                }
            } else if (at >= 0) {
                waiting.set(at, new Line(0, pending.sender(), pending.timestampMillis(), pending.body(), true,
                        Delivery.FAILED, failed.getMessage()));
                problem = "not sent to " + peer + ": " + failed.getMessage();
                problemIsLink = false;
            }
        }
        changed();
    }

    /** Keeps a line among the latest of its conversation since login (monitor held). */
    private void remember(String peer, Line line) {
        TreeMap<Long, Line> kept = recent.computeIfAbsent(key(peer), k -> new TreeMap<>());
        kept.put(line.id(), line);
        if (kept.size() > RECENT_KEPT) {
            kept.pollFirstEntry();
        }
    }

    /** Deletes the account (after handing over the mail still waiting), then the window is logged out. */
    /** Changes the password (the current one checked again); the account's other sessions end, this one stays. */
    public void changePassword(String current, String next) throws ChatException {
        ChatClient c = requireClient();
        try {
            c.changePassword(current, next);
        } catch (ChatException e) {
            throw problem(e);
        }
    }

    /** Changes the full name others see in the directory; returns it as the server now has it. */
    /**
     * A message a search found: its id, the conversation it is in (the other person of a direct message — this user
     * for a note to oneself — or the group's {@code #name}), who wrote it, when and what.
     */
    public record Found(long id, String conversation, String sender, long timestampMillis, String body) {
    }

    /** A page of search results, newest first; {@code nextBeforeId} asks for older ones (0: there are none). */
    public record SearchPage(List<Found> found, long nextBeforeId) {
    }

    /**
     * This user's messages holding every word of {@code query} (SEARCH_MESSAGES), newest first, below {@code beforeId}
     * (0: the newest); a server without it is said to be older.
     */
    public SearchPage search(String query, long beforeId) throws ChatException {
        ChatClient c = requireClient();
        Response.SearchResults r;
        try {
            r = c.searchMessages(query, beforeId, SEARCH_PAGE);
        } catch (ChatException e) {
            throw problem(e.code() == ErrorCode.UNKNOWN_OPCODE
                    ? new ChatException(e.code(), "this server cannot search messages (it is older than this client)") : e);
        }
        String me = c.username();
        List<Found> found = new ArrayList<>(r.messages().size());
        for (Response.Message m : r.messages()) {
            String conversation = Limits.isGroupName(m.recipient()) || !m.recipient().equalsIgnoreCase(me) ? m.recipient() : m.sender();
            found.add(new Found(m.id(), conversation, m.sender(), m.timestampMillis(), m.body()));
        }
        return new SearchPage(found, r.nextBeforeId());
    }

    /** Search results asked for at once. */
    static final int SEARCH_PAGE = 50;

    public String setFullName(String fullName) throws ChatException {
        ChatClient c = requireClient();
        try {
            return c.setFullName(fullName);
        } catch (ChatException e) {
            throw problem(e);
        }
    }

    public void deleteAccount(String password) throws ChatException {
        ChatClient c = requireClient();
        try {
            c.deleteAccount(password);
        } catch (ChatException e) {
            throw problem(e);
        }
        loggedOut();
    }

    public void logout() {
        ChatClient c;
        synchronized (this) {
            c = client;
        }
        if (c != null) {
            try {
                c.logout();
            } catch (ChatException e) {
                // the session ends here either way; the server forgets the token when it expires
            }
        }
        loggedOut();
    }

    private void loggedOut() {
        ChatClient c;
        synchronized (this) {
            c = client;
            forgetSession();
        }
        if (c != null) {
            c.close();
        }
        changed();
    }

    /** Forgets who is logged in and everything shown for them (monitor held). */
    private void forgetSession() {
        reconnect.back();
        client = null;
        me = null;
        link = LinkState.LOGGED_OUT;
        listed.clear();
        activity.clear();
        peers.clear();
        groups.clear();
        groupsRead = false;
        unread.clear();
        open = null;
        receipts = null;
        groupMarks = Map.of();
        conversation.clear();
        recent.clear();
        unsentLines.clear();
        typists.clear();
        olderThan = 0;
        store.close();
        store = LocalStore.inMemory("");
    }

    /** One try of the reconnection: true if the server answered (then the client is connected again). */
    private boolean attemptReconnect() {
        ChatClient c;
        synchronized (this) {
            c = client;
        }
        return c != null && c.tryServerNow();
    }

    /**
     * "Retry now": while the server cannot be reached, tries it at once instead of waiting for the countdown;
     * true if it answered (the client is connected again). Blocks on the network.
     */
    public boolean retryNow() {
        synchronized (this) {
            if (link != LinkState.RECONNECTING) {
                return link == LinkState.CONNECTED;
            }
        }
        return reconnect.tryNow();
    }

    /** Clears the problem line (the person has read it). */
    public void dismissProblem() {
        synchronized (this) {
            problem = "";
        }
        changed();
    }

    private synchronized ChatClient requireClient() throws ChatException {
        if (client == null) {
            throw new ChatException(ErrorCode.NOT_AUTHENTICATED, "not logged in — log in first");
        }
        return client;
    }

    private ChatException problem(ChatException e) {
        synchronized (this) {
            problem = e.getMessage();
            problemIsLink = e.code() == null;
            if (e.code() == ErrorCode.NOT_AUTHENTICATED && client != null && !client.loggedIn()) {
                sessionExpired = true;
            }
        }
        changed();
        return e;
    }

    @Override
    public void close() {
        reconnect.close();
        ChatClient c;
        synchronized (this) {
            c = client;
            client = null;
        }
        if (c != null) {
            c.close();
        }
    }

    /** What the client's poller reports, for the client made by this model. */
    private final class Incoming implements ChatClient.Listener {
        /** The client this listens to (set under the monitor once made). */
        private ChatClient owner;
        /**
         * Messages its poller handed over while its login was still being installed: the session state is
         * reset when a login is installed, so these are applied after that, not lost to it.
         */
        private final List<Response.Message> early = new ArrayList<>();

        @Override
        public void messages(List<Response.Message> messages) {
            synchronized (ChatModel.this) {
                if (client == owner && owner != null) {
                    apply(messages);
                } else if (owner == null || loggingIn == owner) {
                    early.addAll(messages);
                    return;
                } else {
                    return; // a client being closed (cancelled or replaced)
                }
            }
            changed();
        }

        /** Adds messages to their conversations (monitor held). */
        void apply(List<Response.Message> messages) {
            keep(() -> store.fetched(messages, open));
            for (Response.Message m : messages) {
                boolean mine = m.sender().equalsIgnoreCase(me);
                String peer = mine || isGroup(m.recipient()) ? m.recipient() : m.sender(); // a group's message is in the group's
                Line line = new Line(m.id(), m.sender(), m.timestampMillis(), m.body(), mine);
                Map<String, Long> typing = typists.get(key(peer));
                if (typing != null) {
                    typing.keySet().removeIf(n -> n.equalsIgnoreCase(m.sender())); // their message ends their "typing…"
                }
                remember(peer, line);
                active(peer, m.timestampMillis(), m.body());
                if (open != null && open.equalsIgnoreCase(peer)) {
                    conversation.put(m.id(), line);
                }
            }
            unreadFromStore(); // one's own, sent from another device, is not unread; nor one handed over twice
        }

        @Override
        public void typing(Response.Typing t) {
            synchronized (ChatModel.this) {
                if (client != owner || owner == null) {
                    return;
                }
                Map<String, Long> who = typists.computeIfAbsent(key(t.conversation()), k -> new HashMap<>());
                who.keySet().removeIf(n -> n.equalsIgnoreCase(t.from()));
                if (t.typing()) {
                    who.put(t.from(), System.currentTimeMillis() + t.expiresInMillis());
                }
            }
            changed();
        }

        @Override
        public void connectionLost(String why) {
            synchronized (ChatModel.this) {
                if (link != LinkState.LOGGED_OUT && client == owner) {
                    link = LinkState.RECONNECTING;
                    linkDetail = why;
                    reconnect.lost();
                }
            }
            changed();
        }

        @Override
        public void reconnected() {
            synchronized (ChatModel.this) {
                if (link != LinkState.LOGGED_OUT && client == owner) {
                    link = LinkState.CONNECTED;
                    linkDetail = "";
                    reconnect.back();
                    if (problemIsLink) {
                        problem = ""; // "cannot reach the server" is no longer true
                        problemIsLink = false;
                    }
                }
            }
            changed();
        }

        @Override
        public void sessionExpired() {
            synchronized (ChatModel.this) {
                sessionExpired = true;
                problem = "your session expired or was ended elsewhere — log in again";
                problemIsLink = false;
            }
            changed();
        }

        @Override
        public void problem(String what) {
            synchronized (ChatModel.this) {
                problem = what;
                problemIsLink = false;
            }
            changed();
        }
    }
}
