package org.wirechat.model;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import org.wirechat.protocol.ErrorCode;
import org.wirechat.protocol.Request;
import org.wirechat.protocol.Response;

/**
 * The reference model: what a server following {@code docs/wire_design.md} answers, as an in-memory state
 * machine with no I/O and no threads, written from the spec. Requests carry the model's own tokens and
 * message ids (the harness maps the server's to them); answers are the protocol's records. Error answers
 * carry the code and the details, with an empty reason (the reason is text for people, not compared).
 *
 * <p>Field syntax (§3, §6) is the codec's business and checked by its own tests: the model is given
 * well-formed fields only. Not modelled: LIST_ACCOUNTS and "online" (they depend on connections, not on
 * the chat state), the device horizon (sequences stay far inside it), rate limits, the token cap per
 * account. Group operations are in {@link GroupModel}.
 */
final class ChatModel {
    /** The server settings the model must know (the harness starts the server with the same). */
    record Settings(int inboxCapacity, int membersPerGroup, int groupsPerUser, Duration tokenIdle, Duration tokenMax) {
    }

    /** A session token of the model. */
    static final class Token {
        final ModelAccount account;
        final String device;
        final long created;
        long lastUsed;
        boolean revoked;

        Token(ModelAccount account, String device, long now) {
            this.account = account;
            this.device = device;
            this.created = now;
            this.lastUsed = now;
        }
    }

    final Settings settings;
    private long now;
    private long nextAccount = 1;
    private long nextMessage = 1;
    private long nextToken = 1;
    final Map<String, ModelAccount> accounts = new HashMap<>();
    final Map<String, Token> tokens = new HashMap<>();
    final TreeMap<Long, ModelMessage> messages = new TreeMap<>();
    final GroupModel groups;
    private final Mail mail;

    ChatModel(Settings settings, long nowMillis) {
        this.settings = settings;
        this.now = nowMillis;
        this.groups = new GroupModel(this);
        this.mail = new Mail(this);
    }

    long now() {
        return now;
    }

    void advance(Duration d) {
        now += d.toMillis();
    }

    static String key(String name) {
        return name.toLowerCase(Locale.ROOT);
    }

    static Response.Error error(ErrorCode code, String... details) {
        return new Response.Error(code, "", List.of(details));
    }

    /** The answer the spec requires to {@code request}, and the state it leaves. */
    Response apply(Request request) {
        try {
            return switch (request) {
                case Request.Ping p -> new Response.Pong(now);
                case Request.CreateAccount c -> create(c);
                case Request.Login l -> login(l.username(), l.password(), "");
                case Request.LoginDevice l -> login(l.username(), l.password(), l.deviceId());
                case Request.Logout l -> {
                    session(l.token()).revoked = true;
                    yield new Response.LoggedOut();
                }
                case Request.Send s -> mail.send(session(s.token()), s.recipient(), s.clientMessageId(), s.body());
                case Request.Fetch f -> mail.fetch(session(f.token()), f.token(), f.ackThrough(), f.maxCount());
                case Request.Sync f -> { // no TYPING in the model's sequences: SYNC hands what FETCH would, and no event
                    Response r = mail.fetch(session(f.token()), f.token(), f.ackThrough(), f.maxCount());
                    yield r instanceof Response.Messages m ? new Response.Events(m.messages(), List.of()) : r;
                }
                case Request.Typing t -> { // the conversation is checked as SEND checks its recipient
                    ModelAccount me = session(t.token()).account;
                    if (t.conversation().startsWith("#")) {
                        groups.memberOf(me, t.conversation());
                    } else {
                        live(t.conversation());
                    }
                    yield new Response.TypingSent();
                }
                case Request.History h -> mail.history(session(h.token()).account, h.peer(), h.beforeId(), h.limit());
                case Request.Receipts r -> mail.receipts(session(r.token()).account, r.peer());
                case Request.SetReceipts r -> {
                    session(r.token()).account.receipts = r.on();
                    yield new Response.ReceiptsSet(r.on());
                }
                case Request.DeleteAccount d -> delete(session(d.token()), d.password());
                case Request.ChangePassword c -> changePassword(session(c.token()), c.currentPassword(), c.newPassword());
                case Request.SetFullName n -> {
                    session(n.token());
                    yield new Response.FullNameSet(n.fullName());
                }
                case Request.ListDevices d -> mail.devices(session(d.token()));
                case Request.GroupCreate g -> groups.create(session(g.token()).account, g.group());
                case Request.GroupAdd g -> groups.add(session(g.token()).account, g.group(), g.username());
                case Request.GroupRemove g -> groups.remove(session(g.token()).account, g.group(), g.username());
                case Request.GroupLeave g -> groups.leave(session(g.token()).account, g.group());
                case Request.GroupRename g -> groups.rename(session(g.token()).account, g.group(), g.newName());
                case Request.GroupList g -> groups.list(session(g.token()).account);
                case Request.GroupMembers g -> groups.members(session(g.token()).account, g.group());
                case Request.GroupReceipts g -> mail.groupReceipts(session(g.token()).account, g.group(), g.messageId());
                case Request.ServerInfo i -> throw new IllegalArgumentException("not modelled: " + request);
                case Request.ListAccounts l -> throw new IllegalArgumentException("not modelled: " + request);
                case Request.SearchMessages q -> mail.search(session(q.token()).account, q.query(), q.beforeId(), q.limit());
            };
        } catch (Refused r) {
            return r.answer;
        }
    }

    /** An answer that ends the operation (an error). */
    static final class Refused extends Exception {
        final Response.Error answer;

        Refused(ErrorCode code, String... details) {
            super(code.name(), null, false, false);
            this.answer = error(code, details);
        }
    }

    /**
     * The token's session, used now: valid while not revoked, its account live, and now before both its
     * idle expiry (from its last use) and its maximum lifetime (§5, LOGIN). Every authenticated request,
     * refused or not, extends it.
     */
    Token session(String token) throws Refused {
        Token t = tokens.get(token);
        if (t == null || t.revoked || t.account.deleted || now >= expiry(t)) {
            throw new Refused(ErrorCode.NOT_AUTHENTICATED);
        }
        t.lastUsed = now;
        return t;
    }

    private long expiry(Token t) {
        return Math.min(t.lastUsed + settings.tokenIdle().toMillis(), t.created + settings.tokenMax().toMillis());
    }

    ModelAccount live(String name) throws Refused {
        ModelAccount a = accounts.get(key(name));
        if (a == null) {
            throw new Refused(ErrorCode.NO_SUCH_USER);
        }
        return a;
    }

    private Response create(Request.CreateAccount c) {
        if (accounts.containsKey(key(c.username()))) {
            return error(ErrorCode.USERNAME_TAKEN);
        }
        ModelAccount a = new ModelAccount(nextAccount++, c.username(), c.password());
        accounts.put(key(c.username()), a);
        return new Response.AccountCreated(c.username());
    }

    /** LOGIN ({@code device} "") and LOGIN_DEVICE: a token of the device; the device takes itself over. */
    private Response login(String username, String password, String device) {
        ModelAccount a = accounts.get(key(username));
        if (a == null || !a.password.equals(password)) {
            return error(ErrorCode.BAD_CREDENTIALS);
        }
        String token = "t" + nextToken++;
        tokens.put(token, new Token(a, device, now));
        long expires = now + Math.min(settings.tokenIdle().toMillis(), settings.tokenMax().toMillis());
        if (device.isEmpty()) {
            return new Response.LoggedIn(token, expires, mail.unread(a, a.device("")));
        }
        ModelAccount.Device d = mail.register(a, device);
        d.current = token;
        d.lastSeen = now;
        return new Response.DeviceLoggedIn(token, expires, mail.unread(a, d), 0);
    }

    /**
     * DELETE_ACCOUNT: the password first, then what the token's device has not received (copies of the
     * account's own messages are not counted: "unread count" leaves them out, and INBOX_NOT_EMPTY counts
     * what the device has not received in the same sense). Deleting revokes every token, frees the name and
     * leaves each group as GROUP_LEAVE does.
     */
    private Response delete(Token t, String password) {
        ModelAccount a = t.account;
        if (!a.password.equals(password)) {
            return error(ErrorCode.BAD_CREDENTIALS);
        }
        long unread = mail.unread(a, a.device(t.device));
        if (unread > 0) {
            return error(ErrorCode.INBOX_NOT_EMPTY, String.valueOf(unread));
        }
        a.deleted = true;
        accounts.remove(key(a.name));
        groups.leaveAll(a);
        return new Response.AccountDeleted();
    }

    /** CHANGE_PASSWORD: the current password first; then the new one, and every other token of the account revoked. */
    private Response changePassword(Token t, String current, String next) {
        if (!t.account.password.equals(current)) {
            return error(ErrorCode.BAD_CREDENTIALS);
        }
        t.account.password = next;
        for (Token other : tokens.values()) {
            if (other.account == t.account && other != t) {
                other.revoked = true;
            }
        }
        return new Response.PasswordChanged();
    }

    ModelMessage store(ModelAccount sender, String device, ModelAccount to, ModelGroup group, List<ModelAccount> reached,
            String clientId, String body) {
        ModelMessage m = new ModelMessage(nextMessage++, sender, device, to, group, List.copyOf(reached), now, clientId, body);
        messages.put(m.id(), m);
        return m;
    }

    /** The messages, oldest first, matching {@code keep}. */
    List<ModelMessage> messages(java.util.function.Predicate<ModelMessage> keep) {
        List<ModelMessage> out = new ArrayList<>();
        for (ModelMessage m : messages.values()) {
            if (keep.test(m)) {
                out.add(m);
            }
        }
        out.sort(Comparator.comparingLong(ModelMessage::id));
        return out;
    }
}
