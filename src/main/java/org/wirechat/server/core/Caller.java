package org.wirechat.server.core;

import org.wirechat.server.auth.Tokens;

/** What the core may tell the connection a request came in on (the transport implements it). */
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
