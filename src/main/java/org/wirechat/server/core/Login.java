package org.wirechat.server.core;

/** NONE: usable before login (Ergo's usablePreReg); TOKEN: a valid token; HOLDING: and its device not taken over. */
public enum Login {
    NONE,
    TOKEN,
    HOLDING
}
