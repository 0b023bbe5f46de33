package org.wirechat.client;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;
import org.wirechat.protocol.Limits;
import org.wirechat.protocol.ProtocolException;

/**
 * This installation's device id: made once (a random UUID) and kept in a file, so that every run of the
 * clients on this machine is the same device of an account — it gets every message, whatever the
 * account's other devices acknowledge. The file is {@code device-id} in {@code $WIRECHAT_CONFIG_DIR}, else
 * {@code $XDG_CONFIG_HOME/wirechat}, else {@code ~/.config/wirechat}.
 */
public final class DeviceId {
    private DeviceId() {
    }

    /** The directory of the client's own files. */
    public static Path configDir() {
        String own = System.getenv("WIRECHAT_CONFIG_DIR");
        if (own != null && !own.isBlank()) {
            return Path.of(own);
        }
        String xdg = System.getenv("XDG_CONFIG_HOME");
        Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".config");
        return base.resolve("wirechat");
    }

    /** The id kept in {@code dir}, made and kept there first if there is none. */
    public static String of(Path dir) throws IOException {
        Path file = dir.resolve("device-id");
        if (!Files.exists(file)) {
            Files.createDirectories(dir);
            try {
                Files.writeString(file, UUID.randomUUID() + "\n", StandardCharsets.UTF_8,
                        java.nio.file.StandardOpenOption.CREATE_NEW, java.nio.file.StandardOpenOption.WRITE);
            } catch (FileAlreadyExistsException raced) {
                // another client made it meanwhile: use theirs
            }
        }
        String id = Files.readString(file, StandardCharsets.UTF_8).strip();
        try {
            return Limits.checkDeviceId(id);
        } catch (ProtocolException e) {
            throw new IOException(file + " does not hold a device id (" + e.detail() + "); delete it to make a new one", e);
        }
    }
}
