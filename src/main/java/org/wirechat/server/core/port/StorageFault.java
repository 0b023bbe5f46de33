package org.wirechat.server.core.port;

/**
 * Why the storage cannot take a write: a fault of the machine or the database, not of the request, and
 * one that may clear by itself (space freed, the file system remounted, the database back).
 *
 * @param what a short description for the log and the client ("disk full", "read-only file system")
 */
public record StorageFault(String what) {
    public static final StorageFault DISK_FULL = new StorageFault("disk full");
    public static final StorageFault READ_ONLY = new StorageFault("read-only storage");
    public static final StorageFault IO_ERROR = new StorageFault("I/O error");
    public static final StorageFault DAMAGED = new StorageFault("database damaged");
    public static final StorageFault UNREACHABLE = new StorageFault("database unreachable");
    public static final StorageFault NO_MEMORY = new StorageFault("database out of memory");
}
