package org.wirechat.server.tls;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.util.Arrays;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;

/**
 * The server's TLS identity: a PKCS12 key store and its password. The password never appears in
 * {@code toString()}, logs or exceptions.
 */
public record TlsSettings(Path keyStore, char[] password) {
    /** The protocols offered, best first. */
    public static final String[] PROTOCOLS = {"TLSv1.3", "TLSv1.2"};

    /**
     * The cipher suites offered, from those the JDK enables: TLS 1.3's (all AEAD) and, for TLS 1.2, only
     * ECDHE with AES-GCM or ChaCha20-Poly1305 — authenticated encryption with forward secrecy; no CBC
     * (padding oracles, Lucky 13), no static RSA key exchange.
     */
    public static String[] cipherSuites(String[] enabled) {
        return Arrays.stream(enabled)
                .filter(s -> s.startsWith("TLS_AES_") || s.startsWith("TLS_CHACHA20_")
                        || s.startsWith("TLS_ECDHE_") && (s.contains("_GCM_") || s.contains("_CHACHA20_POLY1305_")))
                .toArray(String[]::new);
    }

    public TlsSettings {
        password = password.clone();
    }

    @Override
    public char[] password() {
        return password.clone();
    }

    /** Loads the key store and builds the server's TLS context. */
    public SSLContext context() throws IOException {
        try {
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(keyManagers(), null, null);
            return ctx;
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot use the TLS key store " + keyStore + ": " + e.getClass().getSimpleName());
        }
    }

    /** Loads the key store: the server's identity, for any transport (the gRPC one builds its own TLS on it). */
    public KeyManager[] keyManagers() throws IOException {
        try (InputStream in = Files.newInputStream(keyStore)) {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(in, password);
            KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
            kmf.init(ks, password);
            return kmf.getKeyManagers();
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot use the TLS key store " + keyStore + ": " + e.getClass().getSimpleName()
                    + " (wrong password, or not a PKCS12 key store with a private key?)");
        } catch (IOException e) {
            throw new IOException("cannot read the TLS key store " + keyStore + ": " + e.getMessage()
                    + " (wrong password, or not a PKCS12 file?)");
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TlsSettings t && t.keyStore.equals(keyStore) && Arrays.equals(t.password, password);
    }

    @Override
    public int hashCode() {
        return keyStore.hashCode();
    }

    @Override
    public String toString() {
        return "TlsSettings[keyStore=" + keyStore + ", password=<redacted>]";
    }
}
