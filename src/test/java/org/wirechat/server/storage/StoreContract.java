package org.wirechat.server.storage;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.Timeout;
import org.wirechat.server.core.port.SendOutcome;
import org.wirechat.server.core.port.Storage;
import org.wirechat.server.data.Backups;

/**
 * The store contract (issue 28, docs/architecture.md §6 step 7): what every store must do, written once and
 * run against each store by a subclass ({@link SqliteStoreContractTest}, {@link PostgresStoreContractTest}).
 * The cases are grouped by the narrow persistence interfaces the redesign splits {@link Storage} into
 * (accounts, tokens, sending, delivery and device marks, groups, receipts, retention, crashes, maintenance):
 * each area's cases are an abstract class of their own ({@link AccountContract}, …), run here as a nested
 * class over this store, so when the interface splits only the calls in those classes change.
 *
 * <p>Most cases share one store per subclass (opened once: a store's start is the slow part on a loaded
 * machine), each case with accounts and groups of its own names ({@link #who}). What is store-wide has a
 * store of its own: the retention purge's cases one, the crashes and restarts another ({@link #open}); the
 * device horizon is set on the shared store for its one case and put back (cases run one at a time).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@Timeout(60)
abstract class StoreContract {
    /** A token's expiry far enough that no case's {@code deleteExpiredTokens} reaches it. */
    static final long NEVER = Long.MAX_VALUE;

    /** The store most cases share. */
    Storage store;

    private final AtomicInteger names = new AtomicInteger();
    private final Map<Storage, Who> barriers = new IdentityHashMap<>();

    /** A new, empty store. */
    abstract Storage open();

    /** Closes the store cleanly and opens it again on the same data (a restart). */
    abstract Storage reopen(Storage store);

    /**
     * The store as a crash leaves it, opened again: the log store's index behind its log and the log's tail
     * torn; PostgreSQL's connections cut, and a new store on the same database.
     */
    abstract Storage crash(Storage store) throws Exception;

    /** Runs {@code meanwhile} while the store's writer is held: what it queues is decided as one batch. */
    abstract void whileWriterHeld(Storage store, Runnable meanwhile);

    /** Waits for the work the store does after answering (the log store's history indexer); nothing elsewhere. */
    abstract void settle(Storage store) throws InterruptedException;

    /** The store's backup opened as a store; null when the store is backed up by its own tools instead. */
    abstract Storage openBackup(Path copy);

    /** Whether several servers may serve from this store ({@link Storage#shared()}). */
    abstract boolean sharedByServers();

    @Nested
    class Accounts extends AccountContract {
        @Override
        StoreContract contract() {
            return StoreContract.this;
        }
    }

    @Nested
    class Tokens extends TokenContract {
        @Override
        StoreContract contract() {
            return StoreContract.this;
        }
    }

    @Nested
    class Sending extends SendContract {
        @Override
        StoreContract contract() {
            return StoreContract.this;
        }
    }

    @Nested
    class Delivery extends DeliveryContract {
        @Override
        StoreContract contract() {
            return StoreContract.this;
        }
    }

    @Nested
    class Search extends SearchContract {
        @Override
        StoreContract contract() {
            return StoreContract.this;
        }
    }

    @Nested
    class Groups extends GroupContract {
        @Override
        StoreContract contract() {
            return StoreContract.this;
        }
    }

    @Nested
    class Receipts extends ReceiptContract {
        @Override
        StoreContract contract() {
            return StoreContract.this;
        }
    }

    @Nested
    class Retention extends RetentionContract {
        @Override
        StoreContract contract() {
            return StoreContract.this;
        }
    }

    @Nested
    class Crashes extends CrashContract {
        @Override
        StoreContract contract() {
            return StoreContract.this;
        }
    }

    @Nested
    class Maintenance extends MaintenanceContract {
        @Override
        StoreContract contract() {
            return StoreContract.this;
        }
    }

    @BeforeAll
    void openShared() {
        store = open();
    }

    @AfterAll
    void closeShared() {
        if (store != null) {
            store.close();
        }
    }

    /** An account and its name. */
    record Who(long id, String name) {
    }

    /** A name no other case of this run uses: {@code base} and a number. */
    String unique(String base) {
        return base + "_" + names.incrementAndGet();
    }

    /** A new account named after {@code base} (its first letter upper case, to check names ignore case). */
    Who who(Storage s, String base) {
        String name = Character.toUpperCase(base.charAt(0)) + unique(base).substring(1);
        return new Who(s.create(name, base, "hash", 0).orElseThrow().id(), name);
    }

    /**
     * An awaited write after everything queued before it: acknowledgements queued before it are committed
     * once it returns ({@link Storage#acknowledgeLater}: "ordered before every later write"). A message to an
     * account of its own, so no case's counts see it.
     */
    void barrier(Storage s) {
        Who b = barriers.computeIfAbsent(s, k -> who(k, "barrier"));
        assertThat(s.send(b.id(), b.name(), unique("barrier"), "a barrier", 1, Integer.MAX_VALUE))
                .isInstanceOf(SendOutcome.Stored.class);
    }

    static long stored(SendOutcome outcome) {
        assertThat(outcome).isInstanceOf(SendOutcome.Stored.class);
        return ((SendOutcome.Stored) outcome).id();
    }

    static long groupStored(SendOutcome outcome) {
        assertThat(outcome).isInstanceOf(SendOutcome.GroupStored.class);
        return ((SendOutcome.GroupStored) outcome).id();
    }

    /**
     * Every method of {@link Storage}, by name and parameter types, with the area whose cases use it. A new
     * method fails {@link #everyStoreMethodIsCovered} until it has a case here and its line in this list.
     */
    static final Map<String, String> COVERED = Map.ofEntries(
            Map.entry("create(String,String,String,long)", "AccountContract"),
            Map.entry("find(String)", "AccountContract"),
            Map.entry("find(long)", "AccountContract"),
            Map.entry("page(String,int)", "AccountContract"),
            Map.entry("updatePasswordHash(long,String)", "AccountContract"),
            Map.entry("changePassword(long,String,byte[])", "AccountContract"),
            Map.entry("setFullName(long,String)", "AccountContract"),
            Map.entry("setDisabled(long,long)", "AccountContract"),
            Map.entry("setReceipts(long,boolean)", "AccountContract"),
            Map.entry("deleteIfNothingWaits(long,String,long,Departures)", "AccountContract"),
            Map.entry("deleteIfNothingWaits(long,long,Departures)", "AccountContract"),
            Map.entry("insert(byte[],long,String,long,long,int)", "TokenContract"),
            Map.entry("find(byte[])", "TokenContract"),
            Map.entry("extendLater(byte[],long)", "TokenContract"),
            Map.entry("delete(byte[])", "TokenContract"),
            Map.entry("deleteExpired(long)", "TokenContract"),
            Map.entry("deleteOf(long)", "TokenContract"),
            Map.entry("send(long,String,String,String,long,int)", "SendContract"),
            Map.entry("sendLater(long,String,String,String,long,int)", "SendContract"),
            Map.entry("sendLater(long,String,String,String,String,long,int)", "SendContract"),
            Map.entry("acknowledgeLater(long,String,long,long)", "DeliveryContract"),
            Map.entry("undelivered(long,String,long,int)", "DeliveryContract"),
            Map.entry("undelivered(long,long,int)", "DeliveryContract"),
            Map.entry("unread(long,String)", "DeliveryContract"),
            Map.entry("undeliveredCount(long)", "DeliveryContract"),
            Map.entry("seen(long,String,long)", "DeliveryContract"),
            Map.entry("register(long,String,long)", "DeliveryContract"),
            Map.entry("missed(long,String)", "DeliveryContract"),
            Map.entry("devices(long)", "DeliveryContract"),
            Map.entry("deviceHorizon(Duration)", "DeliveryContract"),
            Map.entry("history(long,long,long,int)", "DeliveryContract"),
            Map.entry("search(SearchQuery,SearchScope,long,int)", "SearchContract"),
            Map.entry("memberships(long)", "SearchContract"),
            Map.entry("groupHistory(long,long,int)", "GroupContract"),
            Map.entry("change(Function)", "GroupContract"),
            Map.entry("groupsOf(long)", "GroupContract"),
            Map.entry("findGroup(String)", "GroupContract"),
            Map.entry("oldestWaiting(long,long)", "ReceiptContract"),
            Map.entry("groupReceipts(long,long,long)", "ReceiptContract"),
            Map.entry("purgeDeliveredBefore(long)", "RetentionContract"),
            Map.entry("storageFault()", "MaintenanceContract"),
            Map.entry("notReady()", "MaintenanceContract"),
            Map.entry("commitStats()", "MaintenanceContract"),
            Map.entry("undeliveredTotal()", "MaintenanceContract"),
            Map.entry("backup(Path)", "MaintenanceContract"),
            Map.entry("check()", "MaintenanceContract"),
            Map.entry("describe()", "MaintenanceContract"),
            Map.entry("shared()", "MaintenanceContract"),
            Map.entry("close()", "CrashContract"));

    @Test
    void everyStoreMethodIsCovered() {
        Set<String> methods = Arrays.stream(Storage.class.getMethods())
                .filter(m -> !Modifier.isStatic(m.getModifiers()))
                .map(StoreContract::signature)
                .collect(Collectors.toCollection(TreeSet::new));
        assertThat(new TreeSet<>(COVERED.keySet())).as("the contract's list against Storage's methods").isEqualTo(methods);
    }

    private static String signature(Method m) {
        return m.getName() + Arrays.stream(m.getParameterTypes()).map(Class::getSimpleName)
                .collect(Collectors.joining(",", "(", ")"));
    }

    /**
     * Whether the backup could be made, as the administration socket's {@code backup} makes it (the store's copy,
     * then its manifest): the line it says, or the reason it gives (for {@code MaintenanceContract}).
     */
    static String backupOrReason(Storage s, Path dest) {
        try {
            return Backups.online(s, dest);
        } catch (IOException e) {
            return "refused: " + e.getMessage();
        }
    }
}
