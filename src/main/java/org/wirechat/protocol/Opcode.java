package org.wirechat.protocol;

/**
 * Request opcodes. A successful response carries {@code opcode | 0x80}; every error response carries
 * {@link #ERROR_RESPONSE}. Opcodes 0x1C–0x7E are free for future operations; 0x7F is reserved.
 */
public enum Opcode {
    PING(0x01, 0),
    CREATE_ACCOUNT(0x02, 3),
    LOGIN(0x03, 2),
    LOGOUT(0x04, 1),
    LIST_ACCOUNTS(0x05, 5),
    SEND(0x06, 4),
    FETCH(0x07, 4),
    HISTORY(0x08, 4),
    DELETE_ACCOUNT(0x09, 2),
    SERVER_INFO(0x0A, 0),
    RECEIPTS(0x0B, 2),
    SET_RECEIPTS(0x0C, 2),
    LOGIN_DEVICE(0x0D, 3),
    GROUP_CREATE(0x0E, 2),
    GROUP_ADD(0x0F, 3),
    GROUP_REMOVE(0x10, 3),
    GROUP_LEAVE(0x11, 2),
    GROUP_RENAME(0x12, 3),
    GROUP_LIST(0x13, 1),
    GROUP_MEMBERS(0x14, 2),
    GROUP_RECEIPTS(0x15, 3),
    LIST_DEVICES(0x16, 1),
    CHANGE_PASSWORD(0x17, 3),
    SET_FULL_NAME(0x18, 2),
    SYNC(0x19, 4),
    SEARCH_MESSAGES(0x1A, 4),
    TYPING(0x1B, 3);

    /** The opcode of every error response, whatever the request was. */
    public static final int ERROR_RESPONSE = 0xFF;
    /** Added to a request opcode to form the opcode of its successful response. */
    public static final int RESPONSE_BIT = 0x80;

    private static final Opcode[] BY_WIRE = new Opcode[0x80];

    static {
        for (Opcode op : values()) {
            BY_WIRE[op.wire] = op;
        }
    }

    private final int wire;
    private final int requestFields;

    Opcode(int wire, int requestFields) {
        this.wire = wire;
        this.requestFields = requestFields;
    }

    public int wire() {
        return wire;
    }

    public int responseWire() {
        return wire | RESPONSE_BIT;
    }

    /** How many fields the request payload has. */
    int requestFields() {
        return requestFields;
    }

    /** The request opcode with this wire number, or {@code null} if there is none. */
    public static Opcode ofRequest(int wire) {
        return wire >= 0 && wire < BY_WIRE.length ? BY_WIRE[wire] : null;
    }

    /** The request opcode whose successful response has this wire number, or {@code null}. */
    public static Opcode ofResponse(int wire) {
        return (wire & RESPONSE_BIT) != 0 ? ofRequest(wire & ~RESPONSE_BIT) : null;
    }
}
