package org.wirechat.server;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.List;

/**
 * The web transport (docs/wire_design.md, "WebSocket transport"): the web client's files at {@code /} and the wire
 * protocol over WebSocket at {@code /ws}. Validated on construction.
 *
 * @param port the HTTP port, 0 for any free one, -1 for none (the transport is off)
 * @param bindAddress the address it listens on; loopback by default, like the others
 * @param origins the page origins allowed to open {@code /ws} ({@code https://chat.example.org}); empty: only the
 *     server's own origin (the request's {@code Origin} names the host and port of its {@code Host})
 */
public record WebSettings(int port, String bindAddress, List<String> origins) {
    public static final WebSettings OFF = new WebSettings(-1, "127.0.0.1", List.of());

    public WebSettings {
        if (port < -1 || port > 65535) {
            throw new IllegalArgumentException("web port must be in [0, 65535]: " + port);
        }
        if (bindAddress == null || bindAddress.isBlank()) {
            throw new IllegalArgumentException("web bind address must be set");
        }
        origins = List.copyOf(origins);
        origins.forEach(WebSettings::checkOrigin);
    }

    /** Whether the web transport is served. */
    public boolean on() {
        return port >= 0;
    }

    /** An origin as browsers send it: scheme, host and perhaps a port, nothing else ({@code http://localhost:8080}). */
    private static void checkOrigin(String origin) {
        try {
            URI u = new URI(origin);
            boolean ok = ("http".equals(u.getScheme()) || "https".equals(u.getScheme())) && u.getHost() != null
                    && u.getRawUserInfo() == null && (u.getRawPath() == null || u.getRawPath().isEmpty())
                    && u.getRawQuery() == null && u.getRawFragment() == null;
            if (ok) {
                return;
            }
        } catch (URISyntaxException e) {
            // said below
        }
        throw new IllegalArgumentException("a web origin is a scheme, a host and perhaps a port, as browsers send it"
                + " (https://chat.example.org, http://localhost:8080): '" + origin + "'");
    }
}
