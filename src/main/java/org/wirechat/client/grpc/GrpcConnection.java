package org.wirechat.client.grpc;

import com.google.protobuf.MessageLite;
import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ChannelCredentials;
import io.grpc.ClientInterceptors;
import io.grpc.MethodDescriptor;
import io.grpc.stub.ClientCalls;
import io.grpc.ClientInterceptor;
import io.grpc.ConnectivityState;
import io.grpc.Grpc;
import io.grpc.InsecureChannelCredentials;
import io.grpc.ManagedChannel;
import io.grpc.Metadata;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.TlsChannelCredentials;
import io.grpc.stub.MetadataUtils;
import io.grpc.stub.StreamObserver;
import java.io.IOException;
import java.net.ConnectException;
import java.net.SocketTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import javax.net.ssl.SSLException;
import javax.net.ssl.TrustManager;
import org.wirechat.client.ConnectionLostException;
import org.wirechat.client.IncompatibleServerException;
import org.wirechat.client.Subscribing;
import org.wirechat.grpc.v1.AckReply;
import org.wirechat.grpc.v1.AckRequest;
import org.wirechat.grpc.v1.ChatGrpc;
import org.wirechat.grpc.v1.Message;
import org.wirechat.grpc.v1.ServerInfoRequest;
import org.wirechat.grpc.v1.SubscribeRequest;
import org.wirechat.grpc.v1.SyncEvent;
import org.wirechat.grpc.v1.SyncRequest;
import org.wirechat.protocol.Request;
import org.wirechat.protocol.Response;

/**
 * A connection to the server over gRPC (service {@code wirechat.v1.Chat}, docs/grpc.md): each of the
 * wire protocol's requests becomes its call, each reply its response (by {@link GrpcCalls}' table), and a refusal the wire
 * protocol's error, read back from the trailers. One HTTP/2 connection (one {@link ManagedChannel}) per
 * instance, as the wire protocol has one TCP connection per {@code Connection}. The poller receives by
 * {@link #subscribe} (messages pushed as they are stored) instead of repeated FETCHes.
 */
public final class GrpcConnection implements Subscribing {
    /** How long an answer may take beyond what a FETCH asked to wait. */
    static final Duration ANSWER_TIMEOUT = Duration.ofSeconds(30);
    private static final Metadata.Key<String> AUTHORIZATION = Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);
    private static final Metadata.Key<String> ERROR = Metadata.Key.of("wirechat-error", Metadata.ASCII_STRING_MARSHALLER);
    private static final Metadata.Key<String> DETAIL = Metadata.Key.of("wirechat-detail", Metadata.ASCII_STRING_MARSHALLER);

    private final ManagedChannel channel;
    private final ChatGrpc.ChatBlockingStub chat;

    private GrpcConnection(ManagedChannel channel) {
        this.channel = channel;
        this.chat = ChatGrpc.newBlockingStub(channel);
    }

    /**
     * Connects, and makes one ServerInfo call within {@code connectTimeout} to be sure a wirechat server
     * answers there. With {@code tls}, the server's certificate must be trusted by {@code trust} (the
     * JDK's trust store when {@code null}) and name {@code host}.
     *
     * @throws ConnectException nothing answers there
     * @throws SocketTimeoutException no answer in time
     * @throws IncompatibleServerException something answers that is not a wirechat gRPC server (or TLS failed)
     */
    public static GrpcConnection open(String host, int port, Duration connectTimeout, boolean tls, TrustManager[] trust)
            throws IOException {
        ChannelCredentials credentials = InsecureChannelCredentials.create();
        if (tls) {
            TlsChannelCredentials.Builder b = TlsChannelCredentials.newBuilder();
            if (trust != null) {
                b.trustManager(trust);
            }
            credentials = b.build();
        }
        ManagedChannel channel = Grpc.newChannelBuilderForAddress(host, port, credentials).build();
        GrpcConnection c = new GrpcConnection(channel);
        try {
            c.chat.withDeadlineAfter(connectTimeout.toMillis(), TimeUnit.MILLISECONDS).serverInfo(ServerInfoRequest.getDefaultInstance());
            return c;
        } catch (StatusRuntimeException e) {
            c.close();
            String why = e.getStatus().getDescription() != null ? e.getStatus().getDescription() : e.getStatus().getCode().toString();
            if (e.getTrailers() != null && e.getTrailers().get(ERROR) != null) { // a wirechat server, refusing (busy, say)
                throw new IOException("the server refused the connection: " + why);
            }
            Throwable cause = e.getCause();
            if (cause instanceof SSLException || why.contains("SSL") || why.contains("TLS")) {
                throw new IncompatibleServerException("TLS with " + host + ":" + port + " failed: " + why
                        + " — is the server's certificate trusted (--truststore FILE) and made for this host name?"
                        + " Or does the server not use TLS?", e);
            }
            switch (e.getStatus().getCode()) {
                case DEADLINE_EXCEEDED -> throw new SocketTimeoutException("no answer in time");
                case UNAVAILABLE -> {
                    ConnectException refused = new ConnectException("connection refused (" + why + ")");
                    refused.initCause(e);
                    throw refused;
                }
                case UNIMPLEMENTED -> throw new IncompatibleServerException(host + ":" + port
                        + " speaks gRPC but does not serve wirechat.v1.Chat", e);
                default -> throw new IncompatibleServerException(host + ":" + port + " answered " + e.getStatus().getCode()
                        + " (" + why + ") — is it a wirechat server's gRPC port (--grpc-port)?", e);
            }
        }
    }

    /** The call's token as "authorization: Bearer TOKEN" metadata. */
    private static ClientInterceptor bearer(String token) {
        Metadata m = new Metadata();
        m.put(AUTHORIZATION, "Bearer " + token);
        return MetadataUtils.newAttachHeadersInterceptor(m);
    }

    /** The service's methods by their bare names. */
    private static final Map<String, MethodDescriptor<?, ?>> METHODS = ChatGrpc.getServiceDescriptor().getMethods().stream()
            .collect(Collectors.toUnmodifiableMap(MethodDescriptor::getBareMethodName, Function.identity()));

    @Override
    public Response call(Request request) throws ConnectionLostException, IncompatibleServerException {
        if (channel.isShutdown()) {
            throw new ConnectionLostException("connection closed");
        }
        if (request instanceof Request.Sync) { // the poller streams it (sync), as Subscribe stands for FETCH
            throw new IllegalArgumentException("SYNC over gRPC is the Sync stream: Subscribing.sync");
        }
        try {
            return call(GrpcCalls.of(request), request);
        } catch (StatusRuntimeException e) {
            return refusal(e);
        }
    }

    /** A request's call by its entry in {@link GrpcCalls#TABLE}: its message sent with its token, its reply read back. */
    @SuppressWarnings("unchecked")
    private <Q extends Request> Response call(GrpcCalls.Entry<Q, MessageLite> entry, Q request) {
        MethodDescriptor<MessageLite, MessageLite> method = (MethodDescriptor<MessageLite, MessageLite>) METHODS.get(entry.method());
        String token = entry.token() == null ? null : entry.token().apply(request);
        Channel to = token == null ? channel : ClientInterceptors.intercept(channel, bearer(token));
        CallOptions options = CallOptions.DEFAULT.withDeadlineAfter(
                entry.waitMillis().applyAsLong(request) + ANSWER_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
        return entry.reply().apply(ClientCalls.blockingUnaryCall(to, method, options, entry.message().apply(request)));
    }

    @Override
    public Response.Error subscribe(String token, long afterId, Consumer<Response.Message> pushed)
            throws ConnectionLostException, IncompatibleServerException {
        if (channel.isShutdown()) {
            throw new ConnectionLostException("connection closed");
        }
        try {
            Iterator<Message> stream = chat.withInterceptors(bearer(token))
                    .subscribe(SubscribeRequest.newBuilder().setAfterId(afterId).build());
            while (stream.hasNext()) {
                pushed.accept(GrpcCalls.message(stream.next()));
            }
            throw new ConnectionLostException("the server ended the subscription");
        } catch (StatusRuntimeException e) {
            return refusal(e);
        }
    }

    @Override
    public Response.Error sync(String token, long afterId, Consumer<Response.Message> pushed, Consumer<Response.Typing> typing)
            throws ConnectionLostException, IncompatibleServerException {
        if (channel.isShutdown()) {
            throw new ConnectionLostException("connection closed");
        }
        try {
            Iterator<SyncEvent> stream = chat.withInterceptors(bearer(token)).sync(SyncRequest.newBuilder().setAfterId(afterId).build());
            while (stream.hasNext()) {
                SyncEvent e = stream.next();
                switch (e.getEventCase()) {
                    case MESSAGE -> pushed.accept(GrpcCalls.message(e.getMessage()));
                    case TYPING -> typing.accept(new Response.Typing(e.getTyping().getFrom(), e.getTyping().getConversation(),
                            e.getTyping().getTyping(), e.getTyping().getExpiresInMs()));
                    case EVENT_NOT_SET -> { } // a kind of event newer than this client: skipped
                }
            }
            throw new ConnectionLostException("the server ended the subscription");
        } catch (StatusRuntimeException e) {
            return refusal(e);
        }
    }

    /** Per token, its acknowledgements coalesced (one on its way at a time). */
    private final ConcurrentHashMap<String, Acknowledger> acknowledgers = new ConcurrentHashMap<>();

    @Override
    public void acknowledgeLater(String token, long throughId) {
        if (channel.isShutdown()) {
            return;
        }
        acknowledgers.computeIfAbsent(token, this::acknowledger).through(throughId);
    }

    private Acknowledger acknowledger(String token) {
        ChatGrpc.ChatStub stub = ChatGrpc.newStub(channel).withInterceptors(bearer(token));
        Acknowledger[] self = new Acknowledger[1];
        self[0] = new Acknowledger(id -> stub.withDeadlineAfter(ANSWER_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)
                .ack(AckRequest.newBuilder().setThroughId(id).build(), new StreamObserver<>() {
                    @Override
                    public void onNext(AckReply value) {
                    }

                    @Override
                    public void onError(Throwable t) {
                        self[0].answered(); // the next acknowledgement, or the next subscription's, covers it
                    }

                    @Override
                    public void onCompleted() {
                        self[0].answered();
                    }
                }));
        return self[0];
    }

    /** A refusal with the wirechat error in its trailers is that error; anything else means the connection failed. */
    private Response.Error refusal(StatusRuntimeException e) throws ConnectionLostException, IncompatibleServerException {
        Metadata trailers = e.getTrailers();
        String number = trailers == null ? null : trailers.get(ERROR);
        if (number != null) {
            try {
                List<String> details = new ArrayList<>();
                Iterable<String> given = trailers.getAll(DETAIL); // null when there are none
                if (given != null) {
                    given.forEach(details::add);
                }
                String reason = e.getStatus().getDescription();
                return new Response.Error(Integer.parseInt(number), reason == null ? "" : reason, details);
            } catch (IllegalArgumentException bad) {
                throw new IncompatibleServerException("the server's error trailer is not a wirechat error: " + number, e);
            }
        }
        Status.Code code = e.getStatus().getCode();
        if (code == Status.Code.UNIMPLEMENTED) {
            close();
            throw new IncompatibleServerException("the server does not serve this call of wirechat.v1.Chat", e);
        }
        close();
        String why = e.getStatus().getDescription();
        throw new ConnectionLostException("gRPC " + code + (why == null ? "" : ": " + why));
    }

    @Override
    public boolean serverSaidGoodbye() {
        ConnectivityState state = channel.getState(false);
        return channel.isShutdown() || state == ConnectivityState.TRANSIENT_FAILURE || state == ConnectivityState.SHUTDOWN;
    }

    @Override
    public boolean isClosed() {
        return channel.isShutdown();
    }

    @Override
    public void close() {
        channel.shutdownNow();
    }
}
