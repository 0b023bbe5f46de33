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

    /**
     * Gives each of these users (LOGIN tokens in {@code tokens}, in the same order) a second device: logs each
     * in as the device {@code device} (LOGIN_DEVICE) and returns those tokens, in order. First each user's
     * default device is made to hold the account's messages, which it does only from its first
     * acknowledgement (docs/wire_design.md, LOGIN_DEVICE): it sends itself a message and acknowledges it. Until
     * then it is handed only what another device still waits for, so the new device, acknowledging at once,
     * would take messages from it. Checks that both devices hold and the new one has nothing unread.
     */
    static List<String> addDevice(InetSocketAddress at, List<String> names, List<String> tokens, String device)
            throws IOException {
        List<String> added = new ArrayList<>(names.size());
        try (Connection c = connect(at)) {
            for (int i = 0; i < names.size(); i++) {
                String name = names.get(i);
                String token = tokens.get(i);
                if (!(c.call(new Request.Send(token, name, "first-" + device, "first")) instanceof Response.Sent sent)
                        || !(c.call(new Request.Fetch(token, sent.messageId(), 1, 0)) instanceof Response.Messages)) {
                    throw new IllegalStateException("the default device of " + name + " did not acknowledge a message");
                }
                Response r = c.call(new Request.LoginDevice(name, PASSWORD, device));
                if (!(r instanceof Response.DeviceLoggedIn in) || in.unread() != 0) {
                    throw new IllegalStateException("login of " + name + " as " + device + ": " + r + " (expected nothing unread)");
                }
                Response listed = c.call(new Request.ListDevices(in.token()));
                if (!(listed instanceof Response.Devices d) || d.devices().size() != 2
                        || !d.devices().stream().allMatch(Response.Device::holds)) {
                    throw new IllegalStateException("devices of " + name + ": " + listed + " (expected two, both holding)");
                }
                added.add(in.token());
            }
        }
        return added;
    }

    static String login(Connection c, String name) throws IOException {
        Response r = c.call(new Request.Login(name, PASSWORD));
        if (!(r instanceof Response.LoggedIn in)) {
            throw new IllegalStateException("login of " + name + ": " + r);
        }
        return in.token();
    }
}
