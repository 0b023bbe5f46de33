package org.wirechat.bench;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.wirechat.client.Connection;
import org.wirechat.protocol.Request;

/**
 * Many idle clients, each logged in with a FETCH pending: the server's memory per connection, and the
 * latency of one active pair while they sit there (against the same pair with nobody idle).
 */
final class Idle {
    private Idle() {
    }

    static List<Figures> run(InetSocketAddress at, int clients, long serverPid) throws Exception {
        List<String> pairTokens = Users.create(at, "lonelya", 1);
        List<String> pair = new ArrayList<>(pairTokens);
        pair.addAll(Users.create(at, "lonelyb", 1));
        List<String> ordered = List.of(pair.get(0), pair.get(1));
        Figures quiet = Pairs.wirechat(at, "lonely", 1, 2000, 4, ordered);
        long rssBefore = rssKib(serverPid);
        long heapBefore = heapUsedKib(serverPid);

        List<String> tokens = Users.create(at, "idle", clients);
        List<Connection> open = new ArrayList<>(clients);
        CountDownLatch polling = new CountDownLatch(clients);
        for (String token : tokens) {
            Connection c = Users.connect(at);
            open.add(c);
            Thread.ofVirtual().start(() -> {
                polling.countDown();
                try {
                    while (true) {
                        c.call(new Request.Fetch(token, 0, 100, 30_000)); // nothing ever arrives
                    }
                } catch (IOException e) {
                    // closed at the end
                }
            });
        }
        polling.await(5, TimeUnit.MINUTES);
        Thread.sleep(3_000); // let every FETCH reach the server and park (a benchmark, not a test)
        long rss = rssKib(serverPid);
        long heap = heapUsedKib(serverPid);
        Figures busy = Pairs.wirechat(at, "lonely", 1, 2000, 4, ordered);
        for (Connection c : open) {
            c.close();
        }
        String perConnection = String.format("server heap %d MiB (%+.1f KiB a connection), RSS %d MiB (%+.1f KiB a connection)",
                heap / 1024, (heap - heapBefore) / (double) clients, rss / 1024, (rss - rssBefore) / (double) clients);
        return List.of(
                new Figures("idle-pair", "wirechat", "1x2000 W=4, 0 idle", quiet.perSecond(), "msg/s", quiet.p50Micros(),
                        quiet.p99Micros(), quiet.maxMicros(), ""),
                new Figures("idle-pair", "wirechat", "1x2000 W=4, " + clients + " idle", busy.perSecond(), "msg/s",
                        busy.p50Micros(), busy.p99Micros(), busy.maxMicros(),
                        perConnection + String.format("; p99 ratio %.2f", busy.p99Micros() / quiet.p99Micros())));
    }

    static long rssKib(long pid) throws IOException {
        if (pid <= 0) {
            return -1;
        }
        for (String line : Files.readAllLines(Path.of("/proc", String.valueOf(pid), "status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        return -1;
    }

    /** Heap in use after a full GC, from jcmd (the JDK's own tool). */
    static long heapUsedKib(long pid) throws Exception {
        if (pid <= 0) {
            return -1;
        }
        String jcmd = Path.of(System.getProperty("java.home"), "bin", "jcmd").toString();
        new ProcessBuilder(jcmd, String.valueOf(pid), "GC.run").redirectErrorStream(true).start().waitFor();
        Process p = new ProcessBuilder(jcmd, String.valueOf(pid), "GC.heap_info").redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        p.waitFor();
        Matcher m = Pattern.compile("used (\\d+)K").matcher(out);
        return m.find() ? Long.parseLong(m.group(1)) : -1;
    }
}
