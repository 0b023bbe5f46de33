package org.wirechat.server.web;

import io.helidon.http.HeaderNames;
import io.helidon.http.Method;
import io.helidon.http.Status;
import io.helidon.webserver.http.Handler;
import io.helidon.webserver.http.ServerRequest;
import io.helidon.webserver.http.ServerResponse;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * The web client's files, from the jar ({@code src/main/resources/web/}): {@code /} is {@code index.html}. Only
 * plain names of known types are served (no {@code ..}, no directory listing), read once and kept.
 */
final class StaticFiles implements Handler {
    private static final Pattern SAFE = Pattern.compile("/([a-z0-9_-]+/)*[a-z0-9_.-]+\\.(html|js|css|svg|png|ico|webmanifest)");
    private static final Map<String, String> TYPES = Map.of(
            "html", "text/html; charset=utf-8",
            "js", "text/javascript; charset=utf-8",
            "css", "text/css; charset=utf-8",
            "svg", "image/svg+xml",
            "png", "image/png",
            "ico", "image/x-icon",
            "webmanifest", "application/manifest+json");

    /** Each file read, or empty for a name that has none. */
    private final Map<String, Optional<byte[]>> files = new ConcurrentHashMap<>();

    @Override
    public void handle(ServerRequest req, ServerResponse res) {
        String path = req.path().path();
        if (path.equals("/ws")) {
            res.status(Status.UPGRADE_REQUIRED_426).header(HeaderNames.UPGRADE, "websocket")
                    .send("/ws speaks the wire protocol over WebSocket (docs/wire_design.md)");
            return;
        }
        if (req.prologue().method() != Method.GET && req.prologue().method() != Method.HEAD) {
            res.status(Status.METHOD_NOT_ALLOWED_405).header(HeaderNames.ALLOW, "GET, HEAD").send();
            return;
        }
        if (path.equals("/")) {
            path = "/index.html";
        }
        Optional<byte[]> body = SAFE.matcher(path).matches() ? files.computeIfAbsent(path, StaticFiles::read) : Optional.empty();
        if (body.isEmpty()) {
            res.status(Status.NOT_FOUND_404).send("not found");
            return;
        }
        res.header(HeaderNames.CONTENT_TYPE, TYPES.get(path.substring(path.lastIndexOf('.') + 1)));
        res.header(HeaderNames.CACHE_CONTROL, "no-cache");
        res.send(body.get());
    }

    private static Optional<byte[]> read(String path) {
        try (InputStream in = StaticFiles.class.getResourceAsStream("/web" + path)) {
            return in == null ? Optional.empty() : Optional.of(in.readAllBytes());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the web client's file " + path, e);
        }
    }
}
