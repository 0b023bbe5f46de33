package org.wirechat.server.storage;

import java.util.concurrent.CompletableFuture;
import org.wirechat.server.Await;
import org.wirechat.server.core.port.Storage;

/**
 * Device registrations made while a test holds the store's writer: LOGIN_DEVICE's registration returns
 * only once it is stored (on SQLite, once the log writer's batch is synced), so it is made on a thread of
 * its own, and the test goes on once it waits for the writer (or, where the store needs no writer, is made).
 */
final class Registrations {
    private Registrations() {
    }

    /** Registers the device on a new thread; returns once the registration is queued (or made), completed when made. */
    static CompletableFuture<Void> queued(Storage store, long accountId, String device, long nowMillis) {
        CompletableFuture<Void> made = new CompletableFuture<>();
        Thread login = Thread.ofPlatform().name("register " + device).start(() -> {
            try {
                store.register(accountId, device, nowMillis);
                made.complete(null);
            } catch (RuntimeException e) {
                made.completeExceptionally(e);
            }
        });
        Await.until("the registration of " + device + " waits for the writer, or is made",
                () -> made.isDone() || login.getState() == Thread.State.WAITING);
        return made;
    }
}
