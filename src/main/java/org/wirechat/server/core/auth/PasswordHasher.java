package org.wirechat.server.core.auth;

import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Consumer;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;

/**
 * PBKDF2-HMAC-SHA256 password hashes, stored as {@code pbkdf2-sha256$ITERATIONS$SALT$HASH} (base64),
 * so the work factor can be raised later: a hash made with fewer iterations than configured is
 * re-made at the next successful login. Comparison is constant-time. Hashing runs on a small pool of
 * platform threads, so that this CPU-bound work never occupies the carrier threads of the virtual
 * threads that serve connections.
 */
public final class PasswordHasher implements AutoCloseable {
    /** OWASP's recommendation for PBKDF2-HMAC-SHA256 (2023). */
    public static final int DEFAULT_ITERATIONS = 600_000;
    private static final String SCHEME = "pbkdf2-sha256";
    private static final int SALT_BYTES = 16;
    private static final int HASH_BITS = 256;

    private final int iterations;
    private final SecureRandom random = new SecureRandom();
    private final ExecutorService pool;
    /** Verified against when the user does not exist, so that costs the same as a wrong password. */
    private final String decoy;

    /** What to do when hashing dies of an {@link Error}: the hashing threads are then in no known state. */
    private final Consumer<Throwable> onFatal;

    public PasswordHasher(int iterations) {
        this(iterations, e -> { });
    }

    /** {@code onFatal} is told when hashing fails with an {@link Error} (out of memory, say). */
    public PasswordHasher(int iterations, Consumer<Throwable> onFatal) {
        this.onFatal = onFatal;
        if (iterations < 1) {
            throw new IllegalArgumentException("iterations must be positive: " + iterations);
        }
        this.iterations = iterations;
        this.pool = Executors.newFixedThreadPool(Math.max(1, Runtime.getRuntime().availableProcessors()),
                Thread.ofPlatform().name("password-hash-", 0).daemon(true).factory());
        this.decoy = compute("decoy password that matches nothing", iterations);
    }

    public int iterations() {
        return iterations;
    }

    public String hash(String password) {
        return onPool(() -> compute(password, iterations));
    }

    /** True if {@code password} matches {@code stored}; a malformed stored hash matches nothing. */
    public boolean verify(String password, String stored) {
        return onPool(() -> matches(password, stored));
    }

    /** Spends the time a real verification would, for a user that does not exist. */
    public void verifyNothing(String password) {
        onPool(() -> matches(password, decoy));
    }

    /** True if {@code stored} was made with other parameters than this hasher's. */
    public boolean needsRehash(String stored) {
        String[] parts = stored.split("\\$");
        return parts.length != 4 || !parts[0].equals(SCHEME) || !parts[1].equals(Integer.toString(iterations));
    }

    private String compute(String password, int rounds) {
        byte[] salt = new byte[SALT_BYTES];
        random.nextBytes(salt);
        Base64.Encoder b64 = Base64.getEncoder().withoutPadding();
        return SCHEME + "$" + rounds + "$" + b64.encodeToString(salt) + "$" + b64.encodeToString(derive(password, salt, rounds));
    }

    private static boolean matches(String password, String stored) {
        String[] parts = stored.split("\\$");
        if (parts.length != 4 || !parts[0].equals(SCHEME)) {
            return false;
        }
        try {
            int rounds = Integer.parseInt(parts[1]);
            byte[] salt = Base64.getDecoder().decode(parts[2]);
            byte[] expected = Base64.getDecoder().decode(parts[3]);
            return rounds > 0 && MessageDigest.isEqual(expected, derive(password, salt, rounds));
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private static byte[] derive(String password, byte[] salt, int rounds) {
        PBEKeySpec spec = new PBEKeySpec(password.toCharArray(), salt, rounds, HASH_BITS);
        try {
            return SecretKeyFactory.getInstance("PBKDF2WithHmacSHA256").generateSecret(spec).getEncoded();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("PBKDF2WithHmacSHA256 is part of every JDK", e);
        } finally {
            spec.clearPassword();
        }
    }

    private <T> T onPool(Callable<T> work) {
        Future<T> f = pool.submit(work);
        try {
            return f.get();
        } catch (InterruptedException e) {
            f.cancel(true);
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while hashing a password", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof Error fatal) {
                onFatal.accept(fatal);
            }
            throw new IllegalStateException("password hashing failed", e.getCause());
        }
    }

    @Override
    public void close() {
        pool.shutdownNow();
    }
}
