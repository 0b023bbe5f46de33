package org.wirechat.server.core;

import org.wirechat.server.core.auth.Tokens;
import org.wirechat.server.core.admission.Connection;

/**
 * Who asks, once {@link Chat} has checked the operation's login: the call and, for an operation that needs a
 * login, the token's account and device ({@code session} is null for an operation usable before login), and
 * what the operation's rate class lets its handler take ({@link Permit}).
 */
public record Asker(Call call, Tokens.Session session, Permit permit) {
    public Connection connection() {
        return call.connection();
    }

    public String address() {
        return call.connection().address();
    }

    public String token() {
        return call.token();
    }

    public long accountId() {
        return session.accountId();
    }

    public String device() {
        return session.device();
    }

    @Override
    public String toString() {
        return "Asker[" + address() + (session == null ? "" : ", account " + session.accountId()) + "]";
    }
}
