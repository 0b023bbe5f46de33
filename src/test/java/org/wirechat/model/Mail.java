package org.wirechat.model;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.TreeSet;
import java.util.regex.MatchResult;
import java.util.regex.Pattern;
import org.wirechat.protocol.ErrorCode;
import org.wirechat.protocol.Response;

/**
 * The model's messages: SEND, FETCH, HISTORY, RECEIPTS, GROUP_RECEIPTS, LIST_DEVICES and what a device
 * waits for (docs/wire_design.md §5: SEND, FETCH, LOGIN_DEVICE, LIST_DEVICES, Groups).
 */
final class Mail {
    private final ChatModel model;

    Mail(ChatModel model) {
        this.model = model;
    }

    /**
     * What the device would be handed: its waiting messages if it holds the account's; else (the default
     * device before its first acknowledgement) what some device of the account still waits for, never a
     * copy of its own message.
     */
    TreeSet<Long> view(ModelAccount a, ModelAccount.Device d) {
        if (d.holding) {
            return d.waiting;
        }
        return start(a, d);
    }

    /**
     * Where a device that starts holding the account's messages starts (LOGIN_DEVICE: "starts with what some
     * device still waits for"): every record above the account's floor — what the devices still wait for,
     * and the copies of the account's own messages above it, though every other device has them (the spec's
     * LOGIN_DEVICE says so: a start is one point in the account's mail) — never a copy of its own message.
     * While no device holds the account's messages, what arrived meanwhile.
     */
    private TreeSet<Long> start(ModelAccount a, ModelAccount.Device d) {
        TreeSet<Long> out = a.holders().isEmpty() ? new TreeSet<>(a.unheld) : new TreeSet<>(a.records.tailSet(a.floor(), false));
        out.removeIf(id -> ownCopy(a, d, id));
        return out;
    }

    /** An acknowledgement through {@code through}: the mark moves there, then over the device's own messages just after. */
    private void mark(ModelAccount a, ModelAccount.Device d, long through) {
        d.mark = Math.max(d.mark, through);
        for (long id : a.records.tailSet(d.mark, false)) {
            if (!ownCopy(a, d, id)) {
                break;
            }
            d.mark = id;
        }
    }

    private boolean ownCopy(ModelAccount a, ModelAccount.Device d, long id) {
        ModelMessage m = model.messages.get(id);
        return m.isCopyFor(a) && m.senderDevice().equals(d.id);
    }

    /** "Unread count": what the device has not received, copies of the account's own messages left out. */
    long unread(ModelAccount a, ModelAccount.Device d) {
        return view(a, d).stream().filter(id -> !model.messages.get(id).isCopyFor(a)).count();
    }

    /** Undelivered for the account (INBOX_FULL's cap): what some holding device lacks, copies left out. */
    private long inbox(ModelAccount a) {
        return a.someDeviceWaitsFor().stream().filter(id -> !model.messages.get(id).isCopyFor(a)).count();
    }

    /**
     * A device logging in with LOGIN_DEVICE: a new one holds the account's messages from now on and starts
     * with what some device of the account still waits for ("a device new to the account starts with…").
     */
    ModelAccount.Device register(ModelAccount a, String device) {
        ModelAccount.Device d = a.devices.get(device);
        if (d == null) {
            d = a.device(device);
            d.waiting.addAll(start(a, d));
            d.mark = a.floor();
            d.holding = true;
        }
        return d;
    }

    /** The message reaches the account: each holding device waits for it (copies: each but the one it came from). */
    private void deliver(ModelAccount a, ModelMessage m) {
        List<ModelAccount.Device> holders = a.holders();
        if (m.isCopyFor(a)) {
            for (ModelAccount.Device d : holders) {
                if (!d.id.equals(m.senderDevice())) {
                    d.waiting.add(m.id());
                    a.records.add(m.id());
                }
            }
        } else if (holders.isEmpty()) {
            a.unheld.add(m.id());
            a.records.add(m.id());
        } else {
            holders.forEach(d -> d.waiting.add(m.id()));
            a.records.add(m.id());
        }
    }

    /**
     * SEND: the recipient (or group, and membership) first, then the client message id (a retry returns
     * the first send's id and timestamp, whatever the inboxes now hold), then every inbox it reaches.
     * Decision from the server where the spec gives no order (LogMessages.decideChecked): a retry after
     * the recipient was deleted, or after leaving the group, is refused as a new SEND would be.
     */
    Response send(ChatModel.Token t, String recipient, String clientId, String body) throws ChatModel.Refused {
        ModelAccount me = t.account;
        ModelAccount to = null;
        ModelGroup group = null;
        List<ModelAccount> reached;
        if (recipient.startsWith("#")) {
            group = model.groups.memberOf(me, recipient);
            reached = new ArrayList<>(group.members);
            reached.remove(me);
        } else {
            to = model.live(recipient);
            reached = List.of(to);
        }
        ModelMessage prior = me.sent.get(clientId);
        if (prior != null) {
            if (!prior.sameAs(to, group, body)) {
                return ChatModel.error(ErrorCode.CLIENT_ID_REUSED);
            }
            return new Response.Sent(prior.id(), prior.timestampMillis());
        }
        for (ModelAccount r : reached) {
            if (inbox(r) >= model.settings.inboxCapacity()) {
                return ChatModel.error(ErrorCode.INBOX_FULL);
            }
        }
        ModelMessage m = model.store(me, t.device, to, group, reached, clientId, body);
        me.sent.put(clientId, m);
        reached.forEach(r -> deliver(r, m));
        if (to != me) {
            deliver(me, m); // the sender's other devices' copies
        }
        return new Response.Sent(m.id(), m.timestampMillis());
    }

    /**
     * FETCH: DEVICE_IN_USE for a token of a device a newer LOGIN_DEVICE took over (nothing acknowledged);
     * then the acknowledgement (the default device holds from its first one, starting with what some device
     * still waits for, less what it acknowledges); then the oldest waiting messages above it.
     */
    Response fetch(ChatModel.Token t, String token, long ackThrough, int max) {
        ModelAccount a = t.account;
        ModelAccount.Device d = a.device(t.device);
        if (d.current != null && !d.current.equals(token)) {
            return ChatModel.error(ErrorCode.DEVICE_IN_USE);
        }
        if (ackThrough > 0) {
            a.acknowledged = Math.max(a.acknowledged, ackThrough);
            if (!d.holding) {
                d.waiting.addAll(view(a, d));
                d.mark = a.floor();
                d.holding = true;
            }
            d.waiting.removeIf(id -> id <= ackThrough);
            mark(a, d, ackThrough);
        }
        if (d.holding) {
            d.lastSeen = model.now();
        }
        List<Response.Message> out = new ArrayList<>();
        for (long id : view(a, d)) {
            if (id > ackThrough && out.size() < max) {
                out.add(model.messages.get(id).record());
            }
        }
        return new Response.Messages(out);
    }

    /** HISTORY: the conversation with a live account, or a group's to its members; a page, oldest first. */
    Response history(ModelAccount me, String peer, long beforeId, int limit) throws ChatModel.Refused {
        List<ModelMessage> all;
        if (peer.startsWith("#")) {
            ModelGroup g = model.groups.memberOf(me, peer);
            all = model.messages(m -> m.group() == g);
        } else {
            ModelAccount p = model.live(peer);
            all = model.messages(m -> m.group() == null
                    && (m.sender() == me && m.to() == p || m.sender() == p && m.to() == me));
        }
        List<ModelMessage> before = all.stream().filter(m -> beforeId == 0 || m.id() < beforeId).toList();
        List<ModelMessage> page = before.subList(Math.max(0, before.size() - limit), before.size());
        long next = before.size() > limit ? page.get(0).id() : 0;
        return new Response.Conversation(page.stream().map(ModelMessage::record).toList(), next);
    }

    /**
     * SEARCH_MESSAGES, as the spec says it (§5): what reached the caller — its direct messages with a live account or
     * itself, the messages of each live group stored while it was a member (its own, or ones that reached it) — whose
     * words hold every word of the query (a word: letters, numbers and combining accents; lower case, Latin accents
     * removed; {@code word*} a prefix); newest first. No word (or more than 10): INVALID_FIELD. (The per-account rate,
     * 20 at once, is not reached by a sequence's few searches.)
     */
    Response search(ModelAccount me, String query, long beforeId, int limit) throws ChatModel.Refused {
        List<String> words = new ArrayList<>();
        List<Boolean> prefixes = new ArrayList<>();
        for (MatchResult w : WORD.matcher(query).results().toList()) {
            words.add(w.group(1).toLowerCase(Locale.ROOT));
            prefixes.add(w.group(2) != null);
        }
        if (words.isEmpty() || words.size() > 10) {
            throw new ChatModel.Refused(ErrorCode.INVALID_FIELD);
        }
        List<ModelMessage> found = new ArrayList<>(model.messages(m -> (beforeId == 0 || m.id() < beforeId)
                && (m.group() != null ? m.group().live && (m.sender() == me || m.reached().contains(me))
                        : m.sender() == me && (m.to() == me || !m.to().deleted) || m.to() == me && !m.sender().deleted)
                && holds(m.body(), words, prefixes)));
        Collections.reverse(found);
        List<ModelMessage> page = found.subList(0, Math.min(limit, found.size()));
        long next = found.size() > limit ? page.get(page.size() - 1).id() : 0;
        return new Response.SearchResults(page.stream().map(ModelMessage::record).toList(), next);
    }

    /** A word of the spec's search (ASCII is all the model's bodies and queries use), and a {@code *} right after it. */
    private static final Pattern WORD = Pattern.compile("([\\p{L}\\p{N}]+)(\\*)?");

    private static boolean holds(String body, List<String> words, List<Boolean> prefixes) {
        List<String> bodyWords = WORD.matcher(body).results().map(w -> w.group(1).toLowerCase(Locale.ROOT)).toList();
        for (int i = 0; i < words.size(); i++) {
            String w = words.get(i);
            boolean prefix = prefixes.get(i);
            if (bodyWords.stream().noneMatch(b -> prefix ? b.startsWith(w) : b.equals(w))) {
                return false;
            }
        }
        return true;
    }

    /** RECEIPTS: shared both ways or not at all; the oldest of the caller's messages to the peer no device of the peer acknowledged. */
    Response receipts(ModelAccount me, String peer) throws ChatModel.Refused {
        ModelAccount p = model.live(peer);
        if (!me.receipts || !p.receipts) {
            return new Response.Receipts(false, 0);
        }
        long oldest = model.messages(m -> m.group() == null && m.sender() == me && m.to() == p && m.id() > p.acknowledged)
                .stream().mapToLong(ModelMessage::id).findFirst().orElse(0);
        return new Response.Receipts(true, oldest);
    }

    /**
     * GROUP_RECEIPTS: membership first (as every GROUP_ operation), then the message (INVALID_FIELD unless
     * the caller's to this group), then the caller's setting. Members: the accounts it reached, still live,
     * sharing receipts; delivered: those of them with a device that acknowledged it.
     */
    Response groupReceipts(ModelAccount me, String group, long messageId) throws ChatModel.Refused {
        ModelGroup g = model.groups.memberOf(me, group);
        ModelMessage m = model.messages.get(messageId);
        if (m == null || m.sender() != me || m.group() != g) {
            return ChatModel.error(ErrorCode.INVALID_FIELD);
        }
        if (!me.receipts) {
            return new Response.GroupReceipts(false, 0, 0);
        }
        List<ModelAccount> counted = m.reached().stream().filter(r -> !r.deleted && r.receipts).toList();
        long delivered = counted.stream().filter(r -> r.acknowledged >= m.id()).count();
        return new Response.GroupReceipts(true, counted.size(), delivered);
    }

    /**
     * LIST_DEVICES: the caller's device first (not yet seen: seen now, holding nothing), then the others
     * that hold the account's messages, most recently seen first, then by id.
     */
    Response devices(ChatModel.Token t) {
        ModelAccount a = t.account;
        ModelAccount.Device mine = a.device(t.device);
        List<Response.Device> out = new ArrayList<>();
        out.add(mine.holding ? new Response.Device(mine.id, mine.lastSeen, true, true)
                : new Response.Device(mine.id, model.now(), false, true));
        a.devices.values().stream().filter(d -> d.holding && d != mine)
                .sorted(Comparator.comparingLong((ModelAccount.Device d) -> -d.lastSeen).thenComparing(d -> d.id))
                .forEach(d -> out.add(new Response.Device(d.id, d.lastSeen, true, false)));
        return new Response.Devices(out);
    }
}
