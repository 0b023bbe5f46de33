package org.wirechat.server;

import java.time.Clock;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.LongFunction;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.wirechat.protocol.ErrorCode;
import org.wirechat.protocol.Frame;
import org.wirechat.protocol.Limits;
import org.wirechat.protocol.ProtocolException;
import org.wirechat.protocol.Request;
import org.wirechat.protocol.Response;
import org.wirechat.server.abuse.AddressLimits;
import org.wirechat.server.abuse.GroupMessageRate;
import org.wirechat.server.abuse.LoginThrottle;
import org.wirechat.server.account.AccountMatcher;
import org.wirechat.server.auth.PasswordHasher;
import org.wirechat.server.auth.Tokens;
import org.wirechat.server.inbox.InboxWaiters;
import org.wirechat.server.storage.StoredMessage;
import org.wirechat.server.storage.Account;
import org.wirechat.server.storage.DeleteOutcome;
import org.wirechat.server.storage.GroupChange;
import org.wirechat.server.storage.GroupInfo;
import org.wirechat.server.storage.GroupOutcome;
import org.wirechat.server.storage.SendOutcome;
import org.wirechat.server.storage.StorageUnavailableException;
import org.wirechat.server.storage.Store;

/**
 * The chat core: turns a request into a response over the stores, for any transport. No sockets, no
 * frames, no byte budgets, and no threads of its own: a FETCH that waits for mail blocks the calling
 * (virtual) thread; a response holds everything asked for (each transport fits it to what it can carry:
 * {@link ResponseFit}). Client errors come back as {@link Response.Error}; a {@link RuntimeException}
 * means a server fault.
 */
public final class Dispatcher {
    private static final Logger log = LoggerFactory.getLogger(Dispatcher.class);

    /** What the dispatcher may tell the connection a request came in on. */
    public interface Caller {
        /** The request was made with a valid token of this account. */
        void authenticatedAs(long accountId);

        /** The connection's token was revoked by LOGOUT. */
        void loggedOut();

        /** The client's IP address, for per-address limits. */
        String address();

        /** The connection's memory of its token (see {@link Tokens.Memo}). */
        Tokens.Memo tokenMemo();
    }

    private final ServerConfig config;
    private final Store store;
    private final PasswordHasher hasher;
    private final Tokens tokens;
    private final InboxWaiters waiters;
    private final Presence presence;
    private final LoginThrottle throttle;
    private final AddressLimits addresses;
    private final Clock clock;
    /** Which login polls each device now (DEVICE_IN_USE for the others). */
    private final DeviceHolders holders = new DeviceHolders();
    /** Messages per second one account may send to one group (config.groups()). */
    private final GroupMessageRate groupRate;

    public Dispatcher(ServerConfig config, Store store, PasswordHasher hasher, Tokens tokens, InboxWaiters waiters,
            Presence presence, LoginThrottle throttle, AddressLimits addresses, Clock clock) {
        this.config = config;
        this.store = store;
        this.hasher = hasher;
        this.tokens = tokens;
        this.waiters = waiters;
        this.presence = presence;
        this.throttle = throttle;
        this.addresses = addresses;
        this.clock = clock;
        this.groupRate = new GroupMessageRate(config.groups().messagesPerSecond(),
                config.groups().messageBurst());
    }

    /**
     * The one entry point for a transport: the request's result, once it has one. A SEND's future
     * completes when the message is durable (SENDs submitted one after another are stored in that order);
     * every other request is answered before this returns — a FETCH that waits for mail blocks the calling
     * (virtual) thread while it waits — and its future is already complete.
     *
     * @throws InterruptedException the calling thread was interrupted while a FETCH waited
     */
    public CompletableFuture<Response> submit(Request request, Caller caller) throws InterruptedException {
        if (request instanceof Request.Send s) {
            return sendLater(s, caller);
        }
        return CompletableFuture.completedFuture(handle(request, caller));
    }

    /** A request answered on the calling thread (a SEND waits for its durability here). */
    Response handle(Request request, Caller caller) throws InterruptedException {
        try {
            return switch (request) {
                case Request.Ping p -> new Response.Pong(clock.millis());
                case Request.ServerInfo i -> serverInfo();
                case Request.CreateAccount c -> create(c, caller);
                case Request.Login l -> login(l, caller);
                case Request.LoginDevice l -> loginDevice(l, caller);
                case Request.Logout l -> logout(l, caller);
                case Request.ListAccounts l -> list(l, caller);
                case Request.Send s -> send(s, caller);
                case Request.Fetch f -> fetch(f, caller);
                case Request.History h -> history(h, caller);
                case Request.DeleteAccount d -> delete(d, caller);
                case Request.Receipts r -> receipts(r, caller);
                case Request.SetReceipts r -> setReceipts(r, caller);
                case Request.GroupCreate g -> changeGroup(g.token(), caller,
                        me -> new GroupChange.Create(me, g.group(), config.groups().groupsPerUser()));
                case Request.GroupAdd g -> changeGroup(g.token(), caller, me -> new GroupChange.Add(me, g.group(), g.username(),
                        config.groups().membersPerGroup(), config.groups().groupsPerUser()));
                case Request.GroupRemove g -> changeGroup(g.token(), caller, me -> new GroupChange.Remove(me, g.group(), g.username()));
                case Request.GroupLeave g -> changeGroup(g.token(), caller, me -> new GroupChange.Leave(me, g.group()));
                case Request.GroupRename g -> changeGroup(g.token(), caller, me -> new GroupChange.Rename(me, g.group(), g.newName()));
                case Request.GroupList g -> groupList(g, caller);
                case Request.GroupMembers g -> groupMembers(g, caller);
                case Request.GroupReceipts g -> groupReceipts(g, caller);
                case Request.ListDevices d -> listDevices(d, caller);
            };
        } catch (ProtocolException e) {
            return new Response.Error(e.code(), e.detail(), e.details());
        } catch (StorageUnavailableException e) {
            return unavailable(e);
        }
    }

    /** Nothing of the request was stored, because the storage cannot take writes now: the client may retry. */
    private static Response.Error unavailable(StorageUnavailableException e) {
        long millis = e.retryAfter().toMillis();
        return new Response.Error(ErrorCode.STORAGE_UNAVAILABLE, "the server cannot store anything right now; nothing was stored"
                + " — try again in " + Math.max(1, (millis + 999) / 1000) + " s", List.of(String.valueOf(millis)));
    }

    /** The versions, limits and optional features of this server (SERVER_INFO), so clients need not guess them. */
    private Response.ServerInfo serverInfo() {
        List<String> features = new ArrayList<>();
        if (config.tls() != null) {
            features.add("tls");
        }
        if (store.shared()) {
            features.add("shared-store"); // several servers may serve the same accounts
        }
        if (!config.retention().isZero()) {
            features.add("retention"); // delivered messages leave history after a while
        }
        features.add("receipts"); // RECEIPTS and SET_RECEIPTS
        features.add("devices"); // LOGIN_DEVICE and LIST_DEVICES
        features.add("groups"); // GROUP_* (GROUP_RECEIPTS too) and SEND/HISTORY to #names
        return new Response.ServerInfo(List.of(Frame.VERSION_1), config.maxFrameBytes(), config.maxMessageChars(),
                config.maxFetchWait().toMillis(), features);
    }

    private long authenticate(String token, Caller caller) throws ProtocolException {
        return session(token, caller).accountId();
    }

    /** The token's account and device; the caller is that account's from now on. */
    private Tokens.Session session(String token, Caller caller) throws ProtocolException {
        Optional<Tokens.Session> s = tokens.session(token, caller.tokenMemo());
        if (s.isEmpty()) {
            throw new ProtocolException(ErrorCode.NOT_AUTHENTICATED, "not logged in, or the session expired: log in again");
        }
        caller.authenticatedAs(s.get().accountId());
        return s.get();
    }

    private Account existing(String username, String action) throws ProtocolException {
        return store.findAccount(username).orElseThrow(() ->
                new ProtocolException(ErrorCode.NO_SUCH_USER, "no such user: " + username + action));
    }

    private Response create(Request.CreateAccount c, Caller caller) throws ProtocolException {
        long wait = addresses.creationWaitMillis(caller.address(), clock.millis() * 1_000_000);
        if (wait > 0) {
            Audit.creationRefused(caller.address(), wait);
            throw rateLimited("too many accounts created from your address (at most "
                    + config.abuse().accountsPerAddressPerHour() + " an hour)", wait);
        }
        if (store.findAccount(c.username()).isPresent()) { // fail fast, before the slow hash
            throw taken(c.username());
        }
        String hash = hasher.hash(c.password());
        Account account = store.createAccount(c.username(), c.fullName(), hash, clock.millis())
                .orElseThrow(() -> taken(c.username()));
        Audit.accountCreated(account.username(), caller.address());
        return new Response.AccountCreated(account.username());
    }

    private static ProtocolException taken(String username) {
        return new ProtocolException(ErrorCode.USERNAME_TAKEN, "username taken: " + username + " (names are unique ignoring case)");
    }

    private static ProtocolException rateLimited(String why, long waitMillis) {
        return new ProtocolException(ErrorCode.RATE_LIMITED, why + " — try again in " + Math.max(1, (waitMillis + 999) / 1000)
                + " s", List.of(String.valueOf(waitMillis)));
    }

    /**
     * Begins a password check for the account ({@code accountId} 0: the name has none), counted as a failed
     * login until it succeeds; refused, before any password is checked, while the name, the address or the
     * two together are throttled, or when the name had its password checks for this minute.
     */
    private LoginThrottle.Wait beginPasswordCheck(String username, long accountId, Caller caller) throws ProtocolException {
        LoginThrottle.Wait wait = throttle.begin(username, accountId, caller.address(), clock.millis());
        if (wait.refused()) {
            Audit.throttled(username, caller.address(), wait.millis(), wait.checksPerMinute() ? "checks per minute" : "failed logins");
            throw rateLimited(wait.checksPerMinute()
                    ? "too many logins for this account this minute (at most " + config.abuse().loginsPerAccountPerMinute()
                            + " password checks a minute, right or wrong)"
                    : "too many failed logins for this account or from your address", wait.millis());
        }
        return wait;
    }

    private Response login(Request.Login l, Caller caller) throws ProtocolException {
        Account account = checkPassword(l.username(), l.password(), caller);
        Tokens.Issued issued = tokens.issue(account.id());
        caller.authenticatedAs(account.id()); // online from the login on, not from the next request
        Response answer = new Response.LoggedIn(issued.token(), issued.expiresAtMillis(), store.unread(account.id(), ""));
        loggedIn(account, l.password(), issued, caller);
        return answer;
    }

    /**
     * A device's login: its token is bound to the device, which receives every message of the account
     * through its own mark. What it missed for good while away past the device horizon is counted first;
     * then it is active, and starts at the account's floor.
     */
    private Response loginDevice(Request.LoginDevice l, Caller caller) throws ProtocolException {
        Account account = checkPassword(l.username(), l.password(), caller);
        Tokens.Issued issued = tokens.issue(account.id(), l.deviceId());
        caller.authenticatedAs(account.id());
        long missed = store.missed(account.id(), l.deviceId());
        store.seen(account.id(), l.deviceId(), clock.millis());
        store.register(account.id(), l.deviceId(), clock.millis());
        holders.loggedIn(account.id(), l.deviceId(), issued.token());
        waiters.wake(account.id()); // a FETCH waiting with the device's older login is answered DEVICE_IN_USE
        Response answer = new Response.DeviceLoggedIn(issued.token(), issued.expiresAtMillis(),
                store.unread(account.id(), l.deviceId()), missed);
        loggedIn(account, l.password(), issued, caller);
        return answer;
    }

    /** Once the login is answered: the audit trail, and a hash made with too few iterations re-made. */
    private void loggedIn(Account account, String password, Tokens.Issued issued, Caller caller) {
        Audit.loginSucceeded(account.username(), caller.address(), issued.stored());
        if (hasher.needsRehash(account.passwordHash())) {
            try {
                store.updatePasswordHash(account.id(), hasher.hash(password));
            } catch (StorageUnavailableException e) {
                log.debug("password hash not re-made: {}", e.getMessage()); // again at the next login
            }
        }
    }

    /**
     * The account, if the password is right and it may log in (LOGIN and LOGIN_DEVICE alike). The audit
     * trail records a failure here; a success is recorded once the login is answered.
     */
    private Account checkPassword(String username, String password, Caller caller) throws ProtocolException {
        Optional<Account> found = store.findAccount(username);
        LoginThrottle.Wait begun = beginPasswordCheck(username, found.map(Account::id).orElse(0L), caller);
        if (found.isEmpty()) {
            hasher.verifyNothing(password); // the same cost as a wrong password: no enumeration by timing
            Audit.loginFailed(username, caller.address(), "no such account");
            throw badCredentials(); // stays counted as a failure
        }
        Account account = found.get();
        if (!hasher.verify(password, account.passwordHash())) {
            Audit.loginFailed(account.username(), caller.address(), "wrong password");
            throw badCredentials();
        }
        throttle.succeeded(username, account.id(), caller.address(), begun, clock.millis());
        if (store.isDisabled(account.id())) { // told only to whoever knows the password
            Audit.loginFailed(account.username(), caller.address(), "account disabled");
            throw new ProtocolException(ErrorCode.ACCOUNT_DISABLED, "this account is disabled by the server's administrator");
        }
        return account;
    }

    private static ProtocolException badCredentials() {
        return new ProtocolException(ErrorCode.BAD_CREDENTIALS, "wrong username or password");
    }

    private Response logout(Request.Logout l, Caller caller) throws ProtocolException {
        long me = authenticate(l.token(), caller);
        tokens.revoke(l.token());
        caller.loggedOut();
        Audit.loggedOut(store.findAccount(me).map(Account::username).orElse("#" + me), caller.address());
        return new Response.LoggedOut();
    }

    private Response list(Request.ListAccounts l, Caller caller) throws ProtocolException {
        authenticate(l.token(), caller);
        Predicate<Account> filter = AccountMatcher.compile(l.mode(), l.pattern());
        List<Account> found = store.listAccounts(l.cursor(), l.limit() + 1, filter);
        boolean more = found.size() > l.limit();
        List<Account> page = more ? found.subList(0, l.limit()) : found;
        Set<Long> online = presence.online(page.stream().map(Account::id).toList());
        List<Response.Account> out = new ArrayList<>(page.size());
        for (Account a : page) {
            out.add(new Response.Account(a.username(), a.fullName(), online.contains(a.id())));
        }
        return new Response.Accounts(out, more ? page.get(page.size() - 1).username() : "");
    }

    private Response send(Request.Send s, Caller caller) throws ProtocolException {
        return sendLater(s, caller).join();
    }

    /**
     * A SEND whose answer comes once the message is durable: the checks run now, the storing is queued.
     * Sends from one connection are stored in the order they were queued.
     */
    CompletableFuture<Response> sendLater(Request.Send s, Caller caller) {
        long me;
        String device;
        try {
            Tokens.Session session = session(s.token(), caller);
            me = session.accountId();
            device = session.device();
            Limits.checkBody(s.body(), config.maxMessageChars());
            if (Limits.isGroupName(s.recipient())) {
                long wait = groupRate.waitMillis(me, s.recipient(), clock.millis() * 1_000_000);
                if (wait > 0) {
                    throw rateLimited("too many messages to " + s.recipient() + " (at most " + config.groups().messagesPerSecond()
                            + " a second)", wait);
                }
            }
        } catch (ProtocolException e) {
            return CompletableFuture.completedFuture(new Response.Error(e.code(), e.detail(), e.details()));
        }
        // the recipient's name is resolved by the store, in the write itself: no read on the way
        return store.sendLater(me, device, s.recipient(), s.clientMessageId(), s.body(), clock.millis(), config.inboxCapacity())
                .handle((outcome, failure) -> {
                    if (failure == null) {
                        return sent(s, me, outcome);
                    }
                    Throwable cause = failure instanceof CompletionException ? failure.getCause() : failure;
                    if (cause instanceof StorageUnavailableException u) {
                        return unavailable(u);
                    }
                    throw failure instanceof CompletionException c ? c
                            : new CompletionException(failure);
                });
    }

    private Response sent(Request.Send s, long me, SendOutcome outcome) {
        return switch (outcome) {
            case SendOutcome.Stored st -> {
                waiters.wake(st.recipientId());
                if (st.copied()) { // the sender's other devices have a copy
                    waiters.wake(me);
                }
                yield new Response.Sent(st.id(), st.timestampMillis());
            }
            case SendOutcome.GroupStored st -> {
                st.recipients().forEach(waiters::wake);
                if (st.copied()) {
                    waiters.wake(me);
                }
                yield new Response.Sent(st.id(), st.timestampMillis());
            }
            case SendOutcome.NotAMember n -> new Response.Error(ErrorCode.NOT_A_MEMBER,
                    "you are not a member of " + s.recipient() + " — message not sent");
            case SendOutcome.Duplicate d -> new Response.Sent(d.id(), d.timestampMillis());
            case SendOutcome.ClientIdReused r -> new Response.Error(ErrorCode.CLIENT_ID_REUSED,
                    "client message id " + s.clientMessageId() + " was already used for a different message");
            case SendOutcome.InboxFull f -> new Response.Error(ErrorCode.INBOX_FULL, f.recipient()
                    + "'s inbox is full (" + f.undelivered() + " undelivered messages) — message not sent");
            case SendOutcome.NoRecipient n -> Limits.isGroupName(s.recipient())
                    ? new Response.Error(ErrorCode.NO_SUCH_GROUP, "no such group: " + s.recipient() + " — message not sent")
                    : new Response.Error(ErrorCode.NO_SUCH_USER, "no such user: " + s.recipient() + " — message not sent");
        };
    }

    private Response fetch(Request.Fetch f, Caller caller) throws ProtocolException, InterruptedException {
        Tokens.Session me = session(f.token(), caller);
        holding(me, f.token());
        long now = clock.millis();
        store.seen(me.accountId(), me.device(), now);
        if (f.ackThrough() > 0) {
            store.acknowledgeLater(me.accountId(), me.device(), f.ackThrough(), now);
        }
        return new Response.Messages(wire(waitForMail(me, f.token(), f.ackThrough(), f.maxCount(), f.maxWaitMillis())));
    }

    /** The caller's account's devices: when each was last seen, whether it holds the account's messages, which is the caller's. */
    private Response listDevices(Request.ListDevices r, Caller caller) throws ProtocolException {
        Tokens.Session me = session(r.token(), caller);
        return DeviceListing.of(store.devices(me.accountId()), me.device(), clock.millis(), config.deviceHorizon());
    }

    /** Refuses a FETCH (or gRPC's Ack or Subscribe) by a login of a device that a newer login has taken over. */
    private void holding(Tokens.Session me, String token) throws ProtocolException {
        if (!holders.holds(me.accountId(), me.device(), token)) {
            throw new ProtocolException(ErrorCode.DEVICE_IN_USE, "device " + me.device()
                    + " is in use by a newer login (another client uses the same device id); nothing acknowledged"
                    + " — this client no longer receives messages as that device");
        }
    }

    /** The device's undelivered messages after {@code afterId}, waiting up to {@code waitMillis} (clamped) for one to come. */
    private List<StoredMessage> waitForMail(Tokens.Session me, String token, long afterId, int max, long waitMillis)
            throws InterruptedException, ProtocolException {
        long deadline = System.nanoTime() + Math.min(waitMillis, config.maxFetchWait().toMillis()) * 1_000_000;
        while (true) {
            // Register before reading: a message committed after the read finds the waiter, so no wake-up is lost.
            try (InboxWaiters.Waiter waiter = waiters.register(me.accountId())) {
                holding(me, token); // taken over while it waited: told, not left to miss what the newer login acknowledges
                List<StoredMessage> found = store.undelivered(me.accountId(), me.device(), afterId, max);
                if (!found.isEmpty() || deadline - System.nanoTime() <= 0 || waiters.isClosed()) {
                    return found;
                }
                waiter.awaitUntil(deadline);
            }
        }
    }

    /**
     * For a transport that pushes messages (gRPC's Subscribe): the undelivered messages after
     * {@code afterId}, at most {@code max}, waiting up to {@code waitMillis} for one; acknowledges nothing.
     * A {@link Response.Messages}, or a {@link Response.Error}.
     */
    public Response next(String token, long afterId, int max, long waitMillis, Caller caller) throws InterruptedException {
        try {
            Tokens.Session me = session(token, caller);
            holding(me, token);
            store.seen(me.accountId(), me.device(), clock.millis());
            return new Response.Messages(wire(waitForMail(me, token, afterId, max, waitMillis)));
        } catch (ProtocolException e) {
            return new Response.Error(e.code(), e.detail(), e.details());
        } catch (StorageUnavailableException e) {
            return unavailable(e);
        }
    }

    /**
     * Acknowledges the caller's messages through {@code throughId}, as FETCH does before it answers
     * (gRPC's Ack). {@code null} when done, else the error.
     */
    public Response.Error acknowledge(String token, long throughId, Caller caller) {
        try {
            Tokens.Session me = session(token, caller);
            holding(me, token);
            if (throughId > 0) {
                store.acknowledgeLater(me.accountId(), me.device(), throughId, clock.millis());
            }
            return null;
        } catch (ProtocolException e) {
            return new Response.Error(e.code(), e.detail(), e.details());
        }
    }

    /** Stored messages as the wire protocol carries them. */
    private static List<Response.Message> wire(List<StoredMessage> stored) {
        List<Response.Message> out = new ArrayList<>(stored.size());
        for (StoredMessage m : stored) {
            out.add(new Response.Message(m.id(), m.sender(), m.recipient(), m.timestampMillis(), m.body()));
        }
        return out;
    }

    private Response history(Request.History h, Caller caller) throws ProtocolException {
        long me = authenticate(h.token(), caller);
        List<StoredMessage> found;
        if (Limits.isGroupName(h.peer())) { // a group's whole history, for its members
            GroupInfo g = memberOf(h.peer(), me);
            found = store.groupHistory(g.id(), h.beforeId(), h.limit() + 1);
        } else {
            found = store.history(me, existing(h.peer(), "").id(), h.beforeId(), h.limit() + 1);
        }
        List<Response.Message> newestFirst = wire(found);
        boolean more = newestFirst.size() > h.limit();
        List<Response.Message> page = new ArrayList<>(newestFirst.subList(0, Math.min(h.limit(), newestFirst.size())));
        Collections.reverse(page);
        return new Response.Conversation(page, more && !page.isEmpty() ? page.get(0).id() : 0);
    }

    /**
     * Receipts are shared both ways or not at all: a caller who turned them off learns nothing of others,
     * as the messengers people know do it.
     */
    private Response receipts(Request.Receipts r, Caller caller) throws ProtocolException {
        long me = authenticate(r.token(), caller);
        Account peer = existing(r.peer(), "");
        if (!store.receiptsOn(me) || !store.receiptsOn(peer.id())) {
            return new Response.Receipts(false, 0);
        }
        return new Response.Receipts(true, store.oldestWaiting(peer.id(), me));
    }

    private Response setReceipts(Request.SetReceipts r, Caller caller) throws ProtocolException {
        long me = authenticate(r.token(), caller);
        if (!store.setReceipts(me, r.on())) {
            throw new ProtocolException(ErrorCode.NOT_AUTHENTICATED, "the account no longer exists");
        }
        return new Response.ReceiptsSet(r.on());
    }

    /** The live group, if the account is a member (NO_SUCH_GROUP, NOT_A_MEMBER otherwise). */
    private GroupInfo memberOf(String group, long accountId) throws ProtocolException {
        GroupInfo g = store.findGroup(group).orElseThrow(() -> noSuchGroup(group));
        if (!g.hasMember(accountId)) {
            throw new ProtocolException(ErrorCode.NOT_A_MEMBER, "you are not a member of " + g.name());
        }
        return g;
    }

    private static ProtocolException noSuchGroup(String group) {
        return new ProtocolException(ErrorCode.NO_SUCH_GROUP, "no such group: " + group);
    }

    /** A group change by the token's account, answered as its operation answers (docs/wire_design.md §5). */
    private Response changeGroup(String token, Caller caller, LongFunction<GroupChange> change)
            throws ProtocolException {
        long me = authenticate(token, caller);
        GroupChange c = change.apply(me);
        GroupOutcome outcome = store.changeGroup(c, clock.millis());
        return switch (outcome) {
            case GroupOutcome.Done done -> {
                if (c instanceof GroupChange.Add || c instanceof GroupChange.Remove || c instanceof GroupChange.Leave) {
                    Audit.groupChanged(c, done.username(), caller.address());
                }
                yield switch (c) {
                    case GroupChange.Create x -> new Response.GroupCreated(done.group().name());
                    case GroupChange.Add x -> new Response.MemberAdded(done.username());
                    case GroupChange.Remove x -> new Response.MemberRemoved();
                    case GroupChange.Leave x -> new Response.GroupLeft();
                    case GroupChange.Rename x -> new Response.GroupRenamed(done.group().name());
                };
            }
            case GroupOutcome.NoSuchGroup x -> throw noSuchGroup(c.group());
            case GroupOutcome.NoSuchUser x -> throw new ProtocolException(ErrorCode.NO_SUCH_USER, "no such user: " + x.username());
            case GroupOutcome.NotAMember x -> throw new ProtocolException(ErrorCode.NOT_A_MEMBER,
                    x.username() + " is not a member of " + c.group());
            case GroupOutcome.NotTheOwner x -> throw new ProtocolException(ErrorCode.NOT_THE_OWNER,
                    "only " + c.group() + "'s owner (" + x.owner() + ") may do that");
            case GroupOutcome.NameTaken x -> throw new ProtocolException(ErrorCode.GROUP_NAME_TAKEN, "group name taken: "
                    + (c instanceof GroupChange.Rename r ? r.newName() : c.group()) + " (names are unique ignoring case)");
            case GroupOutcome.GroupFull x -> throw new ProtocolException(ErrorCode.GROUP_FULL,
                    c.group() + " has the most members a group may have (" + x.max() + ")", List.of(String.valueOf(x.max())));
            case GroupOutcome.TooManyGroups x -> throw new ProtocolException(ErrorCode.TOO_MANY_GROUPS,
                    x.username() + " is in the most groups one may be in (" + x.max() + ")", List.of(String.valueOf(x.max())));
        };
    }

    private Response groupList(Request.GroupList g, Caller caller) throws ProtocolException {
        long me = authenticate(g.token(), caller);
        List<Response.Group> out = new ArrayList<>();
        for (GroupInfo group : store.groupsOf(me)) {
            out.add(new Response.Group(group.name(), group.ownerName(), group.members().size()));
        }
        return new Response.Groups(out);
    }

    /**
     * Receipts of one of the caller's group messages: how many of the members it reached (sharing receipts)
     * have it. Shared both ways or not at all, as for RECEIPTS: with the caller's off, nothing.
     */
    private Response groupReceipts(Request.GroupReceipts r, Caller caller) throws ProtocolException {
        long me = authenticate(r.token(), caller);
        GroupInfo g = memberOf(r.group(), me);
        long[] counts = store.groupReceipts(g.id(), me, r.messageId()).orElseThrow(() -> new ProtocolException(ErrorCode.INVALID_FIELD,
                "message " + r.messageId() + " is not one of yours in " + g.name()));
        if (!store.receiptsOn(me)) {
            return new Response.GroupReceipts(false, 0, 0);
        }
        return new Response.GroupReceipts(true, counts[0], counts[1]);
    }

    /** The owner first, then the others in the order they joined. */
    private Response groupMembers(Request.GroupMembers r, Caller caller) throws ProtocolException {
        long me = authenticate(r.token(), caller);
        GroupInfo g = memberOf(r.group(), me);
        Set<Long> online = presence.online(g.members().stream().map(GroupInfo.Member::accountId).toList());
        List<Response.Member> out = new ArrayList<>();
        for (GroupInfo.Member m : g.members()) {
            Response.Member member = new Response.Member(m.username(), online.contains(m.accountId()), m.accountId() == g.ownerId());
            if (member.owner()) {
                out.add(0, member);
            } else {
                out.add(member);
            }
        }
        return new Response.Members(g.name(), out);
    }

    private Response delete(Request.DeleteAccount d, Caller caller) throws ProtocolException {
        Tokens.Session session = session(d.token(), caller);
        long me = session.accountId();
        Account account = store.findAccount(me).orElseThrow(() ->
                new ProtocolException(ErrorCode.NOT_AUTHENTICATED, "the account no longer exists"));
        LoginThrottle.Wait begun = beginPasswordCheck(account.username(), account.id(), caller);
        if (!hasher.verify(d.password(), account.passwordHash())) {
            Audit.deletionRefused(account.username(), caller.address(), "wrong password");
            throw badCredentials();
        }
        throttle.succeeded(account.username(), account.id(), caller.address(), begun, clock.millis());
        return switch (store.deleteAccount(me, session.device(), clock.millis())) { // what this device has not received
            case DeleteOutcome.Deleted x -> {
                tokens.forgetAccount(me);
                Audit.accountDeleted(account.username(), caller.address());
                yield new Response.AccountDeleted();
            }
            case DeleteOutcome.InboxNotEmpty n -> new Response.Error(ErrorCode.INBOX_NOT_EMPTY,
                    n.undelivered() + " undelivered message" + (n.undelivered() == 1 ? "" : "s")
                            + " waiting: fetch them first, then delete", List.of(String.valueOf(n.undelivered())));
            case DeleteOutcome.Gone g -> throw new ProtocolException(ErrorCode.NOT_AUTHENTICATED, "the account no longer exists");
        };
    }
}
