package org.wirechat.server;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLSocketFactory;
import org.wirechat.client.Tls;
import org.wirechat.server.tls.TlsSettings;

/** Self-signed test certificates, made once per test JVM with the JDK's keytool. */
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
                make(d, "good", "SAN=dns:localhost,ip:127.0.0.1");
                make(d, "other", "SAN=dns:other.invalid");
                d.toFile().deleteOnExit();
                dir = d;
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return dir;
    }

    private static void make(Path d, String name, String san) throws IOException {
        String keytool = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
        String store = d.resolve(name + ".p12").toString();
        run(List.of(keytool, "-genkeypair", "-alias", name, "-keyalg", "EC", "-groupname", "secp256r1", "-validity", "2",
                "-dname", "CN=" + name, "-ext", san, "-keystore", store, "-storetype", "PKCS12", "-storepass", PASSWORD));
        run(List.of(keytool, "-exportcert", "-rfc", "-alias", name, "-keystore", store, "-storepass", PASSWORD,
                "-file", d.resolve(name + ".crt").toString()));
    }

    private static void run(List<String> cmd) throws IOException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
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
