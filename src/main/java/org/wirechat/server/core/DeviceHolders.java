package org.wirechat.server.core;

import java.util.concurrent.ConcurrentHashMap;

/**
 * Which login polls each device now (docs/wire_design.md, LOGIN_DEVICE: "one device, one client"): the
 * newest LOGIN_DEVICE of the device on this server. Every client polling one device shares one mark, so
 * two clients polling as one device would each miss what the other acknowledged first; instead the newest
 * login takes the device over, and the older logins' FETCHes (a waiting one at once) are answered
 * {@code DEVICE_IN_USE}, acknowledging nothing. The default device (LOGIN's tokens) is left shared, as it
 * always was. Holds one token per device that logged in here; the tokens never leave this object.
 */
final class DeviceHolders {
    private final ConcurrentHashMap<String, String> holders = new ConcurrentHashMap<>();

    private static String key(long accountId, String device) {
        return accountId + "\u0000" + device;
    }

    /** The device logged in with {@code token}: from now on that login holds it. */
    void loggedIn(long accountId, String device, String token) {
        if (!device.isEmpty()) {
            holders.put(key(accountId, device), token);
        }
    }

    /** Whether {@code token} may poll its device: it is the device's newest login here (or the default device's). */
    boolean holds(long accountId, String device, String token) {
        if (device.isEmpty()) {
            return true;
        }
        String holder = holders.get(key(accountId, device));
        return holder == null || holder.equals(token);
    }
}
