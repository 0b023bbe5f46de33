package org.wirechat.bench;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.wirechat.client.Connection;
import org.wirechat.protocol.ErrorCode;
import org.wirechat.protocol.Request;
import org.wirechat.protocol.Response;

/** Creates and logs in benchmark users, a few connections at a time. */
final class Users {
    static final String PASSWORD = "benchmark password";

    private Users() {
    }

    static Connection connect(InetSocketAddress at) throws IOException {
        return Connection.open(at.getHostString(), at.getPort(), Duration.ofSeconds(10));
    }

    /** Creates users PREFIX0..PREFIX(n-1) and returns their tokens, in order. */
    static List<String> create(InetSocketAddress at, String prefix, int n) throws Exception {
        int lanes = Math.min(16, n);
        String[] tokens = new String[n];
        try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<Void>> work = new ArrayList<>();
            for (int lane = 0; lane < lanes; lane++) {
                int first = lane;
                work.add(threads.submit(() -> {
                    try (Connection c = connect(at)) {
                        for (int i = first; i < n; i += lanes) {
                            String name = prefix + i;
                            Response r = c.call(new Request.CreateAccount(name, "Bench " + name, PASSWORD));
                            if (!(r instanceof Response.AccountCreated) && !(r instanceof Response.Error e
                                    && e.code() == ErrorCode.USERNAME_TAKEN)) {
                                throw new IllegalStateException("creating " + name + ": " + r);
                            }
                            tokens[i] = login(c, name);
                        }
                    }
                    return null;
                }));
            }
            for (Future<Void> f : work) {
                f.get();
            }
        }
        return List.of(tokens);
    }

    /** Logs each of these users in as the device {@code device} (LOGIN_DEVICE) and returns the tokens, in order. */
    static List<String> loginDevice(InetSocketAddress at, List<String> names, String device) throws IOException {
        List<String> tokens = new ArrayList<>(names.size());
        try (Connection c = connect(at)) {
            for (String name : names) {
                Response r = c.call(new Request.LoginDevice(name, PASSWORD, device));
                if (!(r instanceof Response.DeviceLoggedIn in)) {
                    throw new IllegalStateException("login of " + name + " as " + device + ": " + r);
                }
                tokens.add(in.token());
            }
        }
        return tokens;
    }

    static String login(Connection c, String name) throws IOException {
        Response r = c.call(new Request.Login(name, PASSWORD));
        if (!(r instanceof Response.LoggedIn in)) {
            throw new IllegalStateException("login of " + name + ": " + r);
        }
        return in.token();
    }
}
