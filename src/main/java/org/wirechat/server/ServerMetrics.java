package org.wirechat.server;

import io.prometheus.metrics.core.datapoints.DistributionDataPoint;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.Unit;
import java.util.function.LongSupplier;
import org.wirechat.protocol.ErrorCode;
import org.wirechat.protocol.Opcode;
import org.wirechat.protocol.Response;
import org.wirechat.server.core.auth.Tokens;
import org.wirechat.server.core.port.Storage;

/**
 * The server's metrics in the Prometheus format (the official client), or nothing at all when they are
 * off ({@link #OFF}: every method returns at once). On the hot path one request costs a histogram
 * observation on a data point looked up once per operation, and a counter for what it stored or
 * delivered; everything else (connections, the log's group commits, the inboxes, the JVM) is read when
 * scraped. Thread-safe.
 */
public final class ServerMetrics {
    public static final ServerMetrics OFF = new ServerMetrics();

    private final PrometheusRegistry registry;
    private final Histogram requests;
    /** The "ok" data point of each request opcode, by wire number (errors are rarer, and looked up). */
    private final DistributionDataPoint[] ok;
    private final Counter sent;
    private final Counter delivered;
    private final Counter accepted;
    private final Counter refused;

    private ServerMetrics() {
        registry = null;
        requests = null;
        ok = null;
        sent = null;
        delivered = null;
        accepted = null;
        refused = null;
    }

    /** Metrics registered in a registry of their own, JVM metrics included. */
    ServerMetrics(Storage store, Tokens tokens, LongSupplier openConnections) {
        registry = new PrometheusRegistry();
        requests = Histogram.builder().name("wirechat_request_duration_seconds")
                .help("Requests by operation and outcome (ok, or the error code), from the request read (a frame, or a gRPC"
                        + " call) to the answer ready; a FETCH includes its long-poll wait")
                .unit(Unit.SECONDS).labelNames("op", "outcome")
                .classicUpperBounds(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)
                .register(registry);
        ok = new DistributionDataPoint[Opcode.ERROR_RESPONSE];
        for (Opcode op : Opcode.values()) {
            int wire = op.wire();
            if (wire >= 0 && wire < ok.length) {
                ok[wire] = requests.labelValues(op.name(), "ok");
            }
        }
        sent = Counter.builder().name("wirechat_messages_sent_total")
                .help("SENDs answered 'sent' (a retry of a stored message counts again)").register(registry);
        delivered = Counter.builder().name("wirechat_messages_delivered_total")
                .help("Messages handed to clients by FETCH or pushed by gRPC's Subscribe (a message handed over again before"
                        + " its acknowledgement counts again)")
                .register(registry);
        accepted = Counter.builder().name("wirechat_connections_accepted_total").help("Connections accepted").register(registry);
        refused = Counter.builder().name("wirechat_connections_refused_total")
                .help("Connections refused at once, by reason").labelNames("reason").register(registry);
        GaugeWithCallback.builder().name("wirechat_connections_open").help("Connections open now")
                .callback(cb -> cb.call(openConnections.getAsLong())).register(registry);
        if (store.undeliveredTotal().isPresent()) {
            GaugeWithCallback.builder().name("wirechat_messages_undelivered").help("Messages waiting to be delivered")
                    .callback(cb -> cb.call(store.undeliveredTotal().orElse(0))).register(registry);
        }
        if (store.commitStats().isPresent()) {
            CounterWithCallback.builder().name("wirechat_commits_total")
                    .help("Group commits: of the message log (SQLite mode), or of the writer's transactions (PostgreSQL)")
                    .callback(cb -> cb.call(store.commitStats().orElseThrow().commits())).register(registry);
            CounterWithCallback.builder().name("wirechat_committed_records_total")
                    .help("What those commits held (messages, acknowledgements, deletions); divided by the commits: the batch size")
                    .callback(cb -> cb.call(store.commitStats().orElseThrow().records())).register(registry);
            CounterWithCallback.builder().name("wirechat_commit_seconds_total")
                    .help("Time the commits took (the log: write and fdatasync; PostgreSQL: the transaction); divided by"
                            + " the commits: the commit latency")
                    .unit(Unit.SECONDS)
                    .callback(cb -> cb.call(store.commitStats().orElseThrow().writeNanos() / 1e9)).register(registry);
        }
        GaugeWithCallback.builder().name("wirechat_storage_fault").help("1 while the store refuses writes (disk full, I/O error, unreachable)")
                .callback(cb -> cb.call(store.storageFault().isPresent() ? 1 : 0)).register(registry);
        CounterWithCallback.builder().name("wirechat_token_lookups_total").help("Tokens checked (one a request that carries one)")
                .callback(cb -> cb.call(tokens.lookups())).register(registry);
        CounterWithCallback.builder().name("wirechat_token_store_reads_total")
                .help("Token checks the cache could not answer, so the store was read; lookups minus these are cache hits")
                .callback(cb -> cb.call(tokens.storeReads())).register(registry);
        JvmMetrics.builder().register(registry);
    }

    public boolean on() {
        return registry != null;
    }

    PrometheusRegistry registry() {
        return registry;
    }

    /** A request with this wire opcode was answered {@code r}, {@code nanos} after its frame was read. */
    public void answered(int opcode, Response r, long nanos) {
        if (r instanceof Response.Error e) {
            refused(opcode, e.code(), nanos);
        } else {
            answered(opcode, r instanceof Response.Sent, r instanceof Response.Messages m ? m.messages().size() : 0, nanos);
        }
    }

    /** A request with this wire opcode was refused with {@code error}, {@code nanos} after it came. */
    public void refused(int opcode, ErrorCode error, long nanos) {
        if (registry == null) {
            return;
        }
        Opcode op = Opcode.ofRequest(opcode);
        requests.labelValues(op == null ? "UNKNOWN" : op.name(), error.name()).observe(nanos / 1e9);
    }

    /**
     * A request with this wire opcode was answered, {@code nanos} after it came: {@code sent}, it stored a
     * message; {@code delivered}, the messages it handed over.
     */
    public void answered(int opcode, boolean sent, int delivered, long nanos) {
        if (registry == null) {
            return;
        }
        DistributionDataPoint point = opcode >= 0 && opcode < ok.length ? ok[opcode] : null;
        if (point != null) {
            point.observe(nanos / 1e9);
        }
        if (sent) {
            this.sent.inc();
        } else if (delivered > 0) {
            this.delivered.inc(delivered);
        }
    }

    /** Messages a pushing transport (gRPC's Subscribe) handed to a client. */
    public void pushed(int messages) {
        if (registry != null && messages > 0) {
            delivered.inc(messages);
        }
    }

    public void accepted() {
        if (registry != null) {
            accepted.inc();
        }
    }

    /** {@code reason}: "max_connections" or "per_address". */
    public void refused(String reason) {
        if (registry != null) {
            refused.labelValues(reason).inc();
        }
    }
}
