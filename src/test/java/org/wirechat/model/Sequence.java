package org.wirechat.model;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import net.jqwik.api.statistics.Statistics;
import org.wirechat.protocol.Request;
import org.wirechat.protocol.Response;
import org.wirechat.server.MutableClock;
import org.wirechat.server.TestConnection;

/**
 * One sequence of operations, each sent to the real server and to the model, their answers compared.
 * The server's tokens and message ids are its own: they are learned from its answers and mapped to the
 * model's (a new message's id must be above every id it gave before: ids increase in the order messages
 * are stored). Names carry the sequence's namespace, so sequences share one server without meeting.
 */
final class Sequence {
    /** A model token no login issued (NOT_AUTHENTICATED for both). */
    static final String NO_TOKEN = "none";
    private static final String NO_SERVER_TOKEN = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";

    final ChatModel model;
    final String namespace;
    private final TestConnection connection;
    private final MutableClock clock;
    private final String combo;
    /** The model's tokens in the order logins issued them (steps pick one by index). */
    final List<String> tokens = new ArrayList<>();
    private final Map<String, String> serverTokens = new HashMap<>();
    private final Map<String, String> modelTokens = new HashMap<>();
    private final Map<Long, Long> serverIds = new HashMap<>();
    private final Map<Long, Long> modelIds = new HashMap<>();
    private long lastServerId;
    /** The model ids of the messages stored so far. */
    final List<Long> stored = new ArrayList<>();
    /** Per account id and device, the model ids FETCH has handed it (what its client may acknowledge). */
    private final Map<String, TreeSet<Long>> handed = new HashMap<>();
    private final List<String> trail = new ArrayList<>();
    /** Whether each answer is counted in jqwik's statistics (only on a jqwik thread). */
    boolean counting = true;

    Sequence(ChatModel model, String namespace, TestConnection connection, MutableClock clock, String combo) {
        this.model = model;
        this.namespace = namespace;
        this.connection = connection;
        this.clock = clock;
        this.combo = combo;
    }

    @Override
    public String toString() {
        return "sequence " + namespace + " on " + combo + " (" + trail.size() + " steps)";
    }

    String token(int index) {
        return tokens.isEmpty() ? NO_TOKEN : tokens.get(index % tokens.size());
    }

    /** The ids the token's device was handed (empty for an unknown token). */
    TreeSet<Long> handed(String token) {
        ChatModel.Token t = model.tokens.get(token);
        return t == null ? new TreeSet<>() : handed.computeIfAbsent(t.account.id + "/" + t.device, k -> new TreeSet<>());
    }

    void advance(Duration d) {
        clock.advance(d);
        model.advance(d);
        trail.add("advance the clock " + d);
    }

    /** Whether the sequence speaks the wire protocol (not gRPC, whose SYNC is a stream). */
    boolean wire() {
        return !connection.isGrpc();
    }

    /** Sends the request (in model terms) to both, compares the answers, and returns the model's. */
    Response run(Request request) {
        ModelRun.checkTime();
        Response expected = model.apply(request);
        Response actual = connection.call(toServer(request));
        learn(expected, actual);
        Response seen = fromServer(actual);
        trail.add(request + "\n      model:  " + expected + "\n      server: " + seen);
        if (!comparable(seen).equals(comparable(expected))) {
            throw new AssertionError("[" + combo + "] the server's answer differs from the model's at step " + trail.size()
                    + " of sequence " + namespace + ":\n  " + String.join("\n  ", trail));
        }
        if (counting) {
            Statistics.label("answers").collect(request.getClass().getSimpleName() + " → " + (expected instanceof Response.Error e
                    ? e.code().name() : expected.getClass().getSimpleName()));
        }
        if (expected instanceof Response.LoggedIn l) {
            tokens.add(l.token());
        } else if (expected instanceof Response.DeviceLoggedIn l) {
            tokens.add(l.token());
        } else if (expected instanceof Response.Sent s && !stored.contains(s.messageId())) {
            stored.add(s.messageId());
        } else if (expected instanceof Response.Messages m && request instanceof Request.Fetch f) {
            m.messages().forEach(x -> handed(f.token()).add(x.id()));
        } else if (expected instanceof Response.Events e && request instanceof Request.Sync f) {
            e.messages().forEach(x -> handed(f.token()).add(x.id()));
        }
        return expected;
    }

    private void learn(Response expected, Response actual) {
        if (expected instanceof Response.LoggedIn e && actual instanceof Response.LoggedIn a) {
            pair(e.token(), a.token());
        } else if (expected instanceof Response.DeviceLoggedIn e && actual instanceof Response.DeviceLoggedIn a) {
            pair(e.token(), a.token());
        } else if (expected instanceof Response.Sent e && actual instanceof Response.Sent a
                && !serverIds.containsKey(e.messageId()) && !modelIds.containsKey(a.messageId())
                && a.messageId() > lastServerId) {
            serverIds.put(e.messageId(), a.messageId());
            modelIds.put(a.messageId(), e.messageId());
            lastServerId = a.messageId();
        }
    }

    private void pair(String model, String server) {
        serverTokens.put(model, server);
        modelTokens.put(server, model);
    }

    private String serverToken(String token) {
        return serverTokens.getOrDefault(token, NO_SERVER_TOKEN);
    }

    private long serverId(long id) {
        return id == 0 ? 0 : serverIds.getOrDefault(id, id);
    }

    /** A server id in model terms; one the sequence never stored becomes negative, so it cannot match. */
    private long modelId(long id) {
        return id == 0 ? 0 : modelIds.getOrDefault(id, -id);
    }

    private Request toServer(Request r) {
        return switch (r) {
            case Request.Logout x -> new Request.Logout(serverToken(x.token()));
            case Request.Send x -> new Request.Send(serverToken(x.token()), x.recipient(), x.clientMessageId(), x.body());
            case Request.Fetch x -> new Request.Fetch(serverToken(x.token()), serverId(x.ackThrough()), x.maxCount(), x.maxWaitMillis());
            case Request.Sync x -> new Request.Sync(serverToken(x.token()), serverId(x.ackThrough()), x.maxCount(), x.maxWaitMillis());
            case Request.Typing x -> new Request.Typing(serverToken(x.token()), x.conversation(), x.typing());
            case Request.History x -> new Request.History(serverToken(x.token()), x.peer(), serverId(x.beforeId()), x.limit());
            case Request.Receipts x -> new Request.Receipts(serverToken(x.token()), x.peer());
            case Request.SetReceipts x -> new Request.SetReceipts(serverToken(x.token()), x.on());
            case Request.DeleteAccount x -> new Request.DeleteAccount(serverToken(x.token()), x.password());
            case Request.ChangePassword x -> new Request.ChangePassword(serverToken(x.token()), x.currentPassword(), x.newPassword());
            case Request.SetFullName x -> new Request.SetFullName(serverToken(x.token()), x.fullName());
            case Request.SearchMessages x -> new Request.SearchMessages(serverToken(x.token()), x.query(), serverId(x.beforeId()),
                    x.limit());
            case Request.ListDevices x -> new Request.ListDevices(serverToken(x.token()));
            case Request.GroupCreate x -> new Request.GroupCreate(serverToken(x.token()), x.group());
            case Request.GroupAdd x -> new Request.GroupAdd(serverToken(x.token()), x.group(), x.username());
            case Request.GroupRemove x -> new Request.GroupRemove(serverToken(x.token()), x.group(), x.username());
            case Request.GroupLeave x -> new Request.GroupLeave(serverToken(x.token()), x.group());
            case Request.GroupRename x -> new Request.GroupRename(serverToken(x.token()), x.group(), x.newName());
            case Request.GroupList x -> new Request.GroupList(serverToken(x.token()));
            case Request.GroupMembers x -> new Request.GroupMembers(serverToken(x.token()), x.group());
            case Request.GroupReceipts x -> new Request.GroupReceipts(serverToken(x.token()), x.group(), serverId(x.messageId()));
            case Request.ListAccounts x -> new Request.ListAccounts(serverToken(x.token()), x.mode(), x.pattern(), x.cursor(), x.limit());
            case Request.Ping x -> x;
            case Request.ServerInfo x -> x;
            case Request.CreateAccount x -> x;
            case Request.Login x -> x;
            case Request.LoginDevice x -> x;
        };
    }

    private Response fromServer(Response r) {
        return switch (r) {
            case Response.LoggedIn x -> new Response.LoggedIn(modelTokens.getOrDefault(x.token(), "?"), x.expiresAtMillis(), x.unread());
            case Response.DeviceLoggedIn x -> new Response.DeviceLoggedIn(modelTokens.getOrDefault(x.token(), "?"),
                    x.expiresAtMillis(), x.unread(), x.missed());
            case Response.Sent x -> new Response.Sent(modelId(x.messageId()), x.timestampMillis());
            case Response.Messages x -> new Response.Messages(x.messages().stream().map(this::fromServer).toList());
            case Response.Events x -> new Response.Events(x.messages().stream().map(this::fromServer).toList(), x.typing());
            case Response.Conversation x -> new Response.Conversation(x.messages().stream().map(this::fromServer).toList(),
                    modelId(x.nextBeforeId()));
            case Response.Receipts x -> new Response.Receipts(x.shared(), modelId(x.oldestWaitingId()));
            case Response.SearchResults x -> new Response.SearchResults(x.messages().stream().map(this::fromServer).toList(),
                    modelId(x.nextBeforeId()));
            default -> r;
        };
    }

    private Response.Message fromServer(Response.Message m) {
        return new Response.Message(modelId(m.id()), m.sender(), m.recipient(), m.timestampMillis(), m.body());
    }

    /** What is compared: an error's code and details (not its reason), members without "online". */
    private static Object comparable(Response r) {
        return switch (r) {
            case Response.Error e -> List.of("error", e.code(), e.details());
            case Response.Members m -> new Response.Members(m.group(),
                    m.members().stream().map(x -> new Response.Member(x.username(), false, x.owner())).toList());
            default -> r;
        };
    }
}
