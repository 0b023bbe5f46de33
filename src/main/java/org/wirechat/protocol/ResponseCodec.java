package org.wirechat.protocol;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Encodes responses into frames and decodes frames into responses. A response payload is a 16-bit
 * status, then the reason and the response's fields, then its list records.
 */
public final class ResponseCodec {
    static final String OK_REASON = "OK";
    private static final int MESSAGE_FIELDS = 5;
    private static final int ACCOUNT_FIELDS = 3;
    /** SYNC's record kinds (its first field); a decoder skips a kind it does not know. */
    static final String MESSAGE_KIND = "m";
    static final String TYPING_KIND = "t";
    private static final int TYPING_FIELDS = 5;

    private ResponseCodec() {
    }

    public static Frame encode(int requestId, Response response) {
        Payload.Writer w = new Payload.Writer();
        int opcode;
        if (response instanceof Response.Error e) {
            w.status(e.status()).field(e.reason());
            e.details().forEach(w::field);
            opcode = Opcode.ERROR_RESPONSE;
        } else {
            w.status(0).field(OK_REASON);
            opcode = opcodeOf(response).responseWire();
        }
        switch (response) {
            case Response.Error e -> { }
            case Response.Pong p -> w.field(p.serverTimeMillis());
            case Response.ServerInfo i -> w.field(String.join(",", i.versions().stream().map(String::valueOf).toList()))
                    .field(i.maxFrameBytes()).field(i.maxMessageChars()).field(i.maxFetchWaitMillis())
                    .field(String.join(",", i.features()));
            case Response.AccountCreated a -> w.field(a.username());
            case Response.LoggedIn l -> w.field(l.token()).field(l.expiresAtMillis()).field(l.unread());
            case Response.DeviceLoggedIn l -> w.field(l.token()).field(l.expiresAtMillis()).field(l.unread()).field(l.missed());
            case Response.LoggedOut l -> { }
            case Response.Accounts a -> {
                w.field(a.nextCursor());
                for (Response.Account acc : a.accounts()) {
                    w.record().field(acc.username()).field(acc.fullName()).field(acc.online() ? 1 : 0);
                }
            }
            case Response.Sent s -> w.field(s.messageId()).field(s.timestampMillis());
            case Response.Messages m -> m.messages().forEach(msg -> writeMessage(w.record(), msg));
            case Response.Events e -> {
                e.messages().forEach(msg -> writeMessage(w.record().field(MESSAGE_KIND), msg));
                for (Response.Typing t : e.typing()) {
                    w.record().field(TYPING_KIND).field(t.from()).field(t.conversation()).field(t.typing() ? 1 : 0)
                            .field(t.expiresInMillis());
                }
            }
            case Response.TypingSent t -> { }
            case Response.Conversation c -> {
                w.field(c.nextBeforeId());
                c.messages().forEach(msg -> writeMessage(w.record(), msg));
            }
            case Response.AccountDeleted d -> { }
            case Response.Receipts r -> w.field(r.shared() ? 1 : 0).field(r.oldestWaitingId());
            case Response.ReceiptsSet r -> w.field(r.on() ? 1 : 0);
            case Response.PasswordChanged p -> { }
            case Response.FullNameSet n -> w.field(n.fullName());
            case Response.SearchResults r -> {
                w.field(r.nextBeforeId());
                r.messages().forEach(msg -> writeMessage(w.record(), msg));
            }
            case Response.GroupCreated g -> w.field(g.group());
            case Response.MemberAdded m -> w.field(m.username());
            case Response.MemberRemoved m -> { }
            case Response.GroupReceipts g -> w.field(g.shared() ? 1 : 0).field(g.members()).field(g.delivered());
            case Response.GroupLeft g -> { }
            case Response.GroupRenamed g -> w.field(g.group());
            case Response.Groups g -> {
                for (Response.Group group : g.groups()) {
                    w.record().field(group.name()).field(group.owner()).field(group.members());
                }
            }
            case Response.Devices d -> {
                for (Response.Device device : d.devices()) {
                    w.record().field(device.id()).field(device.lastSeenMillis()).field(device.holds() ? 1 : 0)
                            .field(device.current() ? 1 : 0);
                }
            }
            case Response.Members m -> {
                w.field(m.group());
                for (Response.Member member : m.members()) {
                    w.record().field(member.username()).field(member.online() ? 1 : 0).field(member.owner() ? 1 : 0);
                }
            }
        }
        return new Frame(Frame.VERSION_1, opcode, requestId, w.toBytes());
    }

    /** The request opcode a successful response answers. */
    public static Opcode opcodeOf(Response response) {
        return switch (response) {
            case Response.Pong p -> Opcode.PING;
            case Response.ServerInfo i -> Opcode.SERVER_INFO;
            case Response.AccountCreated a -> Opcode.CREATE_ACCOUNT;
            case Response.LoggedIn l -> Opcode.LOGIN;
            case Response.DeviceLoggedIn l -> Opcode.LOGIN_DEVICE;
            case Response.LoggedOut l -> Opcode.LOGOUT;
            case Response.Accounts a -> Opcode.LIST_ACCOUNTS;
            case Response.Sent s -> Opcode.SEND;
            case Response.Messages m -> Opcode.FETCH;
            case Response.Events e -> Opcode.SYNC;
            case Response.TypingSent t -> Opcode.TYPING;
            case Response.Conversation c -> Opcode.HISTORY;
            case Response.AccountDeleted d -> Opcode.DELETE_ACCOUNT;
            case Response.Receipts r -> Opcode.RECEIPTS;
            case Response.ReceiptsSet r -> Opcode.SET_RECEIPTS;
            case Response.PasswordChanged p -> Opcode.CHANGE_PASSWORD;
            case Response.FullNameSet n -> Opcode.SET_FULL_NAME;
            case Response.SearchResults r -> Opcode.SEARCH_MESSAGES;
            case Response.GroupCreated g -> Opcode.GROUP_CREATE;
            case Response.MemberAdded m -> Opcode.GROUP_ADD;
            case Response.MemberRemoved m -> Opcode.GROUP_REMOVE;
            case Response.GroupLeft g -> Opcode.GROUP_LEAVE;
            case Response.GroupRenamed g -> Opcode.GROUP_RENAME;
            case Response.Groups g -> Opcode.GROUP_LIST;
            case Response.Members m -> Opcode.GROUP_MEMBERS;
            case Response.Devices d -> Opcode.LIST_DEVICES;
            case Response.GroupReceipts g -> Opcode.GROUP_RECEIPTS;
            case Response.Error e -> throw new IllegalArgumentException("an error answers any request");
        };
    }

    private static void writeMessage(Payload.Writer w, Response.Message m) {
        w.field(m.id()).field(m.sender()).field(m.recipient()).field(m.timestampMillis()).field(m.body(), true);
    }

    /** Bytes a message adds to a Messages or Conversation payload, separators included. */
    public static int encodedSize(Response.Message m) {
        return 1 + digits(m.id()) + 1 + m.sender().length() + 1 + m.recipient().length() + 1
                + digits(m.timestampMillis()) + 1 + utf8Length(m.body());
    }

    /** Bytes a SYNC record's kind adds before its fields (the kind and its separator). */
    public static final int KIND_BYTES = 2;

    /** Bytes a typing record adds to a SYNC payload, separators included. */
    public static int encodedSize(Response.Typing t) {
        return 1 + KIND_BYTES + t.from().length() + 1 + utf8Length(t.conversation()) + 1 + 1 + 1 + digits(t.expiresInMillis());
    }

    /** Bytes of a Messages payload with no messages; add {@link #encodedSize} for each. */
    public static int emptyMessagesSize() {
        return 2 + OK_REASON.length();
    }

    /**
     * Bytes of a Conversation payload with no messages, at most: a Messages payload's, plus the separator
     * and the next-before id (at most 20 digits); add {@link #encodedSize} for each message.
     */
    public static int emptyConversationSize() {
        return emptyMessagesSize() + 1 + 20;
    }

    private static int digits(long v) {
        return Long.toString(v).length();
    }

    static int utf8Length(String s) {
        int n = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < 0x80) {
                n += 1;
            } else if (c < 0x800) {
                n += 2;
            } else if (Character.isHighSurrogate(c)) {
                n += 4;
                i++;
            } else {
                n += 3;
            }
        }
        return n;
    }

    /** Decodes a response frame strictly: a peer that sends anything else is broken. */
    public static Response decode(Frame frame) throws ProtocolException {
        byte[] p = frame.payload();
        if (p.length < 2) {
            throw new ProtocolException(ErrorCode.WRONG_FIELD_COUNT, "a response starts with a 2-byte status");
        }
        int status = (p[0] & 0xFF) << 8 | (p[1] & 0xFF);
        List<List<Payload.Slice>> groups = Payload.split(p, 2, p.length, true);
        if (groups.isEmpty()) {
            throw new ProtocolException(ErrorCode.WRONG_FIELD_COUNT, "a response has a reason field");
        }
        Fields head = new Fields(groups.get(0));
        List<List<Payload.Slice>> records = groups.subList(1, groups.size());
        if (frame.opcode() == Opcode.ERROR_RESPONSE) {
            if (status == 0) {
                throw new ProtocolException(ErrorCode.INVALID_FIELD, "an error response has a non-zero status");
            }
            noRecords(records);
            String reason = head.text(0, "reason");
            List<String> details = new ArrayList<>();
            for (int i = 1; i < head.size(); i++) {
                details.add(head.text(i, "detail"));
            }
            return new Response.Error(status, reason, details);
        }
        Opcode op = Opcode.ofResponse(frame.opcode());
        if (op == null) {
            throw new ProtocolException(ErrorCode.UNKNOWN_OPCODE,
                    String.format("opcode 0x%02X is not a response", frame.opcode()));
        }
        if (status != 0) {
            throw new ProtocolException(ErrorCode.INVALID_FIELD, "a successful response has status 0");
        }
        head.text(0, "reason");
        return switch (op) {
            case PING -> {
                expect(op, head, 1, records);
                yield new Response.Pong(head.number(1, "server time"));
            }
            case SERVER_INFO -> {
                expect(op, head, 5, records);
                List<Integer> versions = new ArrayList<>();
                for (String v : head.text(1, "versions").split(",", -1)) {
                    try {
                        versions.add(Integer.parseInt(v));
                    } catch (NumberFormatException e) {
                        throw new ProtocolException(ErrorCode.INVALID_FIELD, "versions are decimal numbers, comma-separated");
                    }
                }
                long frameBytes = head.number(2, "max frame bytes");
                long chars = head.number(3, "max message characters");
                long wait = head.number(4, "max fetch wait");
                String features = head.text(5, "features");
                if (!features.matches("([a-z0-9-]+(,[a-z0-9-]+)*)?") || frameBytes > Integer.MAX_VALUE || chars > Integer.MAX_VALUE) {
                    throw new ProtocolException(ErrorCode.INVALID_FIELD, "a malformed SERVER_INFO response");
                }
                yield new Response.ServerInfo(versions, (int) frameBytes, (int) chars, wait,
                        features.isEmpty() ? List.of() : List.of(features.split(",")));
            }
            case CREATE_ACCOUNT -> {
                expect(op, head, 1, records);
                yield new Response.AccountCreated(Limits.checkUsername(head.text(1, "username")));
            }
            case LOGIN -> {
                expect(op, head, 3, records);
                yield new Response.LoggedIn(Limits.checkToken(head.text(1, "token")),
                        head.number(2, "expiry"), head.number(3, "unread count"));
            }
            case LOGIN_DEVICE -> {
                expect(op, head, 4, records);
                yield new Response.DeviceLoggedIn(Limits.checkToken(head.text(1, "token")),
                        head.number(2, "expiry"), head.number(3, "unread count"), head.number(4, "missed count"));
            }
            case LOGOUT -> {
                expect(op, head, 0, records);
                yield new Response.LoggedOut();
            }
            case LIST_ACCOUNTS -> {
                Fields.expect(op.name() + " response", groups.get(0), 2);
                String cursor = Limits.checkCursor(head.text(1, "next cursor"));
                List<Response.Account> accounts = new ArrayList<>(records.size());
                for (List<Payload.Slice> r : records) {
                    Fields.expect("account record", r, ACCOUNT_FIELDS);
                    Fields f = new Fields(r);
                    accounts.add(new Response.Account(Limits.checkUsername(f.text(0, "username")),
                            Limits.checkFullName(f.text(1, "full name")), f.flag(2, "online")));
                }
                yield new Response.Accounts(accounts, cursor);
            }
            case SEND -> {
                expect(op, head, 2, records);
                yield new Response.Sent(head.number(1, "message id"), head.number(2, "timestamp"));
            }
            case FETCH -> {
                Fields.expect(op.name() + " response", groups.get(0), 1);
                yield new Response.Messages(messages(records));
            }
            case SYNC -> {
                Fields.expect(op.name() + " response", groups.get(0), 1);
                yield events(records);
            }
            case TYPING -> {
                expect(op, head, 0, records);
                yield new Response.TypingSent();
            }
            case HISTORY -> {
                Fields.expect(op.name() + " response", groups.get(0), 2);
                long next = head.number(1, "next before id");
                yield new Response.Conversation(messages(records), next);
            }
            case DELETE_ACCOUNT -> {
                expect(op, head, 0, records);
                yield new Response.AccountDeleted();
            }
            case RECEIPTS -> {
                expect(op, head, 2, records);
                yield new Response.Receipts(head.flag(1, "shared"), head.number(2, "oldest waiting id"));
            }
            case SET_RECEIPTS -> {
                expect(op, head, 1, records);
                yield new Response.ReceiptsSet(head.flag(1, "receipts"));
            }
            case CHANGE_PASSWORD -> {
                expect(op, head, 0, records);
                yield new Response.PasswordChanged();
            }
            case SET_FULL_NAME -> {
                expect(op, head, 1, records);
                yield new Response.FullNameSet(Limits.checkFullName(head.text(1, "full name")));
            }
            case SEARCH_MESSAGES -> {
                Fields.expect(op.name() + " response", groups.get(0), 2);
                long next = head.number(1, "next before id");
                yield new Response.SearchResults(messages(records), next);
            }
            case GROUP_CREATE -> {
                expect(op, head, 1, records);
                yield new Response.GroupCreated(Limits.checkGroupName(head.text(1, "group")));
            }
            case GROUP_ADD -> {
                expect(op, head, 1, records);
                yield new Response.MemberAdded(Limits.checkUsername(head.text(1, "username")));
            }
            case GROUP_REMOVE -> {
                expect(op, head, 0, records);
                yield new Response.MemberRemoved();
            }
            case GROUP_LEAVE -> {
                expect(op, head, 0, records);
                yield new Response.GroupLeft();
            }
            case GROUP_RENAME -> {
                expect(op, head, 1, records);
                yield new Response.GroupRenamed(Limits.checkGroupName(head.text(1, "group")));
            }
            case GROUP_LIST -> {
                Fields.expect(op.name() + " response", groups.get(0), 1);
                List<Response.Group> out = new ArrayList<>(records.size());
                for (List<Payload.Slice> r : records) {
                    Fields.expect("group record", r, 3);
                    Fields f = new Fields(r);
                    long members = f.number(2, "members");
                    if (members > Integer.MAX_VALUE) {
                        throw new ProtocolException(ErrorCode.INVALID_FIELD, "a group's member count is out of range");
                    }
                    out.add(new Response.Group(Limits.checkGroupName(f.text(0, "group")), Limits.checkUsername(f.text(1, "owner")),
                            (int) members));
                }
                yield new Response.Groups(out);
            }
            case LIST_DEVICES -> {
                Fields.expect(op.name() + " response", groups.get(0), 1);
                List<Response.Device> out = new ArrayList<>(records.size());
                for (List<Payload.Slice> r : records) {
                    Fields.expect("device record", r, 4);
                    Fields f = new Fields(r);
                    String id = f.text(0, "device id");
                    out.add(new Response.Device(id.isEmpty() ? id : Limits.checkDeviceId(id), f.number(1, "last seen"),
                            f.flag(2, "holds"), f.flag(3, "this device")));
                }
                yield new Response.Devices(out);
            }
            case GROUP_RECEIPTS -> {
                expect(op, head, 3, records);
                yield new Response.GroupReceipts(head.flag(1, "shared"), head.number(2, "members"), head.number(3, "delivered"));
            }
            case GROUP_MEMBERS -> {
                Fields.expect(op.name() + " response", groups.get(0), 2);
                String group = Limits.checkGroupName(head.text(1, "group"));
                List<Response.Member> out = new ArrayList<>(records.size());
                for (List<Payload.Slice> r : records) {
                    Fields.expect("member record", r, 3);
                    Fields f = new Fields(r);
                    out.add(new Response.Member(Limits.checkUsername(f.text(0, "username")), f.flag(1, "online"), f.flag(2, "owner")));
                }
                yield new Response.Members(group, out);
            }
        };
    }

    private static void expect(Opcode op, Fields head, int fields, List<List<Payload.Slice>> records)
            throws ProtocolException {
        if (head.size() != 1 + fields) {
            throw new ProtocolException(ErrorCode.WRONG_FIELD_COUNT,
                    op.name() + " response has " + (1 + fields) + " fields, not " + head.size());
        }
        noRecords(records);
    }

    private static void noRecords(List<List<Payload.Slice>> records) throws ProtocolException {
        if (!records.isEmpty()) {
            throw new ProtocolException(ErrorCode.WRONG_FIELD_COUNT, "this response has no list records");
        }
    }

    private static List<Response.Message> messages(List<List<Payload.Slice>> records) throws ProtocolException {
        List<Response.Message> out = new ArrayList<>(records.size());
        for (List<Payload.Slice> r : records) {
            Fields.expect("message record", r, MESSAGE_FIELDS);
            out.add(message(new Fields(r), 0));
        }
        return out;
    }

    /** A message's five fields from {@code at} on. */
    private static Response.Message message(Fields f, int at) throws ProtocolException {
        return new Response.Message(f.number(at, "message id"),
                Limits.checkUsername(f.text(at + 1, "sender")),
                Limits.checkRecipient(f.text(at + 2, "recipient")),
                f.number(at + 3, "timestamp"),
                Limits.checkBody(f.multiline(at + 4, "message"), Limits.BODY_MAX));
    }

    /**
     * SYNC's records by kind: a known kind needs at least its fields (later fields, added by a newer server, are
     * skipped), a kind this decoder does not know is skipped whole — so a newer server's events never break it.
     */
    private static Response.Events events(List<List<Payload.Slice>> records) throws ProtocolException {
        List<Response.Message> messages = new ArrayList<>();
        List<Response.Typing> typing = new ArrayList<>();
        for (List<Payload.Slice> r : records) {
            Fields f = new Fields(r);
            String kind = f.text(0, "kind");
            if (kind.equals(MESSAGE_KIND)) {
                atLeast("message record", r, 1 + MESSAGE_FIELDS);
                messages.add(message(f, 1));
            } else if (kind.equals(TYPING_KIND)) {
                atLeast("typing record", r, TYPING_FIELDS);
                typing.add(new Response.Typing(Limits.checkUsername(f.text(1, "from")),
                        Limits.checkRecipient(f.text(2, "conversation")), f.flag(3, "typing"), f.number(4, "expires in")));
            }
        }
        return new Response.Events(messages, typing);
    }

    private static void atLeast(String what, List<Payload.Slice> fields, int least) throws ProtocolException {
        if (fields.size() < least) {
            throw new ProtocolException(ErrorCode.WRONG_FIELD_COUNT, what + " has at least " + least + " fields, not " + fields.size());
        }
    }
}
