package org.wirechat.server.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.wirechat.server.core.port.Deletion;
import org.wirechat.server.core.port.GroupInfo;
import org.wirechat.server.core.port.GroupMembership;
import org.wirechat.server.core.port.SearchQuery;
import org.wirechat.server.core.port.SearchScope;
import org.wirechat.server.core.port.StoredMessage;
import org.wirechat.server.core.rules.GroupChange;
import org.wirechat.server.core.rules.GroupOutcome;
import org.wirechat.server.core.rules.GroupRules;
import org.wirechat.server.storage.StoreContract.Who;

/**
 * SEARCH_MESSAGES' store side (the redesign's {@code MessageStore.search}, {@code GroupStore.memberships}): the same
 * queries find the same messages on every store — accents, case, prefixes, punctuation, a word inside a longer one —
 * before and after the log store's indexer has copied them, and a search keeps to the scope it is given.
 */
abstract class SearchContract extends ContractArea {

    /** A scope of the account's direct messages only. */
    private static SearchScope direct(Who who) {
        return new SearchScope(who.id(), List.of());
    }

    private List<String> found(SearchScope scope, String query) {
        return store().search(SearchQuery.parse(query), scope, 0, 100).stream().map(StoredMessage::body).toList();
    }

    /**
     * Each query and the bodies it must find, newest first: the same on every store, and what {@link SearchQuery#matches}
     * (the rule the log store runs on its unindexed tail) says of each body.
     */
    @Test
    void theSameQueriesFindTheSameMessagesOnEveryStore() throws InterruptedException {
        Who alice = who("alice");
        Who bob = who("bob");
        List<String> bodies = List.of(
                "Café crème at noon",
                "Naïve RÉSUMÉ, attached",
                "understanding the deadline",
                "hello,world (see e-mail)",
                "write to bob@example.com or see https://wirechat.example/docs/search?q=1",
                "room 42b at 3pm",
                "cafe\u0301 decomposed",
                "ÉCOLE Ñandú Ångström",
                "tab\tand\nnewline");
        for (int i = 0; i < bodies.size(); i++) {
            Who from = i % 2 == 0 ? alice : bob; // sent and received alike
            Who to = i % 2 == 0 ? bob : alice;
            StoreContract.stored(store().send(from.id(), to.name(), "s" + i, bodies.get(i), 100 + i, 1000));
        }
        Map<String, List<String>> cases = new LinkedHashMap<>();
        cases.put("cafe", List.of("cafe\u0301 decomposed", "Café crème at noon"));
        cases.put("CAFÉ", List.of("cafe\u0301 decomposed", "Café crème at noon"));
        cases.put("creme noon", List.of("Café crème at noon"));
        cases.put("caf", List.of());
        cases.put("caf*", List.of("cafe\u0301 decomposed", "Café crème at noon"));
        cases.put("crème midnight", List.of());
        cases.put("naive resume", List.of("Naïve RÉSUMÉ, attached"));
        cases.put("résumé!", List.of("Naïve RÉSUMÉ, attached"));
        cases.put("stand", List.of());
        cases.put("stand*", List.of());
        cases.put("under*", List.of("understanding the deadline"));
        cases.put("world", List.of("hello,world (see e-mail)"));
        cases.put("mail", List.of("hello,world (see e-mail)"));
        cases.put("e-mail", List.of("hello,world (see e-mail)"));
        cases.put("example", List.of("write to bob@example.com or see https://wirechat.example/docs/search?q=1"));
        cases.put("docs search", List.of("write to bob@example.com or see https://wirechat.example/docs/search?q=1"));
        cases.put("42b", List.of("room 42b at 3pm"));
        cases.put("42", List.of());
        cases.put("42*", List.of("room 42b at 3pm"));
        cases.put("3pm", List.of("room 42b at 3pm"));
        cases.put("ecole nandu angstrom", List.of("ÉCOLE Ñandú Ångström"));
        cases.put("newline tab", List.of("tab\tand\nnewline"));
        cases.put("at", List.of("room 42b at 3pm", "Café crème at noon"));
        cases.put("a*", List.of("tab\tand\nnewline", "ÉCOLE Ñandú Ångström", "room 42b at 3pm", "Naïve RÉSUMÉ, attached", "Café crème at noon"));

        Map<String, List<String>> unsettled = new LinkedHashMap<>();
        cases.keySet().forEach(q -> unsettled.put(q, found(direct(alice), q)));
        contract().settle(store());
        for (var c : cases.entrySet()) {
            assertThat(found(direct(alice), c.getKey())).as("indexed: " + c.getKey()).isEqualTo(c.getValue());
            assertThat(found(direct(bob), c.getKey())).as("bob's side: " + c.getKey()).isEqualTo(c.getValue());
            assertThat(unsettled.get(c.getKey())).as("answered at once: " + c.getKey()).isEqualTo(c.getValue());
            List<String> matched = new ArrayList<>();
            for (int i = bodies.size() - 1; i >= 0; i--) {
                if (SearchQuery.parse(c.getKey()).matches(bodies.get(i))) {
                    matched.add(bodies.get(i));
                }
            }
            assertThat(matched).as("the unindexed tail's rule: " + c.getKey()).isEqualTo(c.getValue());
        }
    }

    /** A query with no word, or with more than ten, is refused before any store sees it. */
    @Test
    void aQueryNeedsOneToTenWords() {
        assertThatThrownBy(() -> SearchQuery.parse("")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> SearchQuery.parse(" ?!* -- ")).isInstanceOf(IllegalArgumentException.class);
        assertThat(SearchQuery.parse("a b c d e f g h i j").terms()).hasSize(SearchQuery.WORDS_MAX);
        assertThatThrownBy(() -> SearchQuery.parse("a b c d e f g h i j k")).isInstanceOf(IllegalArgumentException.class);
    }

    /** Newest first, at most the limit, then the next page below the last id. */
    @Test
    void resultsComeNewestFirstAndPageByMessageId() {
        Who alice = who("alice");
        Who bob = who("bob");
        List<Long> ids = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            ids.add(StoreContract.stored(store().send(alice.id(), bob.name(), "p" + i, "page " + i + " marker", 10 + i, 1000)));
        }
        StoreContract.stored(store().send(alice.id(), bob.name(), "other", "no such word", 20, 1000));
        SearchQuery q = SearchQuery.parse("marker");
        List<StoredMessage> first = store().search(q, direct(alice), 0, 2);
        assertThat(first).extracting(StoredMessage::id).containsExactly(ids.get(4), ids.get(3));
        assertThat(first.get(0)).isEqualTo(new StoredMessage(ids.get(4), alice.name(), bob.name(), 14, "page 4 marker"));
        assertThat(store().search(q, direct(alice), ids.get(3), 2)).extracting(StoredMessage::id).containsExactly(ids.get(2), ids.get(1));
        assertThat(store().search(q, direct(alice), ids.get(1), 2)).extracting(StoredMessage::id).containsExactly(ids.get(0));
    }

    /**
     * The scope: another pair's messages are never found, nor a group's outside the windows given (the intervals
     * {@code memberships} reports), nor a direct message whose other side was deleted; a group's message carries the
     * group's name now.
     */
    @Test
    void aSearchKeepsToItsScope() throws InterruptedException {
        Who alice = who("alice");
        Who bob = who("bob");
        Who carol = who("carol");
        Who dave = who("dave");
        String word = "zebra";
        StoreContract.stored(store().send(alice.id(), bob.name(), "d1", "a zebra for bob", 10, 1000));
        StoreContract.stored(store().send(carol.id(), dave.name(), "d2", "a zebra between others", 11, 1000));
        String crew = "#" + unique("crew");
        GroupInfo g = ((GroupOutcome.Done) changeGroup(store(), new GroupChange.Create(carol.id(), crew, 10), 0)).group();
        long before = StoreContract.groupStored(store().send(carol.id(), crew, "g1", "zebra before alice", 12, 1000));
        changeGroup(store(), new GroupChange.Add(carol.id(), crew, alice.name(), 10, 10), 0);
        long during = StoreContract.groupStored(store().send(carol.id(), crew, "g2", "zebra with alice", 13, 1000));
        changeGroup(store(), new GroupChange.Leave(alice.id(), crew), 0);
        long after = StoreContract.groupStored(store().send(carol.id(), crew, "g3", "zebra after alice", 14, 1000));

        List<GroupMembership> intervals = store().memberships(alice.id());
        assertThat(intervals).hasSize(1);
        GroupMembership m = intervals.get(0);
        assertThat(m.groupId()).isEqualTo(g.id());
        assertThat(m.groupLive()).isTrue();
        assertThat(before).isLessThanOrEqualTo(m.joinedAfter());
        assertThat(during).isGreaterThan(m.joinedAfter()).isLessThanOrEqualTo(m.leftAfter());
        assertThat(after).isGreaterThan(m.leftAfter());
        assertThat(store().memberships(carol.id())).singleElement()
                .satisfies(c -> assertThat(c.leftAfter()).as("still a member").isEqualTo(Long.MAX_VALUE));

        SearchScope scope = new SearchScope(alice.id(), List.of(new SearchScope.Window(g.id(), m.joinedAfter(), m.leftAfter())));
        String renamed = "#" + unique("renamed");
        changeGroup(store(), new GroupChange.Rename(carol.id(), crew, renamed), 0);
        for (int round = 0; round < 2; round++) { // before and after the log store's indexer
            assertThat(store().search(SearchQuery.parse(word), scope, 0, 10)).extracting(StoredMessage::body, StoredMessage::recipient)
                    .containsExactly(tuple("zebra with alice", renamed),
                            tuple("a zebra for bob", bob.name()));
            contract().settle(store());
        }

        assertThat(changeGroup(store(), new GroupChange.Leave(carol.id(), renamed), 0)).isInstanceOf(GroupOutcome.Done.class);
        assertThat(store().memberships(alice.id())).singleElement().satisfies(x -> assertThat(x.groupLive()).as("ended").isFalse());

        Who eve = who("eve");
        StoreContract.stored(store().send(eve.id(), alice.name(), "d3", "zebra from eve", 15, 1000));
        assertThat(found(direct(alice), word)).containsExactly("zebra from eve", "a zebra for bob");
        assertThat(store().deleteIfNothingWaits(eve.id(), 2_000, GroupRules::leaveAll)).isEqualTo(new Deletion.Deleted());
        assertThat(found(direct(alice), word)).as("HISTORY reaches no deleted account's conversation").containsExactly("a zebra for bob");
    }
}
