package org.wirechat.client.local;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.HexFormat;
import java.util.Locale;

/**
 * Where a device keeps its {@link LocalStore}s: one SQLite file per server, account and device, in
 * {@code dir} — {@code $WIRECHAT_DATA_DIR}, else {@code $XDG_DATA_HOME/wirechat}, else
 * {@code ~/.local/share/wirechat} ({@link #defaultDir()}). The directory is made mode 0700 and each file
 * 0600: a person's messages are readable by that person only.
 *
 * @param dir the directory of the stores
 * @param device the device id the client logs in as, or {@code null} for the account's default device
 */
public record StoreFiles(Path dir, String device) {

    /** The data directory of this user, by the environment. */
    public static Path defaultDir() {
        String own = System.getenv("WIRECHAT_DATA_DIR");
        if (own != null && !own.isBlank()) {
            return Path.of(own);
        }
        String xdg = System.getenv("XDG_DATA_HOME");
        Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : home().resolve(".local").resolve("share");
        return base.resolve("wirechat");
    }

    /**
     * The user's home directory: {@code $HOME}, as a shell and the XDG rules take it, else the account's
     * (Java's {@code user.home} is the account's home from the password database, whatever {@code HOME} says).
     */
    public static Path home() {
        String home = System.getenv("HOME");
        return home != null && !home.isBlank() ? Path.of(home) : Path.of(System.getProperty("user.home"));
    }

    /**
     * The file of one account on one server, e.g. {@code chat.example.org+50051+alice+3f2a….db}: the host as
     * given and the username in lower case (both ignore case), the port, and the device ({@code default} for the
     * account's default device); any other character than {@code a-z 0-9 . _ -} is written {@code %XX}, so two
     * different accounts, servers or devices never share a file.
     */
    public Path fileFor(String host, int port, String user) {
        return dir.resolve(safe(host.strip().toLowerCase(Locale.ROOT)) + "+" + port + "+" + safe(user.toLowerCase(Locale.ROOT))
                + "+" + (device == null ? "default" : safe(device)) + ".db");
    }

    /** Opens (making it if needed) the store of {@code user} on {@code host:port}. */
    public LocalStore open(String host, int port, String user) throws IOException {
        return LocalStore.open(fileFor(host, port, user), user);
    }

    private static String safe(String s) {
        StringBuilder b = new StringBuilder();
        for (byte c : s.getBytes(StandardCharsets.UTF_8)) {
            if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-') {
                b.append((char) c);
            } else {
                b.append('%').append(HexFormat.of().withUpperCase().toHexDigits(c));
            }
        }
        return b.toString();
    }

    /** Makes {@code file}'s directory (0700) and the file itself (0600), unless they exist; their modes are set either way. */
    static void createPrivate(Path file) throws IOException {
        Path parent = file.toAbsolutePath().getParent();
        boolean posix = Files.getFileAttributeView(parent.getRoot(), PosixFileAttributeView.class) != null;
        if (!Files.isDirectory(parent)) {
            if (posix) {
                Files.createDirectories(parent, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
            } else {
                Files.createDirectories(parent);
            }
        }
        try {
            if (posix) {
                Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            } else {
                Files.createFile(file);
            }
        } catch (FileAlreadyExistsException kept) {
            // opened again: its mode is set below
        }
        if (posix) {
            Files.setPosixFilePermissions(parent, PosixFilePermissions.fromString("rwx------"));
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        }
    }
}
