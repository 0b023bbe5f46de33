package org.wirechat.server.grpc;

import io.grpc.BindableService;
import io.grpc.Context;
import io.grpc.MethodDescriptor;
import io.grpc.ServerCallHandler;
import io.grpc.ServerMethodDefinition;
import io.grpc.ServerServiceDefinition;
import io.grpc.ServiceDescriptor;
import io.grpc.stub.ServerCalls;
import org.wirechat.grpc.v1.ChatGrpc;
import org.wirechat.grpc.v1.Message;
import org.wirechat.server.core.Call;
import org.wirechat.server.core.Chat;
import org.wirechat.server.core.ChatException;
import org.wirechat.server.core.ChatRequest;
import org.wirechat.server.core.ChatResult;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.stub.ServerCallStreamObserver;
import io.grpc.stub.StreamObserver;
import io.grpc.netty.shaded.io.netty.util.internal.ThreadExecutorMap;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.BiConsumer;
import java.util.function.BooleanSupplier;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.wirechat.grpc.v1.FetchReply;
import com.google.protobuf.MessageLite;
import org.wirechat.protocol.ErrorCode;
import org.wirechat.protocol.Opcode;
import org.wirechat.protocol.ProtocolException;
import org.wirechat.server.ServerMetrics;

/**
 * Service {@code wirechat.v1.Chat}: each call's request becomes the core's ({@link GrpcMapping#IN}, its fields
 * checked exactly as the wire codec checks them) and goes to the same {@link Chat} as the wire protocol's;
 * its result becomes the reply ({@link GrpcMapping#OUT}), and a refusal a gRPC status with the wirechat error
 * in the trailers. docs/grpc.md maps them one by one. Every method of the generated descriptor is bound here by
 * its own name ({@link #definition}), not by one override per rpc of the generated base class.
 */
final class GrpcChatService implements BindableService {
    private static final Logger log = LoggerFactory.getLogger(GrpcChatService.class);

    static final Metadata.Key<String> AUTHORIZATION = Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);
    static final Metadata.Key<String> ERROR = Metadata.Key.of("wirechat-error", Metadata.ASCII_STRING_MARSHALLER);
    static final Metadata.Key<String> ERROR_NAME = Metadata.Key.of("wirechat-error-name", Metadata.ASCII_STRING_MARSHALLER);
    static final Metadata.Key<String> RETRY_AFTER = Metadata.Key.of("wirechat-retry-after-ms", Metadata.ASCII_STRING_MARSHALLER);
    static final Metadata.Key<String> DETAIL = Metadata.Key.of("wirechat-detail", Metadata.ASCII_STRING_MARSHALLER);
    /** The bearer token of the call, read from its headers by {@link GrpcTransport}'s interceptor. */
    static final Context.Key<String> TOKEN = Context.key("wirechat-token");

    /**
     * How many messages one push of Subscribe carries at most, and how long one of its waits lasts: a
     * cancelled subscription ends within one wait. (Interrupting the waiting thread instead would also
     * interrupt a database read under way, and a virtual thread interrupted in socket I/O closes the
     * socket: a pooled PostgreSQL connection.) An idle subscription's look every 2 s is answered from
     * memory in either store.
     */
    static final int SUBSCRIBE_BATCH = 100;
    static final long SUBSCRIBE_WAIT_MILLIS = 2_000;

    private final Chat chat;
    private final ServerMetrics metrics;
    private final BooleanSupplier closing;
    /** Answers are fitted to the wire protocol's frame limit too, so both transports page alike. */
    private final int maxAnswerBytes;

    /** Where each subscription's pushing runs (a virtual thread each: it waits for mail). */
    private final Executor pushers;

    private final ServerServiceDefinition definition;

    GrpcChatService(Chat chat, BooleanSupplier closing, int maxAnswerBytes, ServerMetrics metrics,
            Executor pushers) {
        this.chat = chat;
        this.pushers = pushers;
        this.metrics = metrics;
        this.maxAnswerBytes = maxAnswerBytes;
        this.closing = closing;
        this.definition = definition(ChatGrpc.getServiceDescriptor());
    }

    // ---- the binding ----

    @Override
    public ServerServiceDefinition bindService() {
        return definition;
    }

    /**
     * Every method of {@code service} bound to a handler found by the method's own name in {@link GrpcMapping}'s
     * tables: there is no handler per method to forget or to give another method's name.
     *
     * @throws IllegalStateException a method the tables do not map all the way (its request, its operation, the
     *         reply to each result it can have), or of a kind the service has no handler for: the server does not
     *         start rather than answer it UNIMPLEMENTED or INTERNAL
     */
    ServerServiceDefinition definition(ServiceDescriptor service) {
        ServerServiceDefinition.Builder b = ServerServiceDefinition.builder(service);
        for (MethodDescriptor<?, ?> m : service.getMethods()) {
            b.addMethod(handler(m));
        }
        return b.build(); // checks that each method of the descriptor is bound once
    }

    private <Q, R> ServerMethodDefinition<Q, R> handler(MethodDescriptor<Q, R> method) {
        String name = method.getBareMethodName();
        String unmapped = GrpcMapping.unmapped(name);
        if (unmapped != null) {
            throw new IllegalStateException("gRPC method " + name + " is not mapped: " + unmapped);
        }
        boolean pushes = GrpcMapping.PUSHES.contains(GrpcMapping.OPERATION.get(name));
        ServerCallHandler<Q, R> handler = switch (method.getType()) {
            case UNARY -> {
                if (pushes) {
                    throw new IllegalStateException("gRPC method " + name + " is unary but its operation pushes");
                }
                yield ServerCalls.asyncUnaryCall((request, observer) -> unary(name, request, observer));
            }
            case SERVER_STREAMING -> {
                if (!pushes) {
                    throw new IllegalStateException("gRPC method " + name + " streams but its operation is not one of "
                            + GrpcMapping.PUSHES);
                }
                yield ServerCalls.asyncServerStreamingCall((request, observer) -> subscribe(name, request, observer));
            }
            case CLIENT_STREAMING, BIDI_STREAMING, UNKNOWN ->
                    throw new IllegalStateException("gRPC method " + name + " is " + method.getType() + ": no handler");
        };
        return ServerMethodDefinition.create(method, handler);
    }

    // ---- errors ----

    /** The gRPC status for a wirechat error (docs/grpc.md has the table). */
    static Status status(ErrorCode code, String reason, List<String> details) {
        Status s = switch (code) {
            case MALFORMED_FRAME, FRAME_TOO_LARGE, UNSUPPORTED_VERSION, UNKNOWN_OPCODE, WRONG_FIELD_COUNT,
                 INVALID_ENCODING, INVALID_CHARACTER, FIELD_TOO_LONG, INVALID_FIELD, INVALID_USERNAME,
                 INVALID_PASSWORD, INVALID_NAME, MESSAGE_TOO_LONG, MESSAGE_EMPTY, INVALID_PATTERN, INVALID_GROUP_NAME -> Status.INVALID_ARGUMENT;
            case USERNAME_TAKEN, GROUP_NAME_TAKEN -> Status.ALREADY_EXISTS;
            case BAD_CREDENTIALS, NOT_AUTHENTICATED -> Status.UNAUTHENTICATED;
            case NO_SUCH_USER, NO_SUCH_GROUP -> Status.NOT_FOUND;
            case NOT_A_MEMBER, NOT_THE_OWNER -> Status.PERMISSION_DENIED;
            case GROUP_FULL, TOO_MANY_GROUPS -> Status.RESOURCE_EXHAUSTED;
            case INBOX_NOT_EMPTY, CLIENT_ID_REUSED -> Status.FAILED_PRECONDITION;
            case INBOX_FULL, RATE_LIMITED -> Status.RESOURCE_EXHAUSTED;
            case ACCOUNT_DISABLED -> Status.PERMISSION_DENIED;
            case DEVICE_IN_USE -> Status.FAILED_PRECONDITION;
            case STORAGE_UNAVAILABLE, SERVER_BUSY, SHUTTING_DOWN, IDLE_TIMEOUT -> Status.UNAVAILABLE;
            case INTERNAL_ERROR, OK, UNKNOWN -> Status.INTERNAL;
        };
        return s.withDescription(reason);
    }

    /** The trailers that carry the wirechat error: its number and name, its details, how long to wait. */
    static Metadata trailers(ErrorCode code, List<String> details) {
        Metadata m = new Metadata();
        m.put(ERROR, String.valueOf(code.wire()));
        m.put(ERROR_NAME, code.name());
        for (String d : details) {
            m.put(DETAIL, d);
        }
        if ((code == ErrorCode.RATE_LIMITED || code == ErrorCode.STORAGE_UNAVAILABLE) && !details.isEmpty()) {
            m.put(RETRY_AFTER, details.get(0));
        }
        return m;
    }

    static StatusRuntimeException failure(ErrorCode code, String reason, List<String> details) {
        return status(code, reason, details).asRuntimeException(trailers(code, details));
    }

    static StatusRuntimeException failure(ChatException e) {
        return failure(GrpcMapping.code(e.error()), e.detail(), e.details());
    }

    private static StatusRuntimeException failure(ProtocolException e) {
        return failure(e.code(), e.detail(), e.details());
    }

    // ---- the calls ----

    /**
     * Fetch's {@code max_count} when it is 0 (unset): as many as one answer holds comfortably (the answer is
     * fitted to the frame limit in any case).
     */
    static final int DEFAULT_FETCH_COUNT = 100;

    /**
     * The core's view of a call: its connection, the connection's token memo (shared by its calls, which run at
     * once: a token presented again on the connection is not hashed again) and its token.
     */
    private static Call call(String token) {
        GrpcTransport.GrpcConnection c = GrpcTransport.CALLER.get();
        return new Call(c.connection, c.tokens, token);
    }

    /** The call's token ("authorization: Bearer TOKEN"), or "" when it has none (then NOT_AUTHENTICATED). */
    private static String token() {
        String t = TOKEN.get();
        return t == null ? "" : t;
    }

    /**
     * The core's result of a request, waited for; a refusal is thrown as the {@link ChatException} it is.
     *
     * @throws InterruptedException the calling thread was interrupted while the core waited for mail
     */
    static ChatResult ask(Chat chat, ChatRequest request, Call call) throws ChatException, InterruptedException {
        try {
            return chat.submit(request, call).join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof ChatException c) {
                throw c;
            }
            throw e;
        }
    }

    /** The wire opcode of each operation the wire protocol has, by name, for the metrics. */
    private static final Map<String, Integer> OPCODES = Arrays.stream(Opcode.values())
            .collect(Collectors.toUnmodifiableMap(Opcode::name, Opcode::wire));

    /** The wire opcode of an operation, for the metrics; -1 for one the wire protocol has not (ACK, NEXT). */
    private static int opcode(String operation) {
        return OPCODES.getOrDefault(operation, -1);
    }

    /**
     * One unary call, whatever its method: the request mapped in (its fields checked), then the call completed from
     * the core's future — the result mapped out to the reply, or the refusal to the call's status and trailers. The
     * call's thread does not wait for the future: a SEND is answered by the thread that made it durable (as the
     * wire protocol's answer is mapped there), everything else (answered before {@code submit} returns) at once.
     */
    private <M, T> void unary(String method, M request, StreamObserver<T> observer) {
        long started = metrics.on() ? System.nanoTime() : 0;
        int opcode = opcode(GrpcMapping.operationOf(method, request));
        CompletableFuture<ChatResult> answer;
        try {
            String token = token();
            answer = chat.submit(GrpcMapping.in(method, request, token), call(token));
        } catch (ProtocolException e) {
            if (opcode >= 0) {
                metrics.refused(opcode, e.code(), System.nanoTime() - started);
            }
            observer.onError(failure(e));
            return;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            observer.onError(Status.CANCELLED.withDescription("the call was cancelled").asRuntimeException());
            return;
        } catch (RuntimeException e) {
            internal(observer, e);
            return;
        }
        answerWhenDone(answer, opcode, started, observer, answerers());
    }

    /**
     * Where a call's answer is made once the core has it: on the connection's event loop when the call ran there (Send
     * and Ack, {@link CallThreads}: the answer is written from there without another hop), else on a virtual thread.
     * An event loop that has stopped (its connection closed, the server stopping) takes nothing: the answer goes to a
     * virtual thread, or nowhere once the server has stopped — it must not be thrown at the thread that completed the
     * future, the store's writer.
     */
    private Executor answerers() {
        Executor loop = ThreadExecutorMap.currentExecutor();
        if (loop == null) {
            return pushers;
        }
        return task -> {
            try {
                loop.execute(task);
            } catch (RejectedExecutionException stopped) {
                try {
                    pushers.execute(task);
                } catch (RejectedExecutionException alsoStopped) {
                    // the server has stopped: the call was cancelled with its connection, there is no one to answer
                }
            }
        };
    }

    /**
     * Answers the call once the core's future completes: at once when it is done already, else on {@code answerers}
     * (a virtual thread of {@link #pushers} unless the call ran on its event loop, {@link #answerers()}) — not on the
     * thread that completes it, which for SEND and the acknowledgement is the store's one
     * writer (making and writing the reply there took a fifth of that thread's time, JFR in docs/benchmarks.md, and
     * delayed every batch after it). An {@link Error} while answering goes to that thread's uncaught-exception handler,
     * as if it had ended the thread (the server stops on an Error: {@code WireServer}); {@code whenComplete} alone would
     * keep it in a future nobody reads, the server going on and the call left unanswered.
     */
    <T> void answerWhenDone(CompletableFuture<ChatResult> answer, int opcode, long started, StreamObserver<T> observer) {
        answerWhenDone(answer, opcode, started, observer, pushers);
    }

    /** {@link #answerWhenDone(CompletableFuture, int, long, StreamObserver)}, the answer made on {@code answerers}. */
    <T> void answerWhenDone(CompletableFuture<ChatResult> answer, int opcode, long started, StreamObserver<T> observer,
            Executor answerers) {
        BiConsumer<ChatResult, Throwable> answering = (result, thrown) -> {
            try {
                complete(result, thrown, opcode, started, observer);
            } catch (Error e) {
                Thread t = Thread.currentThread();
                t.getUncaughtExceptionHandler().uncaughtException(t, e);
            }
        };
        if (answer.isDone()) {
            answer.whenComplete(answering);
        } else {
            answer.whenCompleteAsync(answering, answerers);
        }
    }

    /** Ends a unary call with the core's answer: its reply, its refusal, or INTERNAL_ERROR for a bug. */
    @SuppressWarnings("unchecked")
    private <T> void complete(ChatResult result, Throwable thrown, int opcode, long started, StreamObserver<T> observer) {
        try {
            Throwable cause = thrown instanceof CompletionException && thrown.getCause() != null ? thrown.getCause() : thrown;
            if (cause instanceof ChatException e) {
                if (opcode >= 0) {
                    metrics.refused(opcode, GrpcMapping.code(e.error()), System.nanoTime() - started);
                }
                observer.onError(failure(e));
                return;
            }
            if (cause != null) {
                internal(observer, cause);
                return;
            }
            MessageLite reply = GrpcMapping.out(result, maxAnswerBytes);
            if (opcode >= 0) { // ACK is not counted, as before (it is no wire request)
                metrics.answered(opcode, result instanceof ChatResult.Sent,
                        reply instanceof FetchReply f ? f.getMessagesCount() : 0, System.nanoTime() - started);
            }
            observer.onNext((T) reply);
            observer.onCompleted();
        } catch (RuntimeException e) { // thrown inside whenComplete it would be lost, and the call left unanswered
            internal(observer, e);
        }
    }

    /** Our bug: logged with its stack trace, answered INTERNAL_ERROR (a call already ended stays as it is). */
    private static void internal(StreamObserver<?> observer, Throwable e) {
        log.error("a gRPC call failed", e);
        try {
            observer.onError(failure(ErrorCode.INTERNAL_ERROR, "internal error", List.of()));
        } catch (IllegalStateException ended) {
            // the failure came after the call was answered: nothing more can be said on it
        }
    }

    /**
     * Pushes each undelivered message after {@code after_id} as soon as it is stored, while the client
     * reads ({@link Subscription}), until the call is cancelled (seen within {@link #SUBSCRIBE_WAIT_MILLIS})
     * or the server closes (which wakes every wait).
     */
    @SuppressWarnings("unchecked")
    private <M, T> void subscribe(String method, M request, StreamObserver<T> plain) {
        String token = token();
        ChatRequest first;
        try {
            first = GrpcMapping.in(method, request, token);
        } catch (ProtocolException e) {
            plain.onError(failure(e));
            return;
        }
        ServerCallStreamObserver<Object> observer = (ServerCallStreamObserver<Object>) (StreamObserver<?>) plain;
        Subscription.Feed feed = switch (first) {
            case ChatRequest.Next n -> Subscription.messages(n.afterId());
            case ChatRequest.SyncNext n -> Subscription.events(n.afterId());
            default -> throw new IllegalStateException(method + " pushes no " + first.getClass().getSimpleName());
        };
        pushers.execute(new Subscription(observer, feed, chat, call(token), closing, metrics));
    }
}
