package org.wirechat.model;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.stream.Stream;
import org.wirechat.server.Backend;
import org.wirechat.server.GroupLimits;
import org.wirechat.server.ServerFixture;
import org.wirechat.server.TestConnection;

/**
 * A real server for a run of many sequences on one store and transport, with settings small enough that
 * sequences reach its limits (an inbox of 3, groups of 3, 2 groups an account), and the model's settings
 * to match. Each sequence gets a namespace of its own; the clock only moves forward.
 */
final class ModelServer implements AutoCloseable {
    static final ChatModel.Settings SETTINGS = new ChatModel.Settings(3, 3, 2, Duration.ofMinutes(60), Duration.ofHours(24));

    private final Path dir;
    private final ServerFixture fixture;
    private final TestConnection connection;
    private final String combo;
    private int sequences;

    ModelServer(Backend store, ModelRun.Transport transport) {
        this.combo = store + " over " + transport;
        try {
            dir = Files.createTempDirectory("wirechat-model-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        fixture = new ServerFixture(store, dir, b -> {
            b.inboxCapacity(SETTINGS.inboxCapacity())
                    .groups(new GroupLimits(SETTINGS.membersPerGroup(), SETTINGS.groupsPerUser(), 10_000, 10_000))
                    .tokenIdleLifetime(SETTINGS.tokenIdle()).tokenMaxLifetime(SETTINGS.tokenMax());
            return transport == ModelRun.Transport.GRPC ? b.grpcPort(0) : b;
        });
        if (transport == ModelRun.Transport.GRPC) {
            fixture.connectingOverGrpc();
        }
        connection = fixture.connect();
    }

    /** A new sequence: a fresh namespace, and a model starting at the server's clock. */
    Sequence sequence() {
        String namespace = "q" + Integer.toString(sequences++, 36) + "_";
        return new Sequence(new ChatModel(SETTINGS, fixture.clock.millis()), namespace, connection, fixture.clock, combo);
    }

    int sequences() {
        return sequences;
    }

    @Override
    public void close() {
        connection.close();
        fixture.close();
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
