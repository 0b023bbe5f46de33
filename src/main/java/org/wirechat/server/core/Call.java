package org.wirechat.server.core;

/** What the transport knows of one request: the connection it came in on and the token it carried ("" if none). */
public record Call(Caller caller, String token) {
    @Override
    public String toString() {
        return "Call[address=" + caller.address() + ", token=<redacted>]";
    }
}
