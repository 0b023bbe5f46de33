package org.wirechat.model;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiFunction;
import java.util.function.Predicate;
import org.wirechat.client.ServerConnection;
import org.wirechat.model.KillLedger.Device;
import org.wirechat.model.KillLedger.Pending;
import org.wirechat.protocol.Request;
import org.wirechat.protocol.Response;
import org.wirechat.server.Await;

/**
 * A {@link KillOp.Burst}: every logged-in device sends its planned messages at once, each on a connection of
 * its own, and the server is SIGKILLed once the burst's count of them was answered — so several SENDs are
 * in flight, from several connections, when it dies. Each SEND is told to the ledger before it is asked
 * ({@link KillLedger#asked}), so whatever was not answered is retried after the restart with its client id.
 */
final class KillBurst {
    private final KillServer server;
    private final KillLedger ledger;
    private final Predicate<String> grpcFor;

    /** {@code grpcFor}: whether a device (by name) speaks gRPC. */
    KillBurst(KillServer server, KillLedger ledger, Predicate<String> grpcFor) {
        this.server = server;
        this.ledger = ledger;
        this.grpcFor = grpcFor;
    }

    /** Runs the burst; {@code pending} makes a SEND of a device to a recipient. True if it killed the server. */
    boolean run(KillOp.Burst b, BiFunction<Device, String, Pending> pending) throws Exception {
        List<Device> devices = ledger.devices();
        if (devices.isEmpty()) {
            return false;
        }
        Random random = new Random(b.seed());
        List<List<Pending>> plans = new ArrayList<>();
        for (Device d : devices) {
            List<String> targets = new ArrayList<>(ledger.accounts());
            ledger.groupNames().stream().filter(g -> ledger.isMember(g, d.account)).forEach(targets::add);
            List<Pending> plan = new ArrayList<>();
            for (int i = 0; i < b.perDevice(); i++) {
                Pending p = pending.apply(d, targets.get(random.nextInt(targets.size())));
                ledger.asked(p);
                plan.add(p);
            }
            plans.add(plan);
        }
        boolean killing = b.killAfter() < devices.size() * b.perDevice();
        AtomicInteger answered = new AtomicInteger();
        AtomicInteger finished = new AtomicInteger();
        try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            List<Future<?>> work = new ArrayList<>();
            for (int i = 0; i < devices.size(); i++) {
                Device d = devices.get(i);
                List<Pending> plan = plans.get(i);
                work.add(threads.submit(() -> {
                    send(d, plan, killing, answered);
                    finished.incrementAndGet();
                    return null;
                }));
            }
            if (killing) {
                Await.until("a burst's " + b.killAfter() + " sends answered",
                        () -> answered.get() >= b.killAfter() || finished.get() == devices.size());
                server.kill();
            }
            for (Future<?> f : work) {
                f.get(60, TimeUnit.SECONDS);
            }
        }
        return killing;
    }

    private void send(Device d, List<Pending> plan, boolean killing, AtomicInteger answered) {
        try (ServerConnection c = server.connect(grpcFor.test(d.name))) {
            for (Pending p : plan) {
                Response r = c.call(new Request.Send(d.token, p.recipient(), p.clientId(), p.body()));
                if (r instanceof Response.Sent s) {
                    ledger.sent(p, s.messageId());
                    answered.incrementAndGet();
                } else {
                    ledger.problem("SEND " + p.body() + " in a burst: " + r);
                }
            }
        } catch (IOException e) {
            if (!killing) {
                ledger.problem("a burst's connection broke with no kill: " + e);
            }
        }
    }
}
