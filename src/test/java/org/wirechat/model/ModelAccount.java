package org.wirechat.model;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * One account of the model, with its devices and what each still waits for (docs/wire_design.md §5,
 * LOGIN_DEVICE). A device's waiting messages are a set, not a mark: the spec speaks of what "some device
 * still waits for", and a set is that statement with nothing derived.
 */
final class ModelAccount {
    final long id;
    final String name;
    String password;
    boolean receipts = true;
    boolean deleted;
    /** Every device the account has used, by id ({@code ""} is the default device, LOGIN's). */
    final Map<String, Device> devices = new LinkedHashMap<>();
    /** Messages that arrived while no device held the account's messages: what the first holder starts with. */
    final TreeSet<Long> unheld = new TreeSet<>();
    /**
     * Every record kept for the account: the messages to it, and the copies of its own kept for its devices
     * (a copy is kept only when another device held the account's messages as it was sent).
     */
    final TreeSet<Long> records = new TreeSet<>();
    /** The highest acknowledge-through any device of the account sent (RECEIPTS: "the peer has acknowledged"). */
    long acknowledged;
    /** The account's sends by client message id (SEND's retry rule). */
    final Map<String, ModelMessage> sent = new HashMap<>();

    /** A device: whether it holds the account's messages, which of them it still waits for. */
    static final class Device {
        final String id;
        boolean holding;
        final TreeSet<Long> waiting = new TreeSet<>();
        /**
         * Its mark, as the spec's FETCH defines one: the highest id it acknowledged, moved over its own messages
         * that follow with nothing else between; a device new to the account starts at the account's floor.
         */
        long mark;
        /** When it last asked for its mail (FETCH, or its LOGIN_DEVICE); -1 if never since it holds. */
        long lastSeen = -1;
        /** Its newest LOGIN_DEVICE's token ("one device, one client"); null for the default device. */
        String current;

        Device(String id) {
            this.id = id;
        }
    }

    ModelAccount(long id, String name, String password) {
        this.id = id;
        this.name = name;
        this.password = password;
    }

    Device device(String id) {
        return devices.computeIfAbsent(id, Device::new);
    }

    /** The account's floor: the lowest mark of the devices that hold its messages (0 while none does). */
    long floor() {
        return holders().stream().mapToLong(d -> d.mark).min().orElse(0);
    }

    List<Device> holders() {
        List<Device> out = new ArrayList<>();
        for (Device d : devices.values()) {
            if (d.holding) {
                out.add(d);
            }
        }
        return out;
    }

    /** What some device holding the account's messages still waits for (what arrived unheld, if none holds). */
    TreeSet<Long> someDeviceWaitsFor() {
        List<Device> holders = holders();
        if (holders.isEmpty()) {
            return new TreeSet<>(unheld);
        }
        TreeSet<Long> out = new TreeSet<>();
        for (Device d : holders) {
            out.addAll(d.waiting);
        }
        return out;
    }
}
