package org.wirechat.client;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.NoSuchAlgorithmException;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.util.Collection;
import java.util.Locale;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;

/**
 * The client's TLS trust: the system's trust store, or a file given by the user, either a certificate
 * (PEM or DER, e.g. the {@code server.crt} from {@code scripts/make-cert}) or a PKCS12/JKS trust store.
 * The server's name is always checked against its certificate.
 */
public final class Tls {
    static final String[] PROTOCOLS = {"TLSv1.3", "TLSv1.2"};

    private Tls() {
    }

    /** Trusts what the JDK's trust store trusts. */
    public static SSLSocketFactory systemTrust() throws IOException {
        try {
            return SSLContext.getDefault().getSocketFactory();
        } catch (NoSuchAlgorithmException e) {
            throw new IOException("this JDK has no default TLS context", e);
        }
    }

    /**
     * Trusts the certificates in {@code file}. A {@code .p12}, {@code .pfx} or {@code .jks} file is a trust
     * store (its password, if any, from {@code password}); anything else is read as certificates.
     */
    public static SSLSocketFactory trusting(Path file, char[] password) throws IOException {
        try {
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, trustManagers(file, password), null);
            return ctx.getSocketFactory();
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot use " + file + " to check the server's certificate: " + e.getMessage(), e);
        }
    }

    /** The trust managers of {@link #trusting} (for gRPC, which builds its own TLS on them). */
    public static TrustManager[] trustManagers(Path file, char[] password) throws IOException {
        try {
            KeyStore trust;
            String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
            if (name.endsWith(".p12") || name.endsWith(".pfx") || name.endsWith(".jks")) {
                trust = KeyStore.getInstance(name.endsWith(".jks") ? "JKS" : "PKCS12");
                try (InputStream in = Files.newInputStream(file)) {
                    trust.load(in, password);
                }
            } else {
                trust = KeyStore.getInstance(KeyStore.getDefaultType());
                trust.load(null, null);
                Collection<? extends Certificate> certs;
                try (InputStream in = Files.newInputStream(file)) {
                    certs = CertificateFactory.getInstance("X.509").generateCertificates(in);
                }
                if (certs.isEmpty()) {
                    throw new IOException("no certificate in " + file);
                }
                int i = 0;
                for (Certificate c : certs) {
                    trust.setCertificateEntry("cert-" + i++, c);
                }
            }
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trust);
            return tmf.getTrustManagers();
        } catch (GeneralSecurityException e) {
            throw new IOException("cannot use " + file + " to check the server's certificate: " + e.getMessage(), e);
        }
    }
}
