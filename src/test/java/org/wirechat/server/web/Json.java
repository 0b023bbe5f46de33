package org.wirechat.server.web;

import java.lang.reflect.RecordComponent;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;

/** The protocol's records as JSON for the browser tests: a record is an object with its {@code type} and its components. */
final class Json {
    private Json() {
    }

    static String of(Object v) {
        StringBuilder b = new StringBuilder();
        write(b, v);
        return b.toString();
    }

    private static void write(StringBuilder b, Object v) {
        switch (v) {
            case null -> b.append("null");
            case String s -> string(b, s);
            case Number n -> b.append(n);
            case Boolean x -> b.append(x);
            case Enum<?> e -> string(b, e.name());
            case byte[] bytes -> string(b, HexFormat.of().formatHex(bytes));
            case List<?> list -> {
                b.append('[');
                for (int i = 0; i < list.size(); i++) {
                    b.append(i == 0 ? "" : ",");
                    write(b, list.get(i));
                }
                b.append(']');
            }
            case Map<?, ?> map -> {
                b.append('{');
                boolean first = true;
                for (Map.Entry<?, ?> e : map.entrySet()) {
                    b.append(first ? "" : ",");
                    first = false;
                    string(b, String.valueOf(e.getKey()));
                    b.append(':');
                    write(b, e.getValue());
                }
                b.append('}');
            }
            case Record r -> {
                b.append("{\"type\":");
                string(b, r.getClass().getSimpleName());
                for (RecordComponent c : r.getClass().getRecordComponents()) {
                    b.append(',');
                    string(b, c.getName());
                    b.append(':');
                    try {
                        c.getAccessor().setAccessible(true);
                        write(b, c.getAccessor().invoke(r));
                    } catch (ReflectiveOperationException e) {
                        throw new IllegalStateException(e);
                    }
                }
                b.append('}');
            }
            default -> throw new IllegalArgumentException("no JSON for " + v.getClass());
        }
    }

    private static void string(StringBuilder b, String s) {
        b.append('"');
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                default -> {
                    if (c < 0x20 || c > 0x7e) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        b.append('"');
    }
}
