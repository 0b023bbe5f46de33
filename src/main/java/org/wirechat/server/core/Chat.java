package org.wirechat.server.core;

import java.time.Clock;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.wirechat.server.core.admission.Presence;
import org.wirechat.server.core.admission.AddressLimits;
import org.wirechat.server.core.admission.GroupMessageRate;
import org.wirechat.server.core.admission.LoginThrottle;
import org.wirechat.server.auth.PasswordHasher;
import org.wirechat.server.auth.Tokens;
import org.wirechat.server.inbox.InboxWaiters;
import org.wirechat.server.storage.StorageUnavailableException;
import org.wirechat.server.storage.Store;

/**
 * The chat core's one entry point for every transport: {@link #submit}. It looks the request's operation up in
 * the table ({@link Operations}), does the common steps once — the login the operation needs, its rate
 * class — then runs its handler (Ergo's {@code Command.Run}, Kafka's {@code KafkaApis.handle}). No sockets,
 * no frames, no threads of its own: a FETCH that waits for mail blocks the calling (virtual) thread.
 */
public final class Chat {
    private final Map<Class<?>, Operation<?, ?>> operations;
    private final ChatSettings settings;
    private final Tokens tokens;
    private final AddressLimits addresses;
    private final GroupMessageRate groupRate;
    private final Mail mail;
    private final Clock clock;

    public Chat(ChatSettings settings, Store store, PasswordHasher hasher, Tokens tokens, InboxWaiters waiters,
            Presence presence, LoginThrottle throttle, AddressLimits addresses, Clock clock) {
        this.settings = settings;
        this.tokens = tokens;
        this.addresses = addresses;
        this.clock = clock;
        this.groupRate = new GroupMessageRate(settings.groupMessagesPerSecond(), settings.groupMessageBurst());
        DeviceHolders holders = new DeviceHolders();
        this.mail = new Mail(settings, store, waiters, holders, clock);
        PasswordCheck passwords = new PasswordCheck(settings, store, hasher, throttle, clock);
        this.operations = index(Operations.of(new Operations.Handlers(
                new Server(settings, store, clock),
                new Logins(store, hasher, tokens, waiters, holders, passwords, clock),
                new Accounts(store, hasher, tokens, presence, passwords, clock),
                new Sending(settings, store, waiters, clock),
                mail,
                new History(store),
                new Receipts(store),
                new Groups(settings, store, presence, clock),
                new Devices(settings, store, clock))));
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
            Asker asker = new Asker(call, login(op.login(), call));
            take(op.rate(), request, asker);
            return op.run(request, asker).thenApply(r -> (ChatResult) r);
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

    /** The rate classes taken before the handler (PASSWORD_CHECK is the handler's: it needs the account's row). */
    private void take(RateClass rate, ChatRequest request, Asker asker) throws ChatException {
        switch (rate) {
            case ACCOUNT_CREATION -> {
                long wait = addresses.creationWaitMillis(asker.address(), clock.millis() * 1_000_000);
                if (wait > 0) {
                    Audit.creationRefused(asker.address(), wait);
                    throw rateLimited("too many accounts created from your address (at most "
                            + settings.accountsPerAddressPerHour() + " an hour)", wait);
                }
            }
            case MESSAGE_TO_GROUP -> {
                ChatRequest.Send s = (ChatRequest.Send) request;
                Sending.checkBody(s.body(), settings.maxMessageChars()); // a message refused does not count
                if (Groups.isGroupName(s.recipient())) {
                    long wait = groupRate.waitMillis(asker.accountId(), s.recipient(), clock.millis() * 1_000_000);
                    if (wait > 0) {
                        throw rateLimited("too many messages to " + s.recipient() + " (at most "
                                + settings.groupMessagesPerSecond() + " a second)", wait);
                    }
                }
            }
            case NONE, PASSWORD_CHECK -> {
            }
        }
    }

    static ChatException rateLimited(String why, long waitMillis) {
        return new ChatException(ChatError.RATE_LIMITED, why + " — try again in " + Math.max(1, (waitMillis + 999) / 1000)
                + " s", List.of(String.valueOf(waitMillis)));
    }

    /** Nothing of the request was stored, because the storage cannot take writes now: the client may retry. */
    static ChatException unavailable(StorageUnavailableException e) {
        long millis = e.retryAfter().toMillis();
        return new ChatException(ChatError.STORAGE_UNAVAILABLE, "the server cannot store anything right now; nothing was stored"
                + " — try again in " + Math.max(1, (millis + 999) / 1000) + " s", List.of(String.valueOf(millis)));
    }
}
