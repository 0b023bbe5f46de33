package org.wirechat.protocol;

import java.util.List;

/** Typed, named access to one group of a payload's fields, for the codecs. */
final class Fields {
    private final List<Payload.Slice> slices;

    Fields(List<Payload.Slice> slices) {
        this.slices = slices;
    }

    int size() {
        return slices.size();
    }

    String text(int i, String name) throws ProtocolException {
        return Payload.text(slices.get(i), name, false);
    }

    String multiline(int i, String name) throws ProtocolException {
        return Payload.text(slices.get(i), name, true);
    }

    long number(int i, String name) throws ProtocolException {
        return Payload.number(slices.get(i), name);
    }

    int bounded(int i, String name, int min, int max) throws ProtocolException {
        return Limits.checkRange(name, number(i, name), min, max);
    }

    boolean flag(int i, String name) throws ProtocolException {
        Payload.Slice s = slices.get(i);
        if (s.length() == 1 && (s.bytes()[s.from()] == '0' || s.bytes()[s.from()] == '1')) {
            return s.bytes()[s.from()] == '1';
        }
        throw new ProtocolException(ErrorCode.INVALID_FIELD, name + " must be 0 or 1");
    }

    static void expect(String what, List<Payload.Slice> fields, int expected) throws ProtocolException {
        if (fields.size() != expected) {
            throw new ProtocolException(ErrorCode.WRONG_FIELD_COUNT,
                    what + " has " + expected + " field" + (expected == 1 ? "" : "s") + ", not " + fields.size());
        }
    }
}
