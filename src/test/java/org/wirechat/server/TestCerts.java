package org.wirechat.server;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLSocketFactory;
import org.wirechat.client.Tls;
import org.wirechat.server.tls.TlsSettings;

/** Self-signed test certificates, made once per test JVM with the JDK's keytool (both key stores at once). */
public final class TestCerts {
    private static final String PASSWORD = "test-only-password";
    private static Path dir;

    private TestCerts() {
    }

    /** A key store for {@code localhost} and 127.0.0.1, as scripts/make-cert makes one. */
    public static synchronized TlsSettings server() {
        return new TlsSettings(dir().resolve("good.p12"), PASSWORD.toCharArray());
    }

    /** A key store whose certificate names only another host. */
    public static synchronized TlsSettings serverForAnotherHost() {
        return new TlsSettings(dir().resolve("other.p12"), PASSWORD.toCharArray());
    }

    /** A client trusting exactly the test certificates. */
    public static SSLSocketFactory clientTrust() {
        try {
            return Tls.trusting(certificate(), null);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The PEM certificate of {@link #serverForAnotherHost()}. */
    public static synchronized Path otherCertificate() {
        return dir().resolve("other.crt");
    }

    /** The PEM certificate of {@link #server()} (for --truststore). */
    public static synchronized Path certificate() {
        return dir().resolve("good.crt");
    }

    private static Path dir() {
        if (dir == null) {
            try {
                Path d = Files.createTempDirectory("wirechat-test-certs");
                // keytool's start is most of the time: both stores at once, and their certificates read here
                Process good = generate(d, "good", "SAN=dns:localhost,ip:127.0.0.1");
                Process other = generate(d, "other", "SAN=dns:other.invalid");
                awaitKeytool(good);
                awaitKeytool(other);
                exportCertificate(d, "good");
                exportCertificate(d, "other");
                d.toFile().deleteOnExit();
                dir = d;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return dir;
    }

    private static Process generate(Path d, String name, String san) throws IOException {
        String keytool = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
        String store = d.resolve(name + ".p12").toString();
        List<String> cmd = new ArrayList<>(List.of(keytool));
        ServerProcess.QUICK_START.forEach(option -> cmd.add("-J" + option)); // a JVM of a second: the same options as a test server's
        cmd.addAll(List.of("-genkeypair", "-alias", name, "-keyalg", "EC", "-groupname", "secp256r1", "-validity", "2",
                "-dname", "CN=" + name, "-ext", san, "-keystore", store, "-storetype", "PKCS12", "-storepass", PASSWORD));
        return new ProcessBuilder(cmd).redirectErrorStream(true).start();
    }

    /** The store's certificate as PEM in {@code name.crt}, as {@code keytool -exportcert -rfc} writes it. */
    private static void exportCertificate(Path d, String name) throws IOException {
        try {
            KeyStore store = KeyStore.getInstance(d.resolve(name + ".p12").toFile(), PASSWORD.toCharArray());
            byte[] der = store.getCertificate(name).getEncoded();
            String pem = "-----BEGIN CERTIFICATE-----\n" + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der)
                    + "\n-----END CERTIFICATE-----\n";
            Files.writeString(d.resolve(name + ".crt"), pem, StandardCharsets.US_ASCII);
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot read the test key store " + name + ".p12: " + e.getMessage(), e);
        }
    }

    private static void awaitKeytool(Process p) throws IOException {
        String out = new String(p.getInputStream().readAllBytes());
        try {
            if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IOException("keytool failed: " + out);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
    }
}
