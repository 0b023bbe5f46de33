package org.wirechat.server.core;

import org.wirechat.server.core.auth.Tokens;
import org.wirechat.server.core.admission.Connection;

/**
 * What the transport knows of one request: the connection it came in on (its address, the accounts it holds
 * online), its memory of the token ({@link Tokens.Memo}: its connection's, a wire connection's or a gRPC
 * connection's, whose calls share it from several threads at once) and the token the request carried ("" if none).
 */
public record Call(Connection connection, Tokens.Memo tokenMemo, String token) {
    @Override
    public String toString() {
        return "Call[address=" + connection.address() + ", token=<redacted>]";
    }
}
