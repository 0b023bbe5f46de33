package org.wirechat.protocol;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The hex vectors of docs/wire_design.md §10 and the message each is, as {@link SpecVectorsTest} checks them against
 * the Java codec: for other codecs' tests (the web client's, in a browser), so that every codec is held to the same bytes.
 */
public final class SpecVectors {
    /** One vector: its name in the spec, its bytes, its request id and the request or response it encodes. */
    public record Vector(String name, byte[] bytes, int requestId, Object message) {
    }

    private SpecVectors() {
    }

    /** Every vector, in the spec's order. */
    public static Map<String, Vector> all() throws Exception {
        Map<String, byte[]> bytes = SpecVectorsTest.documented();
        Map<String, Vector> out = new LinkedHashMap<>();
        SpecVectorsTest.expected().forEach((name, v) -> out.put(name, new Vector(name, bytes.get(name), v.requestId(), v.message())));
        return out;
    }
}
