package org.wirechat.server.core;

import java.time.Clock;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.wirechat.server.core.auth.PasswordHasher;
import org.wirechat.server.core.auth.Tokens;
import org.wirechat.server.core.admission.AddressLimits;
import org.wirechat.server.core.admission.LoginThrottle;
import org.wirechat.server.core.admission.Presence;
import org.wirechat.server.core.port.Cluster;
import org.wirechat.server.core.port.LiveNotice;
import org.wirechat.server.core.port.Storage;
import org.wirechat.server.core.port.StorageUnavailableException;
import org.wirechat.server.core.inbox.InboxWaiters;

/**
 * The chat core's one entry point for every transport: {@link #submit}. It looks the request's operation up in
 * the table ({@link Operations}), does the common steps once — the login the operation needs, its rate
 * class — then runs its handler (Ergo's {@code Command.Run}, Kafka's {@code KafkaApis.handle}). No sockets,
 * no frames, no threads of its own: a FETCH that waits for mail blocks the calling (virtual) thread.
 */
public final class Chat {
    private final Map<Class<?>, Operation<?, ?>> operations;
    private final Tokens tokens;
    private final RateLimits limits;
    private final Mail mail;
    private final LiveEvents live;
    private final InboxWaiters waiters;
    private final Clock clock;
    /** How long past the longest wait a device that stopped SYNCing still gets live events queued for it. */
    private static final Duration LIVE_HORIZON_MARGIN = Duration.ofSeconds(30);

    public Chat(ChatSettings settings, Storage store, PasswordHasher hasher, Tokens tokens, InboxWaiters waiters,
            Presence presence, Cluster cluster, LoginThrottle throttle, AddressLimits addresses, Clock clock) {
        this.waiters = waiters;
        this.clock = clock;
        this.tokens = tokens;
        this.limits = new RateLimits(settings, addresses, throttle, clock);
        DeviceHolders holders = new DeviceHolders();
        this.live = new LiveEvents(settings.maxFetchWait().plus(LIVE_HORIZON_MARGIN).toMillis());
        this.mail = new Mail(settings, store, store, waiters, holders, live, clock);
        PasswordCheck passwords = new PasswordCheck(store, hasher);
        this.operations = index(Operations.of(new Operations.Handlers(
                new Server(settings, store, clock),
                new Logins(store, store, hasher, tokens, waiters, holders, passwords, clock),
                new Accounts(store, hasher, tokens, presence, clock),
                new Sending(settings, store, waiters, clock),
                mail,
                new History(store, store, store),
                new Receipts(store, store, store),
                new Groups(settings, store, presence, clock),
                new Devices(settings, store, clock),
                new TypingRelay(store, store, live, waiters, cluster, clock))));
    }

    /** A live event another server passed on, for these accounts' devices that SYNC here. */
    public void live(Collection<Long> accountIds, LiveNotice notice) {
        ChatResult.TypingEvent event = new ChatResult.TypingEvent(notice.from(), notice.conversation(), notice.typing(),
                notice.expiresInMillis());
        TypingRelay.postHere(live, waiters, accountIds, event, clock.millis());
    }

    /** Devices that SYNC here (events are kept for them): diagnostics and tests. */
    public int liveDevices() {
        return live.devices();
    }

    /** Forgets the live events of devices that stopped SYNCing (the server's periodic sweep). */
    public void sweepLiveEvents(long nowMillis) {
        live.sweep(nowMillis);
    }

    /**
     * The operations by request class; refuses a request class with no entry or with two, so a new record
     * cannot be forgotten.
     */
    static Map<Class<?>, Operation<?, ?>> index(List<Operation<?, ?>> table) {
        Map<Class<?>, Operation<?, ?>> byRequest = new HashMap<>();
        for (Operation<?, ?> op : table) {
            if (byRequest.put(op.request(), op) != null) {
                throw new IllegalStateException("two operations for " + op.request().getSimpleName());
            }
        }
        for (Class<?> c : ChatRequest.class.getPermittedSubclasses()) {
            if (!byRequest.containsKey(c)) {
                throw new IllegalStateException("no operation for " + c.getSimpleName());
            }
        }
        return Map.copyOf(byRequest);
    }

    /**
     * The request's result, once it has one: a refusal fails the future with a {@link ChatException}
     * (possibly wrapped in a {@link CompletionException}); any other failure is a bug. A SEND's future
     * completes when the message is durable (SENDs submitted one after another are stored in that order);
     * every other request is answered before this returns — a FETCH that waits for mail blocks the calling
     * (virtual) thread while it waits.
     *
     * @throws InterruptedException the calling thread was interrupted while a FETCH waited
     */
    public CompletableFuture<ChatResult> submit(ChatRequest request, Call call) throws InterruptedException {
        Operation<?, ?> op = operations.get(request.getClass());
        try {
            Permit permit = new Permit(op.name(), op.rate(), limits);
            Asker asker = new Asker(call, login(op.login(), call), permit);
            if (op.rate() == RateClass.ACCOUNT_CREATION) {
                limits.accountCreation(asker);
            }
            if (op.rate() == RateClass.SEARCH) {
                limits.search(asker);
            }
            CompletableFuture<? extends ChatResult> answer = op.run(request, asker);
            permit.checkTaken();
            return answer.thenApply(r -> (ChatResult) r);
        } catch (ChatException e) {
            return CompletableFuture.failedFuture(e);
        } catch (StorageUnavailableException e) {
            return CompletableFuture.failedFuture(unavailable(e));
        }
    }

    /** The operation's login: none, a valid token (the caller is that account's from now on), or a holding one. */
    private Tokens.Session login(Login login, Call call) throws ChatException {
        if (login == Login.NONE) {
            return null;
        }
        Optional<Tokens.Session> s = tokens.session(call.token(), call.tokenMemo());
        if (s.isEmpty()) {
            throw new ChatException(ChatError.NOT_AUTHENTICATED, "not logged in, or the session expired: log in again");
        }
        call.connection().authenticatedAs(s.get().accountId());
        if (login == Login.HOLDING) {
            mail.holding(s.get(), call.token());
        }
        return s.get();
    }

    /** Nothing of the request was stored, because the storage cannot take writes now: the client may retry. */
    static ChatException unavailable(StorageUnavailableException e) {
        long millis = e.retryAfter().toMillis();
        return new ChatException(ChatError.STORAGE_UNAVAILABLE, "the server cannot store anything right now; nothing was stored"
                + " — try again in " + Math.max(1, (millis + 999) / 1000) + " s", List.of(String.valueOf(millis)));
    }
}
