package org.wirechat.server.storage;

import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.wirechat.server.core.port.BatchView;

/**
 * PostgreSQL's batch view (docs/architecture.md §3.5): the answers {@code PostgresSends} read for one batch in its
 * transaction — the recipients' and members' account rows locked with their counts, the groups share-locked with their
 * members, the earlier messages of the batch's client ids, the senders whose other devices hold — handed to the core's
 * {@code SendRule} as it decides SEND by SEND. Nothing is read here: the only statement a question may cause is the
 * full-inbox path's ({@link Room}), on the writer's connection, in the batch's transaction.
 */
final class PostgresBatchView implements BatchView {

    /** A recipient's row as the lock statement read it: the messages ever counted to it, and its floor's count. */
    record Row(long id, String username, long received) {
    }

    /** The full-inbox path: applies the account's acknowledgements ahead and moves its floor, in this transaction. */
    @FunctionalInterface
    interface Room {
        void make(long accountId, long nowMillis) throws SQLException;
    }

    private final Map<String, Row> byName;
    private final Map<Long, Row> byId;
    private final Map<String, GroupAt> groups;
    private final Map<String, Prior> priors;
    private final Set<String> copying;
    private final Map<Long, Long> acked;
    private final Room room;

    /**
     * {@code priors} and {@code copying} keyed by sender id, {@code '\0'}, then client id or device; {@code acked}: each
     * row's floor count as the batch's acknowledgements leave it (the full-inbox path moves it on).
     */
    PostgresBatchView(Map<String, Row> byName, Map<Long, Row> byId, Map<String, GroupAt> groups, Map<String, Prior> priors,
            Set<String> copying, Map<Long, Long> acked, Room room) {
        this.byName = byName;
        this.byId = byId;
        this.groups = groups;
        this.priors = priors;
        this.copying = copying;
        this.acked = acked;
        this.room = room;
    }

    @Override
    public Optional<Recipient> account(String key) {
        Row r = byName.get(key);
        return r == null ? Optional.empty() : Optional.of(new Recipient(r.id(), r.username()));
    }

    /** The group's members whose rows the lock statement holds (a deleted account has left its groups). */
    @Override
    public Optional<GroupAt> group(String key) {
        GroupAt g = groups.get(key);
        if (g == null) {
            return Optional.empty();
        }
        List<Long> live = g.members().stream().filter(byId::containsKey).toList();
        return Optional.of(live.size() == g.members().size() ? g : new GroupAt(g.conversation(), g.name(), live));
    }

    @Override
    public Optional<Prior> prior(long senderId, String clientId) {
        return Optional.ofNullable(priors.get(senderId + "\u0000" + clientId));
    }

    @Override
    public long waiting(long accountId) {
        return byId.get(accountId).received() - acked.get(accountId);
    }

    @Override
    public boolean makeRoom(long accountId, long nowMillis) {
        try {
            room.make(accountId, nowMillis);
        } catch (SQLException e) {
            throw new SqlFailure(e);
        }
        return true;
    }

    /** The sender's row is locked with the recipients', so its inbox keeps id order with the copy. */
    @Override
    public boolean holdsElsewhere(long accountId, String device, long nowMillis) {
        return copying.contains(accountId + "\u0000" + device) && byId.containsKey(accountId);
    }

    @Override
    public String username(long accountId) {
        return byId.get(accountId).username();
    }
}
