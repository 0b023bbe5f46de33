package org.wirechat.server;

/** The stores the behavioural tests run against, so the two cannot drift apart. */
public enum Backend {
    SQLITE,
    POSTGRESQL
}
