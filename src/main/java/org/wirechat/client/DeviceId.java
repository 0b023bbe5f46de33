package org.wirechat.client;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.UUID;
import org.wirechat.client.local.StoreFiles;
import org.wirechat.protocol.Limits;
import org.wirechat.protocol.ProtocolException;

/**
 * This installation's device ids: each made once (a random UUID) and kept in a file, so that every run of
 * the clients on this machine is one of the same few devices of an account — each gets every message,
 * whatever the account's other devices acknowledge. The files are {@code device-id}, {@code device-id.2},
 * {@code device-id.3} … in {@code $WIRECHAT_CONFIG_DIR}, else {@code $XDG_CONFIG_HOME/wirechat}, else
 * {@code ~/.config/wirechat}.
 *
 * <p>One running client is one device: a client {@linkplain #claim claims} an id by locking the file beside
 * it ({@code device-id.lock}, {@code device-id.2.lock} …) for as long as it runs, and a second client started
 * meanwhile takes the next id that nobody holds (two processes sharing a device would share its mark and
 * each miss what the other received). The operating system releases a lock when its process ends, however
 * it ends, so a killed client's id is taken again by the next one: an installation reuses its ids instead
 * of minting a device per run.
 */
public final class DeviceId {
    /** How many clients may run at once from one configuration directory. */
    static final int SLOTS = 16;

    private DeviceId() {
    }

    /** The directory of the client's own files. */
    public static Path configDir() {
        String own = System.getenv("WIRECHAT_CONFIG_DIR");
        if (own != null && !own.isBlank()) {
            return Path.of(own);
        }
        String xdg = System.getenv("XDG_CONFIG_HOME");
        Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : StoreFiles.home().resolve(".config");
        return base.resolve("wirechat");
    }

    /**
     * The first id kept in {@code dir} (the file {@code device-id}), made and kept there first if there is
     * none. It is not locked: a running client uses {@link #claim}.
     */
    public static String of(Path dir) throws IOException {
        return read(dir, 1);
    }

    /**
     * A device id held by this process until the claim is closed (or the process ends): the first of
     * {@code dir}'s ids that no other running client holds, made if needed.
     *
     * @throws IOException the directory cannot be written, an id file is garbled, or {@value #SLOTS} clients
     *         run already
     */
    public static Claim claim(Path dir) throws IOException {
        Files.createDirectories(dir);
        String firstHeld = null;
        int held = 0;
        for (int slot = 1; slot <= SLOTS; slot++) {
            FileChannel channel = FileChannel.open(dir.resolve(name(slot) + ".lock"), StandardOpenOption.CREATE,
                    StandardOpenOption.WRITE);
            FileLock lock = null;
            try {
                lock = channel.tryLock();
            } catch (OverlappingFileLockException heldHere) {
                // another client in this same process holds it
            } catch (IOException e) {
                channel.close();
                throw e;
            }
            if (lock == null) {
                channel.close();
                if (firstHeld == null) {
                    firstHeld = peek(dir.resolve(name(slot)));
                }
                held++;
                continue;
            }
            try {
                String id = read(dir, slot);
                return new Claim(id, channel, firstHeld == null ? null : note(held, firstHeld, id));
            } catch (IOException | RuntimeException e) {
                channel.close(); // releases the lock
                throw e;
            }
        }
        throw new IOException(SLOTS + " wirechat clients are running from " + dir + " already — close one first");
    }

    /**
     * What a person is told when other clients run from the same directory: what happened, what it means, what
     * to do — "another wirechat is already running on this computer (as device X), so this one logs in as a
     * separate device, Y: both get every message, but each keeps its own copy of your conversations. …"
     */
    static String note(int others, String firstHeld, String id) {
        String running = others == 1 ? "another wirechat is already running" : others + " other wirechats are already running";
        return running + " on this computer" + (firstHeld.isEmpty() ? "" : " (" + (others == 1 ? "" : "the first ") + "as device "
                + firstHeld + ")") + ", so this one logs in as a separate device, " + id + ": "
                + (others == 1 ? "both get" : "each gets") + " every message, but each keeps its own copy of your"
                + " conversations. To go on with " + (others == 1 ? "the other one's" : "the first one's") + " copy, close"
                + " this one and use that one (or close that one and start this one again).";
    }

    /** The file of a slot's id: {@code device-id}, then {@code device-id.2} … */
    private static String name(int slot) {
        return slot == 1 ? "device-id" : "device-id." + slot;
    }

    /** The id another client holds in {@code file}, or "" if it cannot be read (being made at this moment). */
    private static String peek(Path file) {
        try {
            return Limits.checkDeviceId(Files.readString(file, StandardCharsets.UTF_8).strip());
        } catch (IOException | ProtocolException | RuntimeException e) {
            return "";
        }
    }

    private static String read(Path dir, int slot) throws IOException {
        Path file = dir.resolve(name(slot));
        if (!Files.exists(file)) {
            Files.createDirectories(dir);
            // written whole beside it, then linked into place: a reader never sees it half written, and of two
            // clients making it at once, one's is kept and both use it
            Path draft = Files.createTempFile(dir, name(slot), ".new");
            try {
                Files.writeString(draft, UUID.randomUUID() + "\n", StandardCharsets.UTF_8);
                Files.createLink(file, draft);
            } catch (FileAlreadyExistsException raced) {
                // another client made it meanwhile: use theirs
            } catch (UnsupportedOperationException | FileSystemException noLinks) { // e.g. EPERM on FAT: no hard links there
                if (!Files.exists(file)) { // a file system without hard links: written in place
                    try {
                        Files.writeString(file, UUID.randomUUID() + "\n", StandardCharsets.UTF_8,
                                StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
                    } catch (FileAlreadyExistsException raced) {
                        // another client made it meanwhile: use theirs
                    }
                }
            } finally {
                Files.deleteIfExists(draft);
            }
        }
        String id = Files.readString(file, StandardCharsets.UTF_8).strip();
        try {
            return Limits.checkDeviceId(id);
        } catch (ProtocolException e) {
            throw new IOException(file + " does not hold a device id (" + e.detail() + "); delete it to make a new one", e);
        }
    }

    /**
     * A device id this process holds: no other client claims it until {@link #close()} or the process ends.
     *
     * @param id the device id
     * @param note what to tell the person once when another client holds this installation's first id
     *        ({@link #note}: that another wirechat runs here, so this one is a separate device, and what to do), or {@code null}
     */
    public record Claim(String id, FileChannel lock, String note) implements AutoCloseable {
        /** Lets another client take this id. */
        @Override
        public void close() {
            try {
                lock.close();
            } catch (IOException ignored) {
                // released with the process anyway
            }
        }
    }
}
