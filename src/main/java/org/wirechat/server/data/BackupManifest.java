package org.wirechat.server.data;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.wirechat.server.storage.SqliteStore;
import org.wirechat.server.storage.log.LogState;

/**
 * The manifest a backup carries beside its files ({@value #FILE}): every file with its size and SHA-256,
 * the highest message id, the schema version, the server's version and when, and at its end the SHA-256
 * of the lines before it (so a manifest cut short or edited is seen). {@link #verify} checks a backup
 * against it before a restore touches anything, and for {@code admin check}.
 *
 * @param created when the backup was taken
 * @param serverVersion the version of the server that took it
 * @param schemaVersion the database's schema version
 * @param lastMessageId the highest message id in the backup
 * @param files each file's path (relative, with {@code /}) and its size and checksum
 */
record BackupManifest(Instant created, String serverVersion, int schemaVersion, long lastMessageId, Map<String, FileSum> files) {
    static final String FILE = "wirechat-backup.manifest";
    private static final String HEADER = "wirechat backup 1";

    /** A file's size and SHA-256 (hex). */
    record FileSum(long size, String sha256) {
    }

    /** What is wrong with a backup: {@code notABackup} when it is something else (a data directory, no manifest). */
    static final class Invalid extends IOException {
        private static final long serialVersionUID = 1L;
        private final boolean notABackup;

        Invalid(String message, boolean notABackup) {
            super(message);
            this.notABackup = notABackup;
        }

        boolean notABackup() {
            return notABackup;
        }
    }

    /** The server's version as the jar says it, or "development build". */
    static String runningVersion() {
        String v = BackupManifest.class.getPackage().getImplementationVersion();
        return v == null ? "development build" : v;
    }

    /** Sums every file under {@code dir} (the database and the log's segments) and writes the manifest there, synced. */
    static BackupManifest write(Path dir, int schemaVersion, long lastMessageId) throws IOException {
        Map<String, FileSum> files = new LinkedHashMap<>();
        for (Path p : dataFiles(dir)) {
            files.put(relative(dir, p), sum(p));
        }
        BackupManifest m = new BackupManifest(Instant.now(), runningVersion(), schemaVersion, lastMessageId, files);
        StringBuilder b = new StringBuilder(HEADER).append('\n');
        b.append("created ").append(m.created()).append('\n');
        b.append("server-version ").append(m.serverVersion()).append('\n');
        b.append("schema-version ").append(schemaVersion).append('\n');
        b.append("last-message-id ").append(lastMessageId).append('\n');
        files.forEach((name, s) -> b.append("file ").append(s.sha256()).append(' ').append(s.size()).append(' ').append(name).append('\n'));
        String body = b.toString();
        b.append("manifest-sha256 ").append(sha256(body.getBytes(StandardCharsets.UTF_8))).append('\n');
        Path file = dir.resolve(FILE);
        Files.writeString(file, b.toString(), StandardCharsets.UTF_8);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        try (var c = FileChannel.open(file, StandardOpenOption.WRITE)) {
            c.force(true);
        }
        return m;
    }

    /**
     * Reads the manifest of the backup in {@code dir} and checks every file against it: present, of its
     * size and checksum, and no segment beside them that it does not list.
     *
     * @throws Invalid what is wrong, every file of it
     */
    static BackupManifest verify(Path dir) throws IOException {
        if (!Files.isDirectory(dir)) {
            throw new Invalid(dir.toAbsolutePath() + " is not a directory", true);
        }
        Path file = dir.resolve(FILE);
        if (!Files.exists(file)) {
            List<String> live = Stream.of(DataDirectory.LOCK_FILE, "admin.sock", SqliteStore.DATABASE_FILE + "-wal",
                    SqliteStore.LOG_DIRECTORY + "/" + LogState.FILE)
                    .filter(n -> Files.exists(dir.resolve(n))).toList();
            throw new Invalid(dir.toAbsolutePath() + " is not a backup made by 'wirechat-server admin backup': it has no "
                    + FILE + (live.isEmpty() ? "" : "; it holds " + String.join(", ", live) + ", so it is a server's data"
                    + " directory (running, or copied while one ran)") + ". Take a backup with 'wirechat-server admin backup DEST'", true);
        }
        BackupManifest m = read(file);
        List<String> wrong = new ArrayList<>();
        for (Map.Entry<String, FileSum> e : m.files().entrySet()) {
            Path p = dir.resolve(e.getKey());
            if (!Files.isRegularFile(p)) {
                wrong.add(e.getKey() + " is missing");
                continue;
            }
            long size = Files.size(p);
            if (size != e.getValue().size()) {
                wrong.add(e.getKey() + " is " + size + " bytes, the manifest says " + e.getValue().size());
            } else if (!sum(p).sha256().equals(e.getValue().sha256())) {
                wrong.add(e.getKey() + " does not match its SHA-256 checksum");
            }
        }
        for (Path p : dataFiles(dir)) {
            if (!m.files().containsKey(relative(dir, p))) {
                wrong.add(relative(dir, p) + " is not in the manifest");
            }
        }
        if (!wrong.isEmpty()) {
            throw new Invalid("the backup in " + dir.toAbsolutePath() + " is damaged or incomplete: " + String.join("; ", wrong), false);
        }
        return m;
    }

    private static BackupManifest read(Path file) throws IOException {
        String text = Files.readString(file, StandardCharsets.UTF_8);
        int last = text.lastIndexOf("manifest-sha256 ");
        if (!text.startsWith(HEADER + "\n") || last < 0
                || !text.substring(last).strip().equals("manifest-sha256 " + sha256(text.substring(0, last).getBytes(StandardCharsets.UTF_8)))) {
            throw new Invalid(file.toAbsolutePath() + " is damaged or cut short (its own checksum does not match)", false);
        }
        Map<String, String> facts = new LinkedHashMap<>();
        Map<String, FileSum> files = new LinkedHashMap<>();
        try {
            for (String line : text.substring(0, last).split("\n")) {
                if (line.startsWith("file ")) {
                    String[] w = line.split(" ", 4);
                    files.put(w[3], new FileSum(Long.parseLong(w[2]), w[1]));
                } else if (!line.equals(HEADER)) {
                    int sp = line.indexOf(' ');
                    facts.put(line.substring(0, sp), line.substring(sp + 1));
                }
            }
            return new BackupManifest(Instant.parse(facts.get("created")), facts.get("server-version"),
                    Integer.parseInt(facts.get("schema-version")), Long.parseLong(facts.get("last-message-id")), files);
        } catch (RuntimeException e) {
            throw new Invalid(file.toAbsolutePath() + " cannot be read: " + e, false);
        }
    }

    /** The database and the log's segments under {@code dir}, in order. */
    private static List<Path> dataFiles(Path dir) throws IOException {
        List<Path> files = new ArrayList<>();
        if (Files.exists(dir.resolve(SqliteStore.DATABASE_FILE))) {
            files.add(dir.resolve(SqliteStore.DATABASE_FILE));
        }
        Path log = dir.resolve(SqliteStore.LOG_DIRECTORY);
        if (Files.isDirectory(log)) {
            try (Stream<Path> s = Files.list(log)) {
                s.filter(p -> p.getFileName().toString().endsWith(".seg")).sorted().forEach(files::add);
            }
        }
        return files;
    }

    private static String relative(Path dir, Path p) {
        return dir.relativize(p).toString().replace(File.separatorChar, '/');
    }

    private static FileSum sum(Path p) throws IOException {
        MessageDigest d = digest();
        long size = 0;
        try (InputStream in = Files.newInputStream(p)) {
            byte[] buf = new byte[1 << 16];
            for (int n; (n = in.read(buf)) > 0; ) {
                d.update(buf, 0, n);
                size += n;
            }
        }
        return new FileSum(size, HexFormat.of().formatHex(d.digest()));
    }

    private static String sha256(byte[] bytes) {
        return HexFormat.of().formatHex(digest().digest(bytes));
    }

    private static MessageDigest digest() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }
}
