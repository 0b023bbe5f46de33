package org.wirechat.protocol;

/**
 * Every request a client can send. Each variant is named after its operation; the codec's exhaustive
 * switches make a new variant fail to compile until it is encoded and decoded. Records that carry a
 * password or token redact it in {@code toString()}.
 */
public sealed interface Request {

    Opcode opcode();

    /** Liveness check; needs no login. */
    record Ping() implements Request {
        public Opcode opcode() {
            return Opcode.PING;
        }
    }

    /** What the server speaks and allows (versions, limits, features); needs no login. Added within v1. */
    record ServerInfo() implements Request {
        public Opcode opcode() {
            return Opcode.SERVER_INFO;
        }
    }

    record CreateAccount(String username, String fullName, String password) implements Request {
        public Opcode opcode() {
            return Opcode.CREATE_ACCOUNT;
        }

        @Override
        public String toString() {
            return "CreateAccount[username=" + username + ", fullName=" + fullName + ", password=<redacted>]";
        }
    }

    record Login(String username, String password) implements Request {
        public Opcode opcode() {
            return Opcode.LOGIN;
        }

        @Override
        public String toString() {
            return "Login[username=" + username + ", password=<redacted>]";
        }
    }

    /**
     * A login of one device of the account (added within v1): the token is bound to {@code deviceId}, which
     * has its own acknowledgement mark, so each device of an account receives every message.
     */
    record LoginDevice(String username, String password, String deviceId) implements Request {
        public Opcode opcode() {
            return Opcode.LOGIN_DEVICE;
        }

        @Override
        public String toString() {
            return "LoginDevice[username=" + username + ", password=<redacted>, deviceId=" + deviceId + "]";
        }
    }

    record Logout(String token) implements Request {
        public Opcode opcode() {
            return Opcode.LOGOUT;
        }

        @Override
        public String toString() {
            return "Logout[token=<redacted>]";
        }
    }

    /**
     * One page of accounts whose username or full name matches {@code pattern}, sorted by username
     * ignoring case. {@code cursor} is empty for the first page, else the previous page's next cursor.
     */
    record ListAccounts(String token, PatternMode mode, String pattern, String cursor, int limit) implements Request {
        public Opcode opcode() {
            return Opcode.LIST_ACCOUNTS;
        }

        @Override
        public String toString() {
            return "ListAccounts[token=<redacted>, mode=" + mode + ", pattern=" + pattern + ", cursor=" + cursor
                    + ", limit=" + limit + "]";
        }
    }

    /** Sends {@code body} to {@code recipient}; a retry with the same {@code clientMessageId} is stored once. */
    record Send(String token, String recipient, String clientMessageId, String body) implements Request {
        public Opcode opcode() {
            return Opcode.SEND;
        }

        @Override
        public String toString() {
            return "Send[token=<redacted>, recipient=" + recipient + ", clientMessageId=" + clientMessageId
                    + ", body=" + body.length() + " chars]";
        }
    }

    /**
     * Acknowledges every message with id &lt;= {@code ackThrough}, then returns up to {@code maxCount}
     * undelivered messages, waiting up to {@code maxWaitMillis} if there are none.
     */
    record Fetch(String token, long ackThrough, int maxCount, int maxWaitMillis) implements Request {
        public Opcode opcode() {
            return Opcode.FETCH;
        }

        @Override
        public String toString() {
            return "Fetch[token=<redacted>, ackThrough=" + ackThrough + ", maxCount=" + maxCount
                    + ", maxWaitMillis=" + maxWaitMillis + "]";
        }
    }

    /** FETCH's fields; answered with messages and live events ({@link Response.Events}). */
    record Sync(String token, long ackThrough, int maxCount, int maxWaitMillis) implements Request {
        public Opcode opcode() {
            return Opcode.SYNC;
        }

        @Override
        public String toString() {
            return "Sync[token=<redacted>, ackThrough=" + ackThrough + ", maxCount=" + maxCount
                    + ", maxWaitMillis=" + maxWaitMillis + "]";
        }
    }

    /** The caller is typing ({@code typing}) or stopped, in a conversation: a username or {@code #group}. */
    record Typing(String token, String conversation, boolean typing) implements Request {
        public Opcode opcode() {
            return Opcode.TYPING;
        }

        @Override
        public String toString() {
            return "Typing[token=<redacted>, conversation=" + conversation + ", typing=" + typing + "]";
        }
    }

    /**
     * The conversation with {@code peer}, both directions: up to {@code limit} messages with id below
     * {@code beforeId} (0: the newest), oldest first.
     */
    record History(String token, String peer, long beforeId, int limit) implements Request {
        public Opcode opcode() {
            return Opcode.HISTORY;
        }

        @Override
        public String toString() {
            return "History[token=<redacted>, peer=" + peer + ", beforeId=" + beforeId + ", limit=" + limit + "]";
        }
    }

    /**
     * Whether {@code peer} has acknowledged the caller's messages: the oldest the caller sent that the peer
     * has not (added within v1).
     */
    record Receipts(String token, String peer) implements Request {
        public Opcode opcode() {
            return Opcode.RECEIPTS;
        }

        @Override
        public String toString() {
            return "Receipts[token=<redacted>, peer=" + peer + "]";
        }
    }

    /** Turns the caller's delivery receipts on or off, both ways (added within v1). */
    record SetReceipts(String token, boolean on) implements Request {
        public Opcode opcode() {
            return Opcode.SET_RECEIPTS;
        }

        @Override
        public String toString() {
            return "SetReceipts[token=<redacted>, on=" + on + "]";
        }
    }

    record DeleteAccount(String token, String password) implements Request {
        public Opcode opcode() {
            return Opcode.DELETE_ACCOUNT;
        }

        @Override
        public String toString() {
            return "DeleteAccount[token=<redacted>, password=<redacted>]";
        }
    }

    /** Changes the caller's password; every other session of the account is logged out (added within v1). */
    record ChangePassword(String token, String currentPassword, String newPassword) implements Request {
        public Opcode opcode() {
            return Opcode.CHANGE_PASSWORD;
        }

        @Override
        public String toString() {
            return "ChangePassword[token=<redacted>, currentPassword=<redacted>, newPassword=<redacted>]";
        }
    }

    /** Changes the caller's full name (added within v1). */
    record SetFullName(String token, String fullName) implements Request {
        public Opcode opcode() {
            return Opcode.SET_FULL_NAME;
        }

        @Override
        public String toString() {
            return "SetFullName[token=<redacted>, fullName=" + fullName + "]";
        }
    }

    /**
     * The caller's messages whose words match {@code query} (docs/wire_design.md §5, SEARCH_MESSAGES): up to
     * {@code limit} with id below {@code beforeId} (0: the newest), newest first (added within v1).
     */
    record SearchMessages(String token, String query, long beforeId, int limit) implements Request {
        public Opcode opcode() {
            return Opcode.SEARCH_MESSAGES;
        }

        @Override
        public String toString() {
            return "SearchMessages[token=<redacted>, query=" + query + ", beforeId=" + beforeId + ", limit=" + limit + "]";
        }
    }

    /** Creates the group {@code group} ({@code #name}); the caller is its owner and first member (added within v1). */
    record GroupCreate(String token, String group) implements Request {
        public Opcode opcode() {
            return Opcode.GROUP_CREATE;
        }

        @Override
        public String toString() {
            return "GroupCreate[token=<redacted>, group=" + group + "]";
        }
    }

    /** Adds {@code username} to the group; any member may (added within v1). */
    record GroupAdd(String token, String group, String username) implements Request {
        public Opcode opcode() {
            return Opcode.GROUP_ADD;
        }

        @Override
        public String toString() {
            return "GroupAdd[token=<redacted>, group=" + group + ", username=" + username + "]";
        }
    }

    /** Removes {@code username} from the group; the owner only (added within v1). */
    record GroupRemove(String token, String group, String username) implements Request {
        public Opcode opcode() {
            return Opcode.GROUP_REMOVE;
        }

        @Override
        public String toString() {
            return "GroupRemove[token=<redacted>, group=" + group + ", username=" + username + "]";
        }
    }

    /** The caller leaves the group (added within v1). */
    record GroupLeave(String token, String group) implements Request {
        public Opcode opcode() {
            return Opcode.GROUP_LEAVE;
        }

        @Override
        public String toString() {
            return "GroupLeave[token=<redacted>, group=" + group + "]";
        }
    }

    /** Renames the group; the owner only (added within v1). */
    record GroupRename(String token, String group, String newName) implements Request {
        public Opcode opcode() {
            return Opcode.GROUP_RENAME;
        }

        @Override
        public String toString() {
            return "GroupRename[token=<redacted>, group=" + group + ", newName=" + newName + "]";
        }
    }

    /** The groups the caller is a member of (added within v1). */
    record GroupList(String token) implements Request {
        public Opcode opcode() {
            return Opcode.GROUP_LIST;
        }

        @Override
        public String toString() {
            return "GroupList[token=<redacted>]";
        }
    }

    /**
     * How many of the members a message of the caller's to the group reached have it (at least one device
     * acknowledged it), among those sharing receipts (added within v1).
     */
    record GroupReceipts(String token, String group, long messageId) implements Request {
        public Opcode opcode() {
            return Opcode.GROUP_RECEIPTS;
        }

        @Override
        public String toString() {
            return "GroupReceipts[token=<redacted>, group=" + group + ", messageId=" + messageId + "]";
        }
    }

    /** The caller's account's devices: each one's id, when it was last seen, whether it holds the account's messages (added within v1). */
    record ListDevices(String token) implements Request {
        public Opcode opcode() {
            return Opcode.LIST_DEVICES;
        }

        @Override
        public String toString() {
            return "ListDevices[token=<redacted>]";
        }
    }

    /** The members of a group the caller is in (added within v1). */
    record GroupMembers(String token, String group) implements Request {
        public Opcode opcode() {
            return Opcode.GROUP_MEMBERS;
        }

        @Override
        public String toString() {
            return "GroupMembers[token=<redacted>, group=" + group + "]";
        }
    }
}
