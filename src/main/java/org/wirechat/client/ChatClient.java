package org.wirechat.client;

import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManager;
import org.wirechat.client.grpc.GrpcConnection;
import org.wirechat.protocol.ErrorCode;
import org.wirechat.protocol.Limits;
import org.wirechat.protocol.PatternMode;
import org.wirechat.protocol.ProtocolException;
import org.wirechat.protocol.Request;
import org.wirechat.protocol.Response;

/**
 * The client API every front end uses: one server, one user at a time. Requests go over a command
 * connection; once logged in, a {@link Poller} on a second connection delivers incoming messages to
 * the {@link Listener}. Input is checked locally with the server's own rules before it is sent. A lost
 * connection is re-made with backoff, and requests that are safe to repeat are repeated (a SEND keeps
 * its client message id, so it is stored once). Thread-safe.
 */
public final class ChatClient implements AutoCloseable {

    /** What the client tells its front end. Called from the poller's thread or the caller's. */
    public interface Listener {
        /** New messages, oldest first, each once; acknowledged after this returns. */
        void messages(List<Response.Message> messages);

        /**
         * Logged in, with {@code unread} messages waiting: told before the first of them is handed to
         * {@link #messages}, so that a person reads "logged in … 2 unread" above the two, not below.
         */
        default void loggedIn(String username, long unread) {
        }

        /** The server became unreachable; the client keeps trying. */
        default void connectionLost(String why) {
        }

        /**
         * While the server is unreachable (and someone is logged in): the next attempt to reach it is
         * {@code in} from now, the {@code attempt}th since it went away; {@link ChatClient#retryNow()} tries at once.
         */
        default void reconnecting(Duration in, int attempt) {
        }

        default void reconnected() {
        }

        /** The poller found the session expired or revoked: log in again. */
        default void sessionExpired() {
        }

        /**
         * Another client logged in with this client's device id and receives its messages now: this client
         * stopped polling (it can still send). Told once; by default as a {@link #problem}.
         */
        default void deviceInUse(String why) {
            problem(why);
        }

        /** Something went wrong in the background that a person may want to know. */
        default void problem(String what) {
        }

        /**
         * Someone of a conversation is typing or stopped ({@link Response.Typing}; a server with the {@code events}
         * feature, over the wire protocol). A typing indication ends by itself after its {@code expiresInMillis}.
         */
        default void typing(Response.Typing typing) {
        }
    }

    /** How the client reaches the server: the wire protocol, or gRPC (docs/grpc.md, the server's --grpc-port). */
    public enum Transport {
        WIRE, GRPC
    }

    /**
     * @param pollWait how long each inbox poll waits for mail on the server
     * @param retryFor how long a request that is safe to repeat keeps being retried while the server is unreachable
     * @param tls TLS trust for the server's certificate ({@link Tls}), or {@code null} for plain TCP
     * @param transport the wire protocol or gRPC
     * @param trust with gRPC and TLS, the trust managers to check the server's certificate with ({@link Tls#trustManagers}),
     *        or {@code null} for the JDK's trust store
     * @param device this installation's device id ({@link DeviceId}): it logs in with LOGIN_DEVICE and
     *        receives every message of the account whatever the account's other devices acknowledge; {@code null}
     *        logs in with LOGIN, as the account's default device
     */
    public record Options(Duration connectTimeout, Backoff backoff, Duration pollWait, Duration retryFor,
            SSLSocketFactory tls, Transport transport, TrustManager[] trust, String device) {
        public static final Options DEFAULT = new Options(Duration.ofSeconds(5), Backoff.DEFAULT, Duration.ofSeconds(25),
                Duration.ofSeconds(30), null, Transport.WIRE, null, null);

        public Options(Duration connectTimeout, Backoff backoff, Duration pollWait, Duration retryFor) {
            this(connectTimeout, backoff, pollWait, retryFor, null, Transport.WIRE, null, null);
        }

        public Options(Duration connectTimeout, Backoff backoff, Duration pollWait, Duration retryFor, SSLSocketFactory tls) {
            this(connectTimeout, backoff, pollWait, retryFor, tls, Transport.WIRE, null, null);
        }

        public Options withTls(SSLSocketFactory factory) {
            return new Options(connectTimeout, backoff, pollWait, retryFor, factory, transport, trust, device);
        }

        /** TLS, checking the server's certificate with {@code managers} over either transport. */
        public Options withTls(SSLSocketFactory factory, TrustManager[] managers) {
            return new Options(connectTimeout, backoff, pollWait, retryFor, factory, transport, managers, device);
        }

        public Options withTransport(Transport t) {
            return new Options(connectTimeout, backoff, pollWait, retryFor, tls, t, trust, device);
        }

        /** Logs in as this device ({@code null}: as the account's default device). */
        public Options withDevice(String id) {
            return new Options(connectTimeout, backoff, pollWait, retryFor, tls, transport, trust, id);
        }
    }

    /** Where the server is, and how to reach it. */
    public record Endpoint(String host, int port, Duration connectTimeout, SSLSocketFactory tls, Transport transport,
            TrustManager[] trust) {
        ServerConnection connect() throws IOException {
            return transport == Transport.GRPC
                    ? GrpcConnection.open(host, port, connectTimeout, tls != null, trust)
                    : Connection.open(host, port, connectTimeout, tls);
        }

        @Override
        public String toString() {
            return host + ":" + port + (tls == null ? "" : " (TLS)") + (transport == Transport.GRPC ? " over gRPC" : "");
        }
    }

    private final Endpoint endpoint;
    private final Listener listener;
    private final Options options;
    private final Link link;
    /** Guards the session state below; never held while waiting on the network except in login/logout/delete, which the front end calls one at a time. */
    private final ReentrantLock state = new ReentrantLock();
    private final AtomicLong lastShown = new AtomicLong();
    private volatile ServerConnection commands;
    private volatile String expiredUser;
    /** Set by {@link #close()}: a request under way stops retrying (a login being cancelled ends at once). */
    private volatile boolean closed;
    private final Outbox outbox;
    private volatile String token;
    private volatile String username;
    private volatile Poller poller;

    /** The longest message body the server accepts, from its SERVER_INFO (the protocol's maximum until known). */
    private volatile int maxMessageChars = Limits.BODY_MAX;

    /** The longest message body (in characters) this server accepts, as it said at login. */
    public int maxMessageChars() {
        return maxMessageChars;
    }

    /**
     * Asks the server for its limits (SERVER_INFO) once, after a login: a server from before that operation
     * answers UNKNOWN_OPCODE, and the protocol's defaults stand. One attempt, not retried: were the server to go
     * away just after the login, the login would return only when the retries ran out, and the person wait.
     */
    private void learnLimits() {
        try {
            if (call(new Request.ServerInfo(), false) instanceof Response.ServerInfo info) {
                learn(info);
            }
        } catch (ChatException e) {
            // unreachable now: the defaults stand, and the server still checks every message itself
        }
    }

    private void learn(Response.ServerInfo info) {
        maxMessageChars = Math.min(Limits.BODY_MAX, info.maxMessageChars());
        events = info.features().contains(EVENTS);
    }

    /** The SERVER_INFO feature of SYNC and TYPING. */
    static final String EVENTS = "events";
    /** Whether the server answers SYNC and TYPING (its SERVER_INFO lists {@link #EVENTS}). */
    private volatile boolean events;

    /** Whether the server tells who is typing (and takes {@link #typing}): its SERVER_INFO lists {@code events}. */
    public boolean hasEvents() {
        return events;
    }

    /** Set once a connection to the server was made: failures after that are "lost", before it "cannot connect". */
    private volatile boolean connectedOnce;

    public ChatClient(String host, int port, Listener listener, Options options) {
        this.endpoint = new Endpoint(host, port, options.connectTimeout(), options.tls(), options.transport(), options.trust());
        this.listener = listener;
        this.options = options;
        this.link = new Link(listener, this::wakeAll);
        this.outbox = new Outbox(new Outbox.Carrier() {
            @Override
            public String tokenFor(String user) {
                String u = username;
                String t = token;
                return u != null && t != null && u.equalsIgnoreCase(user) ? t : null;
            }

            @Override
            public String user() {
                return username;
            }

            @Override
            public Response attempt(Request request) throws IOException {
                try {
                    Response r = commands().call(request);
                    link.up();
                    return r;
                } catch (IOException e) { // IncompatibleServerException too
                    dropCommands();
                    throw e;
                }
            }

            @Override
            public void unreachable(String why) {
                link.down(why);
            }

            @Override
            public void sessionEnded(String t) {
                expired(t, true);
            }
        }, options.backoff());
    }

    /**
     * The server no longer knows the session behind {@code t}: unless another has begun meanwhile, it
     * ends here too, remembering whose it was; the listener is told when {@code tell}.
     */
    private void expired(String t, boolean tell) {
        state.lock();
        try {
            if (t == null || !t.equals(token)) {
                return; // already ended, or a new login since
            }
            expiredUser = username;
            endSession(false);
        } finally {
            state.unlock();
        }
        outbox.sessionChanged();
        if (tell) {
            listener.sessionExpired();
        }
    }

    public Endpoint endpoint() {
        return endpoint;
    }

    /**
     * Tries to reach the server now rather than at the end of the backoff under way: the poller reconnects
     * and queued messages go. For a person who knows the network is back ("Enter or /retry to try now").
     */
    public void retryNow() {
        wakeAll();
    }

    /** Ends every backoff wait: a sign the server is back (a request got through), or the person asked. */
    private void wakeAll() {
        Poller p = poller;
        if (p != null) {
            p.wake();
        }
        Outbox o = outbox;
        if (o != null) {
            o.sessionChanged(); // cuts its pause short
        }
    }

    /**
     * Checks that the server is there and speaks wirechat as configured (TLS included) with SERVER_INFO, and
     * learns its limits: a front end calls this before asking for a password, so an unreachable server or a
     * TLS mismatch is told at once. A server from before SERVER_INFO passes.
     *
     * @throws ChatException saying plainly why the server cannot be used
     */
    public void checkServer() throws ChatException {
        Response r = call(new Request.ServerInfo(), true);
        if (r instanceof Response.ServerInfo info) {
            learn(info);
        } else if (r instanceof Response.Error e && e.code() != ErrorCode.UNKNOWN_OPCODE) {
            throw ChatException.of(e);
        }
    }

    /** The device this client logs in as ({@link Options#device()}), or {@code null} for the account's default device. */
    public String device() {
        return options.device();
    }

    /** The logged-in user, or {@code null}. */
    public String username() {
        return username;
    }

    public boolean loggedIn() {
        return token != null;
    }

    public void register(String user, String fullName, String password) throws ChatException {
        check(() -> {
            Limits.checkUsername(user);
            Limits.checkFullName(fullName);
            Limits.checkPassword(password);
        });
        // not repeated on a lost connection: a repeat of a create that did happen would say "taken"
        expect(call(new Request.CreateAccount(user, fullName, password), false), Response.AccountCreated.class);
    }

    /** Logs in (replacing any current session) and starts the poller; returns the number of unread messages. */
    public long login(String user, String password) throws ChatException {
        check(() -> {
            Limits.checkUsername(user);
            Limits.checkPassword(password);
        });
        Response.LoggedIn in = loginAs(user, password);
        CompletableFuture<Void> learned = new CompletableFuture<>();
        state.lock();
        try {
            endSession(true);
            token = in.token();
            username = user;
            expiredUser = null;
            lastShown.set(0);
            listener.loggedIn(user, in.unread());
            poller = newPoller(in.token(), learned); // it waits for the server's features before its first long poll
            poller.start();
        } finally {
            state.unlock();
        }
        outbox.sessionChanged(); // messages queued by this user before their session expired go now
        try {
            learnLimits();
        } finally {
            learned.complete(null);
        }
        return in.unread();
    }

    /** How many messages this device missed for good at its last login (away past the server's device horizon). */
    public long missed() {
        return missed;
    }

    private volatile long missed;

    /**
     * LOGIN_DEVICE as this installation's device, when it has one; a server from before devices answers
     * {@code UNKNOWN_OPCODE}, and then LOGIN.
     */
    private Response.LoggedIn loginAs(String user, String password) throws ChatException {
        missed = 0;
        if (options.device() != null) {
            Response r = call(new Request.LoginDevice(user, password, options.device()), true);
            if (r instanceof Response.DeviceLoggedIn d) {
                missed = d.missed();
                return new Response.LoggedIn(d.token(), d.expiresAtMillis(), d.unread());
            }
            if (!(r instanceof Response.Error e && e.code() == ErrorCode.UNKNOWN_OPCODE)) {
                expect(r, Response.DeviceLoggedIn.class); // throws the refusal
            }
        }
        return expect(call(new Request.Login(user, password), true), Response.LoggedIn.class);
    }

    /** Logs out; messages still queued are given up (a front end asks first). */
    public void logout() throws ChatException {
        String gone = expiredUser;
        if (token == null && gone != null) { // the server ended the session already: only forget it here
            expiredUser = null;
            outbox.giveUp(gone, gone + " logged out");
            return;
        }
        String t = requireToken();
        String me = username;
        state.lock();
        try {
            endSession(true);
        } finally {
            state.unlock();
        }
        outbox.giveUp(me, me + " logged out");
        Response r = call(new Request.Logout(t), true);
        if (r instanceof Response.Error e && e.code() != ErrorCode.NOT_AUTHENTICATED) {
            throw ChatException.of(e);
        }
    }

    public Response.Accounts list(PatternMode mode, String pattern, String cursor, int limit) throws ChatException {
        return expect(call(new Request.ListAccounts(requireToken(), mode, pattern, cursor, limit), true), Response.Accounts.class);
    }

    /**
     * Queues a message for the server and returns at once: the outbox sends it when its turn comes and
     * keeps trying (with the same client message id) while the server is unreachable; its
     * {@link Outgoing#result()} tells when it is stored. The input is checked here first with the server's
     * own rules, and a message that breaks them is refused at once.
     */
    public Outgoing send(String to, String body) throws ChatException {
        int limit = maxMessageChars;
        check(() -> {
            Limits.checkRecipient(to);
            Limits.checkBody(body, limit);
        });
        String me = username;
        if (me == null) {
            throw new ChatException(ErrorCode.NOT_AUTHENTICATED, "not logged in — log in first");
        }
        Outgoing queued = outbox.add(new Outgoing(UUID.randomUUID().toString(), me, to, body));
        synchronized (drafting) {
            drafting.toldAt = 0; // the message ends the indication on the receivers' screens: the next draft tells again
        }
        return queued;
    }

    /** What this client last told about its person's draft: where, and when ({@code System.currentTimeMillis()}; 0: not typing). */
    private static final class Drafting {
        String toldIn;
        long toldAt;
    }

    private final Drafting drafting = new Drafting();
    /** A typing indication is repeated this often while the person types (the server lets one last 6 s). */
    public static final long TYPING_REPEAT_MILLIS = 3_000;

    /**
     * The person's draft for {@code conversation} changed: tells its people that they type (again every 3 s while they
     * do), or that they stopped once the draft is empty — the front ends' one rule for it. A hint: nothing when the
     * server has no {@code events}, and a failure to tell is not reported. Blocks for the call: call it off a UI thread.
     */
    public void draftChanged(String conversation, String draft) {
        boolean typing = !draft.isEmpty();
        long now = System.currentTimeMillis();
        synchronized (drafting) {
            boolean same = conversation.equalsIgnoreCase(drafting.toldIn == null ? "" : drafting.toldIn);
            boolean tell = typing ? !same || drafting.toldAt == 0 || now - drafting.toldAt >= TYPING_REPEAT_MILLIS
                    : same && drafting.toldAt != 0;
            if (!tell || !events || token == null) {
                return;
            }
            drafting.toldAt = typing ? now : 0;
            drafting.toldIn = conversation;
        }
        try {
            typing(conversation, typing);
        } catch (ChatException e) {
            // a hint: the person is not bothered with it
        }
    }

    /** Messages queued and not yet stored by the server (or refused). */
    public int unsent() {
        return outbox.unsent();
    }

    /** Waits until every queued message has been stored or refused, at most {@code within}; true if none is left. */
    public boolean awaitSent(Duration within) throws InterruptedException {
        return outbox.awaitEmpty(within);
    }

    /** True unless the last attempt to reach the server failed (and none has succeeded since). */
    public boolean connected() {
        return link.isUp();
    }

    /**
     * The user whose session the server ended (expired or revoked) while they were logged in here, until
     * someone logs in or out: a front end asks for that user's password to carry on.
     */
    public String expiredUser() {
        return expiredUser;
    }

    /** The conversation with a person, or a group's ({@code #name}: its members only). */
    public Response.Conversation history(String peer, long beforeId, int limit) throws ChatException {
        check(() -> Limits.checkRecipient(peer));
        return expect(call(new Request.History(requireToken(), peer, beforeId, limit), true), Response.Conversation.class);
    }

    /**
     * This user's messages whose words match {@code query} (direct ones, and groups' from while this user was a
     * member), newest first: up to {@code limit} with id below {@code beforeId} (0: the newest). A server from
     * before SEARCH_MESSAGES answers {@code UNKNOWN_OPCODE}.
     */
    public Response.SearchResults searchMessages(String query, long beforeId, int limit) throws ChatException {
        check(() -> Limits.checkSearchQuery(query));
        return expect(call(new Request.SearchMessages(requireToken(), query, beforeId, limit), true), Response.SearchResults.class);
    }

    /**
     * Receipts from {@code peer}: whether both share them and, if so, the oldest message of this user's
     * still waiting for the peer (0: every one has been acknowledged). A server from before receipts
     * answers {@code UNKNOWN_OPCODE} (a {@link ChatException} with that code).
     */
    public Response.Receipts receipts(String peer) throws ChatException {
        check(() -> Limits.checkUsername(peer));
        return expect(call(new Request.Receipts(requireToken(), peer), true), Response.Receipts.class);
    }

    /** Creates the group {@code #name}; this user is its owner. Returns its name as spelled. */
    public String createGroup(String group) throws ChatException {
        check(() -> Limits.checkGroupName(group));
        return expect(call(new Request.GroupCreate(requireToken(), group), true), Response.GroupCreated.class).group();
    }

    /** Adds {@code user} to the group (any member may); returns the username as the account spells it. */
    public String addToGroup(String group, String user) throws ChatException {
        check(() -> {
            Limits.checkGroupName(group);
            Limits.checkUsername(user);
        });
        return expect(call(new Request.GroupAdd(requireToken(), group, user), true), Response.MemberAdded.class).username();
    }

    /** Removes {@code user} from the group (its owner only; oneself: leaving). */
    public void removeFromGroup(String group, String user) throws ChatException {
        check(() -> {
            Limits.checkGroupName(group);
            Limits.checkUsername(user);
        });
        expect(call(new Request.GroupRemove(requireToken(), group, user), true), Response.MemberRemoved.class);
    }

    public void leaveGroup(String group) throws ChatException {
        check(() -> Limits.checkGroupName(group));
        expect(call(new Request.GroupLeave(requireToken(), group), true), Response.GroupLeft.class);
    }

    /** Renames the group (its owner only); returns the new name as spelled. */
    public String renameGroup(String group, String newName) throws ChatException {
        check(() -> {
            Limits.checkGroupName(group);
            Limits.checkGroupName(newName);
        });
        return expect(call(new Request.GroupRename(requireToken(), group, newName), true), Response.GroupRenamed.class).group();
    }

    /** This user's groups, by name. */
    public List<Response.Group> groups() throws ChatException {
        return expect(call(new Request.GroupList(requireToken()), true), Response.Groups.class).groups();
    }

    /** This account's devices: this one first, then the most recently seen; each with whether it holds the account's messages. */
    public List<Response.Device> devices() throws ChatException {
        return expect(call(new Request.ListDevices(requireToken()), true), Response.Devices.class).devices();
    }

    /** How many of the members one of this user's group messages reached have it (among those sharing receipts). */
    public Response.GroupReceipts groupReceipts(String group, long messageId) throws ChatException {
        check(() -> Limits.checkGroupName(group));
        return expect(call(new Request.GroupReceipts(requireToken(), group, messageId), true), Response.GroupReceipts.class);
    }

    /** A group's members, its owner first. */
    public Response.Members members(String group) throws ChatException {
        check(() -> Limits.checkGroupName(group));
        return expect(call(new Request.GroupMembers(requireToken(), group), true), Response.Members.class);
    }

    /** Turns this user's delivery receipts on or off (both ways: with them off, none are seen either). */
    public boolean setReceipts(boolean on) throws ChatException {
        return expect(call(new Request.SetReceipts(requireToken(), on), true), Response.ReceiptsSet.class).on();
    }

    /**
     * Changes this user's password ({@code current} checked again by the server); every other session of the
     * account ends — other devices and clients must log in again, this one stays. Not repeated on a lost
     * connection: whether it took effect is then unknown (the new password logs in if it did).
     */
    public void changePassword(String current, String newPassword) throws ChatException {
        check(() -> {
            Limits.checkPassword(current);
            Limits.checkPassword(newPassword);
        });
        expect(call(new Request.ChangePassword(requireToken(), current, newPassword), false), Response.PasswordChanged.class);
    }

    /**
     * Tells the other people of {@code conversation} (a username or {@code #group}) that this user is typing or
     * stopped (TYPING). A hint: sent once, never repeated on a lost connection, and nothing at all when the server
     * has no {@code events}. A front end repeats it every 3 s while the person types.
     */
    public void typing(String conversation, boolean typing) throws ChatException {
        if (!events) {
            return;
        }
        check(() -> Limits.checkRecipient(conversation));
        expect(call(new Request.Typing(requireToken(), conversation, typing), false), Response.TypingSent.class);
    }

    /** Changes this user's full name (what LIST_ACCOUNTS shows); returns it as the server now has it. */
    public String setFullName(String fullName) throws ChatException {
        check(() -> Limits.checkFullName(fullName));
        return expect(call(new Request.SetFullName(requireToken(), fullName), true), Response.FullNameSet.class).fullName();
    }

    /**
     * Hands every message waiting on the server to the listener now (acknowledging them), then
     * resumes polling.
     */
    public void drain() throws ChatException {
        state.lock();
        try {
            String t = requireToken();
            stopPoller(false);
            drainWith(t);
            poller = newPoller(t);
            poller.start();
        } finally {
            state.unlock();
        }
    }

    private Poller newPoller(String t) {
        return newPoller(t, CompletableFuture.completedFuture(null));
    }

    /** {@code learned}: done once the server's features are known (the poller SYNCs when they list {@code events}). */
    private Poller newPoller(String t, Future<?> learned) {
        // on a thread of its own: ending the session stops (joins) the poller, and a login may be waiting for it under the state lock
        return new Poller(endpoint, t, lastShown, listener, link, options, () -> events, learned,
                () -> Thread.ofVirtual().name("session-expired").start(() -> expired(t, true)));
    }

    private void drainWith(String t) throws ChatException {
        while (true) {
            List<Response.Message> batch = expect(call(new Request.Fetch(t, lastShown.get(), Poller.BATCH, 0), true),
                    Response.Messages.class).messages();
            long seen = lastShown.get();
            List<Response.Message> fresh = batch.stream().filter(m -> m.id() > seen).toList();
            if (fresh.isEmpty()) {
                return; // this fetch carried the acknowledgement of everything shown
            }
            listener.messages(fresh);
            lastShown.set(fresh.get(fresh.size() - 1).id());
        }
    }

    /**
     * Deletes the account: first every undelivered message is handed to the listener, since the server
     * refuses to delete an account with mail waiting; then the account is deleted and the session ends.
     * Messages still in the outbox are sent first; if they cannot be within the retry time, nothing is
     * deleted.
     */
    public void deleteAccount(String password) throws ChatException {
        check(() -> Limits.checkPassword(password));
        requireToken();
        try {
            if (!outbox.awaitEmpty(options.retryFor())) {
                throw new ChatException(null, outbox.unsent() + " of your messages are still waiting to be sent"
                        + " — nothing deleted; try again once they are");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw ChatException.unreachable("interrupted — nothing deleted");
        }
        state.lock();
        try {
            String t = requireToken();
            stopPoller(false);
            for (int attempt = 0; ; attempt++) {
                drainWith(t);
                Response r = call(new Request.DeleteAccount(t, password), false);
                if (r instanceof Response.Error e && e.code() == ErrorCode.INBOX_NOT_EMPTY && attempt < 5) {
                    continue; // a message arrived meanwhile: receive it too
                }
                if (r instanceof Response.Error e) {
                    if (loggedIn()) {
                        poller = newPoller(t);
                        poller.start();
                    }
                    throw ChatException.of(e);
                }
                expect(r, Response.AccountDeleted.class);
                token = null;
                username = null;
                return;
            }
        } finally {
            state.unlock();
        }
    }

    /**
     * Tries the server now instead of waiting out the backoff (a person's "Retry now"): one PING; if the
     * server answers after being unreachable, the inbox poller starts over at once and queued messages are
     * tried again. True if the server answered. Unlike {@link #retryNow()} it waits for the server's answer.
     */
    public boolean tryServerNow() {
        boolean wasDown = !link.isUp();
        try {
            ping();
        } catch (ChatException e) {
            return false;
        }
        if (wasDown) {
            state.lock();
            try {
                String t = token;
                if (poller != null && t != null) {
                    stopPoller(false);
                    poller = newPoller(t);
                    poller.start();
                }
            } finally {
                state.unlock();
            }
            outbox.sessionChanged();
        }
        return true;
    }

    /**
     * Asks the server for its versions and limits (SERVER_INFO), before any login: a server that cannot be
     * reached, or that speaks TLS where plain TCP was chosen (or the reverse), is found before a password is
     * sent. A server from before SERVER_INFO answers {@code UNKNOWN_OPCODE} (a {@link ChatException} with that code).
     */
    public Response.ServerInfo serverInfo() throws ChatException {
        return expect(call(new Request.ServerInfo(), true), Response.ServerInfo.class);
    }

    /** Checks the server is there. */
    public long ping() throws ChatException {
        return expect(call(new Request.Ping(), true), Response.Pong.class).serverTimeMillis();
    }

    private interface Check {
        void run() throws ProtocolException;
    }

    private static void check(Check check) throws ChatException {
        try {
            check.run();
        } catch (ProtocolException e) {
            throw ChatException.of(e);
        }
    }

    private String requireToken() throws ChatException {
        String t = token;
        if (t == null) {
            throw new ChatException(ErrorCode.NOT_AUTHENTICATED, "not logged in — log in first");
        }
        return t;
    }

    private <T extends Response> T expect(Response r, Class<T> type) throws ChatException {
        if (r instanceof Response.Error e) {
            if (e.code() == ErrorCode.NOT_AUTHENTICATED) {
                expired(token, false); // the error itself tells the caller
            }
            throw ChatException.of(e);
        }
        if (!type.isInstance(r)) {
            throw new ChatException(ErrorCode.INTERNAL_ERROR, "the server answered with " + r.getClass().getSimpleName()
                    + " instead of " + type.getSimpleName());
        }
        return type.cast(r);
    }

    /** Stops the poller and forgets the session (state lock held). */
    private void endSession(boolean acknowledge) {
        stopPoller(acknowledge);
        token = null;
        username = null;
    }

    /** Stops the poller; with {@code acknowledge}, tells the server what was shown so it is not shown again. */
    private void stopPoller(boolean acknowledge) {
        Poller p = poller;
        poller = null;
        if (p == null) {
            return;
        }
        p.stop();
        String t = token;
        if (acknowledge && t != null && lastShown.get() > 0) {
            try {
                call(new Request.Fetch(t, lastShown.get(), 1, 0), false); // the answer is not shown, so not acknowledged
            } catch (ChatException e) {
                // unreachable: those messages will be shown again next time, never lost
            }
        }
    }

    /**
     * One request over the command connection, re-made if lost. A request that is safe to repeat is
     * retried for {@link Options#retryFor} after a connection that was working breaks; when the server was
     * already known to be unreachable, one attempt is made and its failure told at once, so a person is
     * not kept waiting (messages wait in the outbox instead).
     */
    private Response call(Request request, boolean repeatable) throws ChatException {
        long deadline = System.nanoTime() + options.retryFor().toNanos();
        boolean knownDown = !link.isUp();
        for (int attempt = 0; ; attempt++) {
            try {
                Response r = commands().call(request);
                link.up();
                return r;
            } catch (IncompatibleServerException e) {
                dropCommands();
                throw ChatException.unreachable("cannot talk to the server at " + endpoint + ": " + e.getMessage());
            } catch (IOException e) {
                dropCommands();
                if (closed) {
                    throw ChatException.unreachable("cancelled");
                }
                if (!connectedOnce) { // never reached: say why now, in words, rather than retry as for a lost one
                    throw ChatException.unreachable(Connection.whyNotConnected(endpoint.host(), endpoint.port(), e));
                }
                link.down(e.getMessage());
                if (!repeatable) {
                    throw ChatException.unreachable("lost the connection to " + endpoint + " (" + e.getMessage()
                            + ") — the request may or may not have taken effect");
                }
                if (knownDown) {
                    throw ChatException.unreachable("not connected to the server at " + endpoint + " (" + e.getMessage()
                            + ") — reconnecting; try again when it is back");
                }
                if (System.nanoTime() > deadline) {
                    throw ChatException.unreachable("cannot reach the server at " + endpoint + " (" + e.getMessage() + ")");
                }
                try {
                    Thread.sleep(options.backoff().delayMillis(attempt));
                } catch (InterruptedException x) {
                    Thread.currentThread().interrupt();
                    throw ChatException.unreachable("interrupted while reconnecting to " + endpoint);
                }
            }
        }
    }

    private ServerConnection commands() throws IOException {
        ServerConnection c = commands;
        if (c != null && c.serverSaidGoodbye()) {
            dropCommands(); // closed by the server while idle (a restart, an idle timeout): a fresh one, no "lost"
            c = null;
        }
        if (c == null || c.isClosed()) {
            c = endpoint.connect();
            commands = c;
            connectedOnce = true;
        }
        return c;
    }

    private void dropCommands() {
        ServerConnection c = commands;
        commands = null;
        if (c != null) {
            c.close();
        }
    }

    /** Stops polling (acknowledging what was shown) and closes the connections; the session stays valid on the server. */
    @Override
    public void close() {
        closed = true;
        outbox.stop();
        state.lock();
        try {
            stopPoller(true);
            token = null;
            username = null;
        } finally {
            state.unlock();
        }
        dropCommands(); // ends an attempt of the outbox's under way
        outbox.close();
    }
}
