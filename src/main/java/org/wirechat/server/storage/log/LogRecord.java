package org.wirechat.server.storage.log;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32C;

/**
 * What the message log holds. On disk each record is {@code u32 length, u32 CRC32C of the length,
 * u32 CRC32C of the rest, u8 type, payload} (big-endian; the length counts the type and payload). The
 * length has a check of its own so that a damaged length is never taken for a write cut short; see
 * {@code docs/storage_design.md}.
 */
public sealed interface LogRecord {
    byte MESSAGE = 1;
    byte ACK = 2;
    byte DEVICE_ACK = 3;
    /** A {@link Message} whose sender's other devices get a copy: {@code MESSAGE}'s fields, then the sending device. */
    byte MESSAGE_COPIED = 4;

    /**
     * A stored message: its id is its place in the log's order. {@code fromDevice}: the sender's device it
     * was sent from, when the sender's other devices get a copy of it ({@code ""}: the default device);
     * null when they do not (written as {@code MESSAGE}, as before copies existed).
     */
    record Message(long id, long senderId, long recipientId, long timeMillis, String clientId, String body, String fromDevice)
            implements LogRecord {
        public Message(long id, long senderId, long recipientId, long timeMillis, String clientId, String body) {
            this(id, senderId, recipientId, timeMillis, clientId, body, null);
        }
    }

    /**
     * The account has received every message to it with id &lt;= {@code throughId}: the account's floor,
     * below which no device of it still waits for anything.
     */
    record Ack(long accountId, long throughId) implements LogRecord {
    }

    /**
     * One device of the account has received every message to the account with id &lt;= {@code throughId};
     * it was last active at {@code activeMillis}. {@code device} is empty for the account's default device.
     */
    record DeviceAck(long accountId, long throughId, long activeMillis, String device) implements LogRecord {
    }

    /** Bytes before the type: the length and the two CRCs. */
    int HEADER_BYTES = 12;

    /** Appends the record, framed, to {@code out}, growing it as needed; returns the buffer written to. */
    static ByteBuffer encode(LogRecord r, ByteBuffer out) {
        byte[] clientId = null;
        byte[] body = null;
        byte[] device = null;
        int payload;
        switch (r) {
            case Message m -> {
                clientId = m.clientId().getBytes(StandardCharsets.UTF_8);
                body = m.body().getBytes(StandardCharsets.UTF_8);
                payload = 32 + 2 + clientId.length + 4 + body.length;
                if (m.fromDevice() != null) {
                    device = m.fromDevice().getBytes(StandardCharsets.UTF_8);
                    payload += 2 + device.length;
                }
            }
            case Ack a -> payload = 16;
            case DeviceAck d -> {
                clientId = d.device().getBytes(StandardCharsets.UTF_8);
                payload = 24 + 2 + clientId.length;
            }
        }
        if (out.remaining() < HEADER_BYTES + 1 + payload) {
            ByteBuffer bigger = ByteBuffer.allocateDirect(Math.max(out.capacity() * 2, out.position() + HEADER_BYTES + 1 + payload));
            out.flip();
            bigger.put(out);
            out = bigger;
        }
        int start = out.position();
        out.putInt(1 + payload).putInt(lengthCheck(1 + payload)).putInt(0);
        switch (r) {
            case Message m -> {
                out.put(device == null ? MESSAGE : MESSAGE_COPIED)
                        .putLong(m.id()).putLong(m.senderId()).putLong(m.recipientId()).putLong(m.timeMillis());
                out.putShort((short) clientId.length).put(clientId);
                out.putInt(body.length).put(body);
                if (device != null) {
                    out.putShort((short) device.length).put(device);
                }
            }
            case Ack a -> out.put(ACK).putLong(a.accountId()).putLong(a.throughId());
            case DeviceAck d -> out.put(DEVICE_ACK).putLong(d.accountId()).putLong(d.throughId()).putLong(d.activeMillis())
                    .putShort((short) clientId.length).put(clientId);
        }
        out.putInt(start + 8, crc(out.duplicate().limit(out.position()).position(start + HEADER_BYTES)));
        return out;
    }

    /** The CRC32C of the bytes between the buffer's position and limit. */
    static int crc(ByteBuffer bytes) {
        CRC32C crc = new CRC32C();
        crc.update(bytes);
        return (int) crc.getValue();
    }

    /** The check stored after a record's length. */
    static int lengthCheck(int length) {
        return crc(ByteBuffer.allocate(4).putInt(0, length));
    }

    /**
     * Decodes the type and payload ({@code bytes}, already checked against its CRC).
     *
     * @throws IllegalArgumentException the bytes are not a record of a known type
     */
    static LogRecord decode(ByteBuffer bytes) {
        try {
            byte type = bytes.get();
            LogRecord r = switch (type) {
                case MESSAGE, MESSAGE_COPIED -> {
                    long id = bytes.getLong();
                    long sender = bytes.getLong();
                    long recipient = bytes.getLong();
                    long time = bytes.getLong();
                    String clientId = string(bytes, Short.toUnsignedInt(bytes.getShort()));
                    String body = string(bytes, bytes.getInt());
                    String device = type == MESSAGE ? null : string(bytes, Short.toUnsignedInt(bytes.getShort()));
                    yield new Message(id, sender, recipient, time, clientId, body, device);
                }
                case ACK -> new Ack(bytes.getLong(), bytes.getLong());
                case DEVICE_ACK -> {
                    long account = bytes.getLong();
                    long through = bytes.getLong();
                    long active = bytes.getLong();
                    yield new DeviceAck(account, through, active, string(bytes, Short.toUnsignedInt(bytes.getShort())));
                }
                default -> throw new IllegalArgumentException("unknown record type " + type);
            };
            if (bytes.hasRemaining()) {
                throw new IllegalArgumentException(bytes.remaining() + " bytes after the record");
            }
            return r;
        } catch (BufferUnderflowException e) {
            throw new IllegalArgumentException("record shorter than its fields", e);
        }
    }

    private static String string(ByteBuffer bytes, int length) {
        if (length < 0 || length > bytes.remaining()) {
            throw new IllegalArgumentException("field length " + length + " past the record's end");
        }
        byte[] b = new byte[length];
        bytes.get(b);
        return new String(b, StandardCharsets.UTF_8);
    }
}
