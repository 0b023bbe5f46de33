package org.wirechat.bench;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.wirechat.client.Connection;

/** A burst of logins from several connections at once. */
final class Logins {
    private Logins() {
    }

    static Figures run(InetSocketAddress at, int logins, int connections, String hashParameters) throws Exception {
        Users.create(at, "burst", connections);
        long start = System.nanoTime();
        try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<Void>> work = new ArrayList<>();
            for (int c = 0; c < connections; c++) {
                String name = "burst" + c;
                int n = logins / connections;
                work.add(threads.submit(() -> {
                    try (Connection conn = Users.connect(at)) {
                        for (int i = 0; i < n; i++) {
                            Users.login(conn, name);
                        }
                    }
                    return null;
                }));
            }
            for (Future<Void> f : work) {
                f.get();
            }
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        int done = (logins / connections) * connections;
        return Figures.rate("login", "wirechat", done + " from " + connections + " conns", done / seconds, "logins/s",
                "password hash: " + hashParameters);
    }
}
