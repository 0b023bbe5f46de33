package org.wirechat.server.web;

import io.helidon.http.DirectHandler;
import io.helidon.http.Header;
import io.helidon.http.HeaderValues;
import io.helidon.http.ServerResponseHeaders;
import io.helidon.webserver.http.DirectHandlers;
import java.util.List;

/**
 * The headers every HTTP answer of the web port carries (docs/security.md, "The web transport"): a
 * Content-Security-Policy that allows only the page's own files — no inline script or style, no third party, no
 * framing — and no sniffing of content types or leaking of the page's address. Set by a filter on every routed
 * answer, and on the answers the server makes before routing (a refused origin, a malformed request).
 */
final class SecurityHeaders {
    /** The page's policy: its own scripts, styles, images and WebSocket, nothing inline, never framed. */
    static final String CONTENT_SECURITY_POLICY = "default-src 'self'; script-src 'self'; style-src 'self'; "
            + "img-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; "
            + "frame-ancestors 'none'";

    static final List<Header> ALL = List.of(
            HeaderValues.create("Content-Security-Policy", CONTENT_SECURITY_POLICY),
            HeaderValues.create("X-Content-Type-Options", "nosniff"),
            HeaderValues.create("Referrer-Policy", "no-referrer"),
            HeaderValues.create("X-Frame-Options", "DENY"),
            HeaderValues.create("Cross-Origin-Opener-Policy", "same-origin"),
            HeaderValues.create("Cross-Origin-Resource-Policy", "same-origin"));

    private SecurityHeaders() {
    }

    static void addTo(ServerResponseHeaders headers) {
        ALL.forEach(headers::set);
    }

    /** The server's own answers made outside routing (403 for a refused origin, 400 …), with the headers too. */
    static DirectHandlers directHandlers() {
        DirectHandler fallback = DirectHandler.defaultHandler();
        DirectHandlers.Builder b = DirectHandlers.builder();
        for (DirectHandler.EventType type : DirectHandler.EventType.values()) {
            b.addHandler(type, (request, event, status, headers, message) -> {
                addTo(headers);
                return fallback.handle(request, event, status, headers, message);
            });
        }
        return b.build();
    }
}
