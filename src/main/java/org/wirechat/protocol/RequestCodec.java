package org.wirechat.protocol;

import java.util.List;

/** Encodes requests into frames and decodes frames into requests, enforcing every syntactic limit. */
public final class RequestCodec {
    private RequestCodec() {
    }

    /**
     * @throws IllegalArgumentException a field holds a character that cannot be sent (a control
     *     character): check with {@link Limits} first
     */
    public static Frame encode(int requestId, Request request) {
        Payload.Writer w = new Payload.Writer();
        switch (request) {
            case Request.Ping p -> { }
            case Request.ServerInfo i -> { }
            case Request.CreateAccount c -> w.field(c.username()).field(c.fullName()).field(c.password());
            case Request.Login l -> w.field(l.username()).field(l.password());
            case Request.LoginDevice l -> w.field(l.username()).field(l.password()).field(l.deviceId());
            case Request.Logout l -> w.field(l.token());
            case Request.ListAccounts l ->
                    w.field(l.token()).field(l.mode().wire()).field(l.pattern()).field(l.cursor()).field(l.limit());
            case Request.Send s -> w.field(s.token()).field(s.recipient()).field(s.clientMessageId()).field(s.body(), true);
            case Request.Fetch f -> w.field(f.token()).field(f.ackThrough()).field(f.maxCount()).field(f.maxWaitMillis());
            case Request.Sync f -> w.field(f.token()).field(f.ackThrough()).field(f.maxCount()).field(f.maxWaitMillis());
            case Request.Typing t -> w.field(t.token()).field(t.conversation()).field(t.typing() ? 1 : 0);
            case Request.History h -> w.field(h.token()).field(h.peer()).field(h.beforeId()).field(h.limit());
            case Request.DeleteAccount d -> w.field(d.token()).field(d.password());
            case Request.Receipts r -> w.field(r.token()).field(r.peer());
            case Request.SetReceipts r -> w.field(r.token()).field(r.on() ? 1 : 0);
            case Request.GroupCreate g -> w.field(g.token()).field(g.group());
            case Request.GroupAdd g -> w.field(g.token()).field(g.group()).field(g.username());
            case Request.GroupRemove g -> w.field(g.token()).field(g.group()).field(g.username());
            case Request.GroupLeave g -> w.field(g.token()).field(g.group());
            case Request.GroupRename g -> w.field(g.token()).field(g.group()).field(g.newName());
            case Request.GroupList g -> w.field(g.token());
            case Request.ListDevices d -> w.field(d.token());
            case Request.ChangePassword c -> w.field(c.token()).field(c.currentPassword()).field(c.newPassword());
            case Request.SetFullName n -> w.field(n.token()).field(n.fullName());
            case Request.SearchMessages q -> w.field(q.token()).field(q.query()).field(q.beforeId()).field(q.limit());
            case Request.GroupMembers g -> w.field(g.token()).field(g.group());
            case Request.GroupReceipts g -> w.field(g.token()).field(g.group()).field(g.messageId());
        }
        return new Frame(Frame.VERSION_1, request.opcode().wire(), requestId, w.toBytes());
    }

    /**
     * Decodes a request frame. Checks, in this order: the opcode, the field count, then each field in
     * order (UTF-8, control characters, then the field's own rules).
     */
    public static Request decode(Frame frame) throws ProtocolException {
        Opcode op = Opcode.ofRequest(frame.opcode());
        if (op == null) {
            throw new ProtocolException(ErrorCode.UNKNOWN_OPCODE,
                    String.format("opcode 0x%02X is not a request this server knows", frame.opcode()));
        }
        byte[] p = frame.payload();
        List<List<Payload.Slice>> groups = Payload.split(p, 0, p.length, false);
        List<Payload.Slice> slices = groups.isEmpty() ? List.of() : groups.get(0);
        Fields.expect(op.name(), slices, op.requestFields());
        Fields f = new Fields(slices);
        return switch (op) {
            case PING -> new Request.Ping();
            case SERVER_INFO -> new Request.ServerInfo();
            case CREATE_ACCOUNT -> new Request.CreateAccount(
                    Limits.checkUsername(f.text(0, "username")),
                    Limits.checkFullName(f.text(1, "full name")),
                    Limits.checkPassword(f.text(2, "password")));
            case LOGIN -> new Request.Login(
                    Limits.checkUsername(f.text(0, "username")),
                    Limits.checkPassword(f.text(1, "password")));
            case LOGIN_DEVICE -> new Request.LoginDevice(
                    Limits.checkUsername(f.text(0, "username")),
                    Limits.checkPassword(f.text(1, "password")),
                    Limits.checkDeviceId(f.text(2, "device id")));
            case LOGOUT -> new Request.Logout(token(f));
            case LIST_ACCOUNTS -> new Request.ListAccounts(
                    token(f),
                    PatternMode.fromWire(f.text(1, "pattern mode")),
                    Limits.checkPattern(f.text(2, "pattern")),
                    Limits.checkCursor(f.text(3, "cursor")),
                    f.bounded(4, "limit", 1, Limits.PAGE_MAX));
            case SEND -> new Request.Send(
                    token(f),
                    Limits.checkRecipient(f.text(1, "recipient")),
                    Limits.checkClientMessageId(f.text(2, "client message id")),
                    Limits.checkBody(f.multiline(3, "message"), Limits.BODY_MAX));
            case FETCH -> new Request.Fetch(
                    token(f),
                    f.number(1, "acknowledge-through id"),
                    f.bounded(2, "max count", 1, Limits.FETCH_COUNT_MAX),
                    f.bounded(3, "max wait", 0, Limits.FETCH_WAIT_MAX_MILLIS));
            case SYNC -> new Request.Sync(
                    token(f),
                    f.number(1, "acknowledge-through id"),
                    f.bounded(2, "max count", 1, Limits.FETCH_COUNT_MAX),
                    f.bounded(3, "max wait", 0, Limits.FETCH_WAIT_MAX_MILLIS));
            case TYPING -> new Request.Typing(token(f), Limits.checkRecipient(f.text(1, "conversation")), f.flag(2, "typing"));
            case HISTORY -> new Request.History(
                    token(f),
                    Limits.checkRecipient(f.text(1, "peer")),
                    f.number(2, "before id"),
                    f.bounded(3, "limit", 1, Limits.PAGE_MAX));
            case DELETE_ACCOUNT -> new Request.DeleteAccount(
                    token(f),
                    Limits.checkPassword(f.text(1, "password")));
            case RECEIPTS -> new Request.Receipts(
                    token(f),
                    Limits.checkUsername(f.text(1, "peer")));
            case SET_RECEIPTS -> new Request.SetReceipts(token(f), f.flag(1, "receipts"));
            case GROUP_CREATE -> new Request.GroupCreate(token(f), Limits.checkGroupName(f.text(1, "group")));
            case GROUP_ADD -> new Request.GroupAdd(token(f), Limits.checkGroupName(f.text(1, "group")),
                    Limits.checkUsername(f.text(2, "username")));
            case GROUP_REMOVE -> new Request.GroupRemove(token(f), Limits.checkGroupName(f.text(1, "group")),
                    Limits.checkUsername(f.text(2, "username")));
            case GROUP_LEAVE -> new Request.GroupLeave(token(f), Limits.checkGroupName(f.text(1, "group")));
            case GROUP_RENAME -> new Request.GroupRename(token(f), Limits.checkGroupName(f.text(1, "group")),
                    Limits.checkGroupName(f.text(2, "new name")));
            case GROUP_LIST -> new Request.GroupList(token(f));
            case LIST_DEVICES -> new Request.ListDevices(token(f));
            case CHANGE_PASSWORD -> new Request.ChangePassword(token(f), Limits.checkPassword(f.text(1, "current password")),
                    Limits.checkPassword(f.text(2, "new password")));
            case SET_FULL_NAME -> new Request.SetFullName(token(f), Limits.checkFullName(f.text(1, "full name")));
            case SEARCH_MESSAGES -> new Request.SearchMessages(token(f), Limits.checkSearchQuery(f.text(1, "query")),
                    f.number(2, "before id"), f.bounded(3, "limit", 1, Limits.PAGE_MAX));
            case GROUP_MEMBERS -> new Request.GroupMembers(token(f), Limits.checkGroupName(f.text(1, "group")));
            case GROUP_RECEIPTS -> new Request.GroupReceipts(token(f), Limits.checkGroupName(f.text(1, "group")),
                    f.number(2, "message id"));
        };
    }

    private static String token(Fields f) throws ProtocolException {
        return Limits.checkToken(f.text(0, "token"));
    }
}
