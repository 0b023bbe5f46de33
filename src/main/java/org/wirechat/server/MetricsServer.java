package org.wirechat.server;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.prometheus.metrics.exporter.httpserver.MetricsHandler;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;

/**
 * The operator's HTTP port: {@code /metrics} in the Prometheus text format, {@code /health/live} (200
 * while the server runs) and {@code /health/ready} (200 when it can serve: the store takes writes and,
 * with PostgreSQL, the database answers and the notification connection is up; 503 with the reason
 * otherwise). Plain HTTP, bound to loopback unless told otherwise: it says nothing secret, but it is no
 * business of the internet's.
 */
final class MetricsServer implements AutoCloseable {
    /**
     * How long a connection may take to send its request, and to read the answer: a slow client (one that
     * trickles its request line, a slow-loris) is cut then. The JDK's server reads these once, as system
     * properties ({@code sun.net.httpserver.maxReqTime}, {@code maxRspTime}, in seconds; an operator's own
     * {@code -D} wins), and checks them once a second.
     */
    static final Duration REQUEST_DEADLINE = Duration.ofSeconds(10);
    static final Duration RESPONSE_DEADLINE = Duration.ofSeconds(10);

    static {
        System.getProperties().putIfAbsent("sun.net.httpserver.maxReqTime", String.valueOf(REQUEST_DEADLINE.toSeconds()));
        System.getProperties().putIfAbsent("sun.net.httpserver.maxRspTime", String.valueOf(RESPONSE_DEADLINE.toSeconds()));
    }

    private final HttpServer http;
    private final ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor();

    /** {@code notReady}: why the server cannot serve now, or {@code null}; {@code live}: whether it still runs. */
    MetricsServer(InetSocketAddress at, ServerMetrics metrics, Supplier<Boolean> live, Supplier<String> notReady)
            throws IOException {
        http = HttpServer.create(at, 64);
        http.createContext("/metrics", new MetricsHandler(metrics.registry()));
        http.createContext("/health/live", x -> answer(x, live.get() ? 200 : 503, live.get() ? "live" : "stopped"));
        http.createContext("/health/ready", x -> {
            String why = notReady.get();
            answer(x, why == null ? 200 : 503, why == null ? "ready" : "not ready: " + why);
        });
        http.createContext("/", x -> answer(x, 404, "not found: /metrics, /health/live or /health/ready"));
        http.setExecutor(threads);
        http.start();
    }

    InetSocketAddress address() {
        return http.getAddress();
    }

    private static void answer(HttpExchange x, int status, String text) throws IOException {
        byte[] body = (text + "\n").getBytes(StandardCharsets.UTF_8);
        x.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
        x.getResponseHeaders().set("Cache-Control", "no-store");
        boolean head = "HEAD".equals(x.getRequestMethod());
        x.sendResponseHeaders(status, head ? -1 : body.length);
        if (!head) {
            try (OutputStream out = x.getResponseBody()) {
                out.write(body);
            }
        }
        x.close();
    }

    @Override
    public void close() {
        http.stop(0);
        threads.shutdownNow();
    }
}
