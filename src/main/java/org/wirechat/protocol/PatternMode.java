package org.wirechat.protocol;

/** How a list-accounts pattern is read. */
public enum PatternMode {
    /** {@code *} matches any run of characters, {@code ?} any one character, case-insensitive. */
    WILDCARD("W"),
    /** A regular expression (RE2 syntax, linear time), case-insensitive, matched against the whole text. */
    REGEX("R");

    private final String wire;

    PatternMode(String wire) {
        this.wire = wire;
    }

    public String wire() {
        return wire;
    }

    static PatternMode fromWire(String s) throws ProtocolException {
        for (PatternMode m : values()) {
            if (m.wire.equals(s)) {
                return m;
            }
        }
        throw new ProtocolException(ErrorCode.INVALID_FIELD, "pattern mode must be W (wildcard) or R (regular expression)");
    }
}
