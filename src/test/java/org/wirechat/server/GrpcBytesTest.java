package org.wirechat.server;

import static org.assertj.core.api.Assertions.assertThat;

import io.grpc.ManagedChannel;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.MetadataUtils;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.wirechat.grpc.v1.ChatGrpc;
import org.wirechat.grpc.v1.CreateAccountRequest;
import org.wirechat.grpc.v1.FetchRequest;
import org.wirechat.grpc.v1.HistoryRequest;
import org.wirechat.grpc.v1.ListAccountsRequest;
import org.wirechat.grpc.v1.LoginRequest;
import org.wirechat.grpc.v1.SendRequest;
import org.wirechat.grpc.v1.ServerInfoRequest;
import org.wirechat.protocol.PatternMode;
import org.wirechat.protocol.Request;
import org.wirechat.protocol.Response;

/**
 * Bytes on the wire for each operation, both ways, over the wire protocol and over gRPC (protobuf over
 * HTTP/2, headers included), counted by a TCP relay between a real client and a real server. Each
 * operation runs twice on an established connection; the second is counted (HTTP/2 then compresses the
 * repeated headers with HPACK), the first is shown too. Writes the table to
 * {@code target/grpc-bytes.md} (the one in docs/grpc.md came from it) and checks what must hold
 * whatever the versions: every count is at least the payload it carries.
 */
@Timeout(60)
class GrpcBytesTest {
    @TempDir
    Path dir;

    /** A TCP relay that counts the bytes each way. */
    static final class CountingRelay implements AutoCloseable {
        final AtomicLong up = new AtomicLong();
        final AtomicLong down = new AtomicLong();
        private final ServerSocket listening;
        private final List<Socket> sockets = new ArrayList<>();

        CountingRelay(int targetPort) throws IOException {
            listening = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress());
            Thread.ofVirtual().start(() -> {
                try {
                    while (true) {
                        Socket client = listening.accept();
                        Socket server = new Socket("127.0.0.1", targetPort);
                        client.setTcpNoDelay(true);
                        server.setTcpNoDelay(true);
                        synchronized (sockets) {
                            sockets.add(client);
                            sockets.add(server);
                        }
                        pipe(client.getInputStream(), server.getOutputStream(), up);
                        pipe(server.getInputStream(), client.getOutputStream(), down);
                    }
                } catch (IOException e) {
                    // closed
                }
            });
        }

        private static void pipe(InputStream in, OutputStream out, AtomicLong count) {
            Thread.ofVirtual().start(() -> {
                byte[] buf = new byte[65536];
                try {
                    for (int n; (n = in.read(buf)) > 0;) {
                        count.addAndGet(n); // counted before it is passed on: the receiver cannot see it uncounted
                        out.write(buf, 0, n);
                        out.flush();
                    }
                } catch (IOException e) {
                    // the other side closed
                }
            });
        }

        int port() {
            return listening.getLocalPort();
        }

        @Override
        public void close() throws IOException {
            listening.close();
            synchronized (sockets) {
                for (Socket s : sockets) {
                    s.close();
                }
            }
        }
    }

    record Row(String operation, long wireUp, long wireDown, long grpcUp, long grpcDown, long grpcFirstUp, long grpcFirstDown) {
    }

    /** Bytes each way of one call (its request sent, its response received). */
    static long[] count(CountingRelay relay, Runnable call) {
        long u = relay.up.get();
        long d = relay.down.get();
        call.run();
        return new long[] {relay.up.get() - u, relay.down.get() - d};
    }

    @Test
    void bytesOnTheWireForEachOperation() throws Exception {
        List<Row> rows = new ArrayList<>();
        String body = "Hello, Bob! Lunch at noon?"; // 26 characters, a typical chat line
        try (ServerFixture fx = new ServerFixture(dir.resolve("data"), b -> b.grpcPort(0));
                CountingRelay wireRelay = new CountingRelay(fx.server().port());
                CountingRelay grpcRelay = new CountingRelay(fx.server().grpcPort().orElseThrow());
                TestConnection wire = new TestConnection(new InetSocketAddress("127.0.0.1", wireRelay.port()))) {
            ManagedChannel channel = NettyChannelBuilder.forAddress("127.0.0.1", grpcRelay.port()).usePlaintext().build();
            try {
                ChatGrpc.ChatBlockingStub chat = ChatGrpc.newBlockingStub(channel);
                long[] setup = count(grpcRelay, () -> chat.serverInfo(ServerInfoRequest.getDefaultInstance()));
                // accounts made beforehand, outside the counts: walice and wbob over the wire, galice and gbob over gRPC
                String wa = fx.register(wire, "walice");
                String wb = fx.register(wire, "wbob");
                for (String n : List.of("galice", "gbob")) {
                    chat.createAccount(CreateAccountRequest.newBuilder().setUsername(n).setFullName("Somebody Example")
                            .setPassword(ServerFixture.PASSWORD).build());
                }
                String ga = chat.login(LoginRequest.newBuilder().setUsername("galice").setPassword(ServerFixture.PASSWORD).build()).getToken();
                String gb = chat.login(LoginRequest.newBuilder().setUsername("gbob").setPassword(ServerFixture.PASSWORD).build()).getToken();
                ChatGrpc.ChatBlockingStub asA = chat.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(GrpcTransportTest.bearer(ga)));
                ChatGrpc.ChatBlockingStub asB = chat.withInterceptors(MetadataUtils.newAttachHeadersInterceptor(GrpcTransportTest.bearer(gb)));
                int[] n = {0};
                rows.add(measure("SERVER_INFO / ServerInfo", wireRelay, grpcRelay,
                        () -> wire.call(new Request.ServerInfo()),
                        () -> chat.serverInfo(ServerInfoRequest.getDefaultInstance())));
                rows.add(measure("LOGIN / Login", wireRelay, grpcRelay,
                        () -> wire.call(new Request.Login("walice", ServerFixture.PASSWORD)),
                        () -> chat.login(LoginRequest.newBuilder().setUsername("galice").setPassword(ServerFixture.PASSWORD).build())));
                rows.add(measure("SEND / Send (26-character body)", wireRelay, grpcRelay,
                        () -> wire.call(new Request.Send(wa, "wbob", "id-" + (n[0]++), body)),
                        () -> asA.send(SendRequest.newBuilder().setRecipient("gbob").setClientMessageId("id-" + (n[0]++)).setBody(body).build())));
                rows.add(measure("FETCH / Fetch, 2 messages waiting", wireRelay, grpcRelay,
                        () -> wire.call(new Request.Fetch(wb, 0, 2, 0)),
                        () -> asB.fetch(FetchRequest.newBuilder().setMaxCount(2).build())));
                rows.add(measure("FETCH / Fetch, nothing waiting (a poll that times out at once)", wireRelay, grpcRelay,
                        () -> wire.call(new Request.Fetch(wa, 0, 10, 0)),
                        () -> asA.fetch(FetchRequest.newBuilder().setMaxCount(10).build())));
                rows.add(measure("HISTORY / History, 2 messages", wireRelay, grpcRelay,
                        () -> wire.call(new Request.History(wb, "walice", 0, 10)),
                        () -> asB.history(HistoryRequest.newBuilder().setPeer("galice").setLimit(10).build())));
                rows.add(measure("LIST_ACCOUNTS / ListAccounts, 2 accounts", wireRelay, grpcRelay,
                        () -> wire.call(new Request.ListAccounts(wa, PatternMode.WILDCARD, "w*", "", 10)),
                        () -> asA.listAccounts(ListAccountsRequest.newBuilder().setPattern("g*").setLimit(10).build())));
                StringBuilder table = new StringBuilder();
                table.append("| operation | wire v1: request | response | gRPC: request | response | gRPC, first call of its kind on the connection: request | response |\n");
                table.append("|---|---:|---:|---:|---:|---:|---:|\n");
                for (Row r : rows) {
                    table.append(String.format("| %s | %d | %d | %d | %d | %d | %d |%n", r.operation(), r.wireUp(), r.wireDown(),
                            r.grpcUp(), r.grpcDown(), r.grpcFirstUp(), r.grpcFirstDown()));
                }
                table.append(String.format("%nA new gRPC connection and its first call (ServerInfo): %d bytes up, %d down;"
                        + " a new wire connection: none before its first frame.%n", setup[0], setup[1]));
                Path out = Path.of("target", "grpc-bytes.md");
                Files.createDirectories(out.getParent());
                Files.writeString(out, table);
                System.out.println(table);
                for (Row r : rows) {
                    assertThat(r.wireUp()).as(r.operation()).isGreaterThanOrEqualTo(8); // a header at least
                    assertThat(r.grpcUp()).as(r.operation()).isGreaterThan(9 + 5); // an HTTP/2 frame and gRPC's prefix at least
                }
                Row send = rows.get(2);
                assertThat(send.wireUp()).as("the SEND carries its body").isGreaterThan(body.length());
                assertThat(send.grpcUp()).as("the Send carries its body").isGreaterThan(body.length());
            } finally {
                channel.shutdownNow();
            }
        }
    }

    private static Row measure(String name, CountingRelay wireRelay, CountingRelay grpcRelay, Supplier<Response> wire, Runnable grpc) {
        count(wireRelay, () -> wire.get());
        long[] w = count(wireRelay, () -> assertThat(wire.get()).isNotInstanceOf(Response.Error.class));
        long[] first = count(grpcRelay, grpc);
        long[] g = count(grpcRelay, grpc);
        return new Row(name, w[0], w[1], g[0], g[1], first[0], first[1]);
    }
}
