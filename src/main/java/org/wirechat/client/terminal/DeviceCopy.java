package org.wirechat.client.terminal;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.wirechat.client.ChatClient;
import org.wirechat.client.ChatException;
import org.wirechat.client.local.LocalStore;
import org.wirechat.client.local.LocalStoreException;
import org.wirechat.protocol.Response;

/**
 * This device's copy of the logged-in account's conversations: the {@link LocalStore} the desktop client keeps
 * too (the same file for the same server, account and device), open from login to logout. Everything shown is
 * written to it; if the store fails, that is said once and the client carries on without it.
 */
final class DeviceCopy {
    private final TerminalClient.Stores opener;
    private final String host;
    private final int port;
    private final Consumer<String> tell;
    /** The open store, or {@code null} while nobody is logged in (or it failed). */
    private volatile LocalStore store;

    DeviceCopy(TerminalClient.Stores opener, String host, int port, Consumer<String> tell) {
        this.opener = opener;
        this.host = host;
        this.port = port;
        this.tell = tell;
    }

    /** {@code user} logged in: their store is opened (kept open when the same user renews a session). */
    synchronized void open(String user) {
        LocalStore now = store;
        if (now != null && now.me().equalsIgnoreCase(user)) {
            return;
        }
        close();
        try {
            store = opener.open(host, port, user);
        } catch (IOException | LocalStoreException e) {
            tell.accept("this device keeps no copy of your conversations this time: " + e.getMessage());
        }
    }

    /** Logged out or leaving: the store is closed (every write was committed when made). */
    synchronized void close() {
        LocalStore was = store;
        store = null;
        if (was != null) {
            was.close();
        }
    }

    /** The open store, or {@code null}. */
    LocalStore store() {
        return store;
    }

    void fetched(List<Response.Message> messages, String reading) {
        keep(s -> s.fetched(messages, reading));
    }

    void filled(List<Response.Message> messages) {
        keep(s -> s.filled(messages));
    }

    void sent(String to, Response.Sent sent, String body) {
        keep(s -> s.sent(to, sent.messageId(), sent.timestampMillis(), body));
    }

    /** The conversation was shown or answered: none of it is unread any more. */
    void read(String peer) {
        keep(s -> s.read(peer));
    }

    /** A group one has left: its copy goes too. */
    void forget(String peer) {
        keep(s -> s.forget(peer));
    }

    /**
     * Records this user's groups as this device saw them; returns the names of those it had not seen when they
     * were last recorded (added meanwhile, also while logged out), none the first time or without a store.
     */
    List<String> groupsNow(List<Response.Group> groups) {
        LocalStore s = store;
        if (s == null) {
            return List.of();
        }
        try {
            return s.groupsNow(groups.stream().map(Response.Group::name).toList());
        } catch (LocalStoreException e) {
            failed(s, e);
            return List.of();
        }
    }

    /** How many of the kept conversations are asked again at login (the latest ones). */
    static final int SYNCED_AT_LOGIN = 20;

    /**
     * After a login, off the caller's thread: asks HISTORY for the latest page of the latest kept conversations
     * and of {@code groups}, and keeps what this device lacks (what was said before it first logged in, or while
     * it was away past what the server keeps for it). Nothing becomes unread. Stops when the server is away (the
     * next login syncs) or another account's store is open.
     */
    void syncAfterLogin(ChatClient client, List<Response.Group> groups, int page) {
        LocalStore s = store;
        if (s == null) {
            return;
        }
        List<String> peers = new ArrayList<>();
        try {
            s.conversations().stream().limit(SYNCED_AT_LOGIN).forEach(c -> peers.add(c.peer()));
        } catch (LocalStoreException e) {
            failed(s, e);
            return;
        }
        groups.stream().map(Response.Group::name).filter(g -> peers.stream().noneMatch(g::equalsIgnoreCase)).forEach(peers::add);
        Thread.ofVirtual().name("store-sync").start(() -> {
            for (String peer : peers) {
                if (store != s) {
                    return;
                }
                try {
                    List<Response.Message> got = client.history(peer, 0, page).messages();
                    keep(k -> {
                        if (k == s) {
                            k.remember(peer);
                            k.filled(got);
                        }
                    });
                } catch (ChatException e) {
                    if (e.code() == null) {
                        return;
                    }
                    // a group left meanwhile, an account deleted: the rest still sync
                }
            }
        });
    }

    /** "3 unread in 2 conversations: bob (2), #crew (1)", "2 conversations, none unread", or {@code null} with none kept. */
    String summary() {
        LocalStore s = store;
        if (s == null) {
            return null;
        }
        List<LocalStore.Conversation> all;
        try {
            all = s.conversations();
        } catch (LocalStoreException e) {
            failed(s, e);
            return null;
        }
        if (all.isEmpty()) {
            return null;
        }
        List<LocalStore.Conversation> unread = all.stream().filter(c -> c.unread() > 0).toList();
        if (unread.isEmpty()) {
            return all.size() + " conversation" + (all.size() == 1 ? "" : "s") + ", none unread";
        }
        int total = unread.stream().mapToInt(LocalStore.Conversation::unread).sum();
        return total + " unread in " + unread.size() + " conversation" + (unread.size() == 1 ? "" : "s") + ": "
                + String.join(", ", unread.stream().map(c -> c.peer() + " (" + c.unread() + ")").toList());
    }

    private void keep(Consumer<LocalStore> work) {
        LocalStore s = store;
        if (s == null) {
            return;
        }
        try {
            work.accept(s);
        } catch (LocalStoreException e) {
            failed(s, e);
        }
    }

    /** Said once: the store is given up until the next login. */
    private synchronized void failed(LocalStore s, LocalStoreException e) {
        if (store == s) {
            store = null;
            s.close();
            tell.accept("this device stopped keeping a copy of your conversations until the next login: " + e.getMessage());
        }
    }
}
