package org.wirechat.model;

import java.time.Duration;
import java.util.List;
import java.util.TreeSet;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.state.Action;
import net.jqwik.api.state.ActionChain;
import net.jqwik.api.state.ActionChainArbitrary;
import net.jqwik.api.state.Transformer;
import org.wirechat.protocol.Request;

/**
 * The operations a sequence is made of, each with its parameters as small indices (which user, which
 * token, which group…) resolved against the sequence when it runs, so that a shrunk sequence still makes
 * sense. Three users, three group names, two device ids plus one differing only in case, a few client
 * message ids and bodies: small pools, so that names collide, retries repeat and limits are reached.
 */
final class Steps {
    static final String PASSWORD = "correct horse";
    static final String WRONG = "wrong horse!";
    /** The password CHANGE_PASSWORD may move an account to (and back from: its current password is PASSWORD, this or WRONG). */
    static final String OTHER = "battery staple";
    static final List<String> PASSWORDS = List.of(PASSWORD, OTHER, WRONG);
    static final List<String> FULL_NAMES = List.of("Full Name", "Émile Zola", "张伟");
    private static final List<String> USERS = List.of("ann", "bob", "cy");
    private static final List<String> DEVICES = List.of("phone", "laptop", "Phone");
    private static final List<String> BODIES = List.of("hi", "two\nlines", "x");
    /** Search queries over {@link #BODIES}: case, two words in another order, prefixes, a word of none, no word at all. */
    private static final List<String> QUERIES = List.of("HI", "lines two", "li*", "t* x", "hi!", "?!");

    private Steps() {
    }

    static String userName(Sequence s, int i, boolean upper) {
        String n = s.namespace + USERS.get(i % USERS.size());
        return upper ? n.toUpperCase(java.util.Locale.ROOT) : n;
    }

    static String groupName(Sequence s, int i, boolean upper) {
        String n = "#" + s.namespace + "g" + (i % 3);
        return upper ? n.toUpperCase(java.util.Locale.ROOT) : n;
    }

    /** A step of a sequence: {@link #run} makes its request and checks the answers. */
    interface Step {
        void run(Sequence s);
    }

    record Create(int user, boolean upper) implements Step {
        public void run(Sequence s) {
            s.run(new Request.CreateAccount(userName(s, user, upper), "Full Name", PASSWORD));
        }
    }

    record Login(int user, boolean upper, boolean wrong) implements Step {
        public void run(Sequence s) {
            s.run(new Request.Login(userName(s, user, upper), wrong ? WRONG : PASSWORD));
        }
    }

    record LoginDevice(int user, int device, boolean wrong) implements Step {
        public void run(Sequence s) {
            s.run(new Request.LoginDevice(userName(s, user, false), wrong ? WRONG : PASSWORD, DEVICES.get(device % DEVICES.size())));
        }
    }

    record Logout(int token) implements Step {
        public void run(Sequence s) {
            s.run(new Request.Logout(s.token(token)));
        }
    }

    /** To a user (target 0–2) or a group (3–4). */
    record Send(int token, int target, boolean upper, int clientId, int body) implements Step {
        public void run(Sequence s) {
            String to = target < 3 ? userName(s, target, upper) : groupName(s, target, upper);
            s.run(new Request.Send(s.token(token), to, "c" + clientId, BODIES.get(body % BODIES.size())));
        }
    }

    /**
     * Acknowledging nothing (ack 0), the newest id the device was handed (1, 2), or an older one (3); as SYNC when
     * {@code sync} and the sequence speaks the wire protocol (over gRPC, SYNC is a stream: FETCH then).
     */
    record Fetch(int token, int ack, int max, boolean sync) implements Step {
        public void run(Sequence s) {
            String t = s.token(token);
            TreeSet<Long> handed = s.handed(t);
            long through = handed.isEmpty() || ack == 0 ? 0 : ack < 3 ? handed.last() : handed.first();
            s.run(sync && s.wire() ? new Request.Sync(t, through, max, 0) : new Request.Fetch(t, through, max, 0));
        }
    }

    record History(int token, int peer, int before, int limit) implements Step {
        public void run(Sequence s) {
            String p = peer < 3 ? userName(s, peer, false) : groupName(s, peer, false);
            long b = before == 0 || s.stored.isEmpty() ? 0 : s.stored.get(before % s.stored.size());
            s.run(new Request.History(s.token(token), p, b, limit));
        }
    }

    /** SEARCH_MESSAGES: a query from {@link #QUERIES} (one with no word among them), below a stored id or from the newest. */
    record Search(int token, int query, int before, int limit) implements Step {
        public void run(Sequence s) {
            long b = before == 0 || s.stored.isEmpty() ? 0 : s.stored.get(before % s.stored.size());
            s.run(new Request.SearchMessages(s.token(token), QUERIES.get(query % QUERIES.size()), b, limit));
        }
    }

    record Receipts(int token, int peer) implements Step {
        public void run(Sequence s) {
            s.run(new Request.Receipts(s.token(token), userName(s, peer, false)));
        }
    }

    record SetReceipts(int token, boolean on) implements Step {
        public void run(Sequence s) {
            s.run(new Request.SetReceipts(s.token(token), on));
        }
    }

    record Delete(int token, boolean wrong) implements Step {
        public void run(Sequence s) {
            s.run(new Request.DeleteAccount(s.token(token), wrong ? WRONG : PASSWORD));
        }
    }

    record ChangePassword(int token, int current, boolean toOther) implements Step {
        public void run(Sequence s) {
            s.run(new Request.ChangePassword(s.token(token), PASSWORDS.get(current), toOther ? OTHER : PASSWORD));
        }
    }

    record SetFullName(int token, int name) implements Step {
        public void run(Sequence s) {
            s.run(new Request.SetFullName(s.token(token), FULL_NAMES.get(name)));
        }
    }

    record ListDevices(int token) implements Step {
        public void run(Sequence s) {
            s.run(new Request.ListDevices(s.token(token)));
        }
    }

    record GroupCreate(int token, int group, boolean upper) implements Step {
        public void run(Sequence s) {
            s.run(new Request.GroupCreate(s.token(token), groupName(s, group, upper)));
        }
    }

    record GroupAdd(int token, int group, int user, boolean upper) implements Step {
        public void run(Sequence s) {
            s.run(new Request.GroupAdd(s.token(token), groupName(s, group, false), userName(s, user, upper)));
        }
    }

    record GroupRemove(int token, int group, int user) implements Step {
        public void run(Sequence s) {
            s.run(new Request.GroupRemove(s.token(token), groupName(s, group, false), userName(s, user, false)));
        }
    }

    record GroupLeave(int token, int group) implements Step {
        public void run(Sequence s) {
            s.run(new Request.GroupLeave(s.token(token), groupName(s, group, false)));
        }
    }

    record GroupRename(int token, int group, int to, boolean upper) implements Step {
        public void run(Sequence s) {
            s.run(new Request.GroupRename(s.token(token), groupName(s, group, false), groupName(s, to, upper)));
        }
    }

    record GroupList(int token) implements Step {
        public void run(Sequence s) {
            s.run(new Request.GroupList(s.token(token)));
        }
    }

    record GroupMembers(int token, int group) implements Step {
        public void run(Sequence s) {
            s.run(new Request.GroupMembers(s.token(token), groupName(s, group, false)));
        }
    }

    record GroupReceipts(int token, int group, int message) implements Step {
        public void run(Sequence s) {
            long id = s.stored.isEmpty() ? 1 : s.stored.get(message % s.stored.size());
            s.run(new Request.GroupReceipts(s.token(token), groupName(s, group, false), id));
        }
    }

    /** The clock moves a minute, or past the token idle lifetime (61 minutes). */
    record Advance(boolean pastIdle) implements Step {
        public void run(Sequence s) {
            s.advance(Duration.ofMinutes(pastIdle ? 61 : 1));
        }
    }

    private static Arbitrary<Integer> small(int n) {
        return Arbitraries.integers().between(0, n - 1);
    }

    private static Arbitrary<Boolean> sometimes() {
        return Arbitraries.of(false, false, false, true);
    }

    private static Arbitrary<Boolean> rarely() {
        return Arbitraries.integers().between(0, 9).map(i -> i == 0);
    }

    private static Arbitrary<Integer> token() {
        return small(8);
    }

    private static Action.Independent<Sequence> act(Arbitrary<? extends Step> steps, boolean needsToken) {
        return new Action.Independent<>() {
            @Override
            public boolean precondition(Sequence s) {
                return !needsToken || !s.tokens.isEmpty();
            }

            @Override
            public Arbitrary<Transformer<Sequence>> transformer() {
                return steps.map(step -> Transformer.mutate(step.toString(), s -> step.run(s)));
            }
        };
    }

    /** Sequences of up to {@code length} steps, each starting from {@code start}. */
    static ActionChainArbitrary<Sequence> chains(java.util.function.Supplier<Sequence> start, int length) {
        return ActionChain.startWith(() -> {
            Sequence s = start.get();
            for (int i = 0; i < USERS.size(); i++) {
                new Create(i, false).run(s); // most steps need accounts: every sequence begins with its three
            }
            return s;
        })
                .withAction(1, act(Combinators.combine(small(3), sometimes()).as(Create::new), false))
                .withAction(3, act(Combinators.combine(small(3), sometimes(), rarely()).as(Login::new), false))
                .withAction(3, act(Combinators.combine(small(3), small(3), rarely()).as(LoginDevice::new), false))
                .withAction(1, act(token().map(Logout::new), true))
                .withAction(12, act(Combinators.combine(token(), small(5), sometimes(), small(4), small(3)).as(Send::new), true))
                .withAction(8, act(Combinators.combine(token(), small(4), Arbitraries.integers().between(1, 4), sometimes())
                        .as(Fetch::new), true))
                .withAction(2, act(Combinators.combine(token(), small(5), small(4), Arbitraries.integers().between(1, 4))
                        .as(History::new), true))
                .withAction(2, act(Combinators.combine(token(), small(6), small(4), Arbitraries.integers().between(1, 3))
                        .as(Search::new), true))
                .withAction(2, act(Combinators.combine(token(), small(3)).as(Receipts::new), true))
                .withAction(1, act(Combinators.combine(token(), Arbitraries.of(true, false)).as(SetReceipts::new), true))
                .withAction(1, act(Combinators.combine(token(), rarely()).as(Delete::new), true))
                .withAction(1, act(token().map(ListDevices::new), true))
                .withAction(1, act(Combinators.combine(token(), small(3), sometimes()).as(ChangePassword::new), true))
                .withAction(1, act(Combinators.combine(token(), small(3)).as(SetFullName::new), true))
                .withAction(4, act(Combinators.combine(token(), small(2), sometimes()).as(GroupCreate::new), true))
                .withAction(6, act(Combinators.combine(token(), small(2), small(3), sometimes()).as(GroupAdd::new), true))
                .withAction(1, act(Combinators.combine(token(), small(3), small(3)).as(GroupRemove::new), true))
                .withAction(1, act(Combinators.combine(token(), small(3)).as(GroupLeave::new), true))
                .withAction(1, act(Combinators.combine(token(), small(3), small(3), sometimes()).as(GroupRename::new), true))
                .withAction(1, act(token().map(GroupList::new), true))
                .withAction(1, act(Combinators.combine(token(), small(3)).as(GroupMembers::new), true))
                .withAction(1, act(Combinators.combine(token(), small(3), small(8)).as(GroupReceipts::new), true))
                .withAction(1, act(sometimes().map(Advance::new), false))
                .withMaxTransformations(length);
    }
}
