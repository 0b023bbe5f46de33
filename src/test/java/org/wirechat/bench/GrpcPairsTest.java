package org.wirechat.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.wirechat.server.ServerFixture;

/** The benchmark's gRPC pairs workload, small, against a real server: every message goes both ways, with no error. */
@Timeout(60)
class GrpcPairsTest {
    @TempDir
    Path dir;

    @Test
    void everyMessageIsEchoedOverGrpc() throws Exception {
        try (ServerFixture fx = new ServerFixture(dir, b -> b.grpcPort(0))) {
            InetSocketAddress wire = fx.server().address();
            List<String> a = Users.create(wire, "pa", 2);
            List<String> b = Users.create(wire, "pb", 2);
            List<String> tokens = new ArrayList<>();
            for (int p = 0; p < 2; p++) {
                tokens.add(a.get(p));
                tokens.add(b.get(p));
            }
            Figures f = GrpcPairs.run(new InetSocketAddress("127.0.0.1", fx.server().grpcPort().orElseThrow()), "wirechat-grpc",
                    2, 30, 4, tokens, "p");
            assertThat(f.extra()).as("no call failed").isEmpty();
            assertThat(f.perSecond()).isPositive();
            assertThat(f.setup()).isEqualTo("2x30 W=4");
        }
    }
}
