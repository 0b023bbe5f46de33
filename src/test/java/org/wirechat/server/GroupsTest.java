package org.wirechat.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.wirechat.server.ServerFixture.PASSWORD;
import static org.wirechat.server.ServerFixture.fetch;
import static org.wirechat.server.ServerFixture.send;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.wirechat.protocol.ErrorCode;
import org.wirechat.protocol.Request;
import org.wirechat.protocol.Response;

/**
 * Groups (issue 17): create, add, remove, leave, rename, list, members; a group message stored once reaches
 * every member's devices through the inbox; limits at, below and above their edges. SQLite here; {@code
 * PostgresGroupsTest} runs them on PostgreSQL, {@code GrpcGroupsTest} over gRPC.
 */
@Timeout(60)
class GroupsTest {
    static final int CAPACITY = 5;

    @TempDir
    Path dir;
    ServerFixture fx;
    TestConnection c;
    String alice;
    String bob;
    String carol;

    ServerFixture fixture(Path dataDir, UnaryOperator<ServerConfig.Builder> tweak) {
        return new ServerFixture(Backend.SQLITE, dataDir, tweak);
    }

    @BeforeEach
    void start() {
        open(b -> b.inboxCapacity(CAPACITY).groups(new GroupLimits(3, 2, 1, 4)));
    }

    /** A fresh server with these settings, and alice, bob and carol logged in. */
    private void open(UnaryOperator<ServerConfig.Builder> tweak) {
        if (fx != null) {
            c.close();
            fx.close();
        }
        fx = fixture(dir.resolve("data-" + System.nanoTime()), tweak);
        c = fx.connect();
        alice = fx.register(c, "alice");
        bob = fx.register(c, "bob");
        carol = fx.register(c, "carol");
    }

    @AfterEach
    void stop() {
        c.close();
        fx.close();
    }

    private void crew(String... members) {
        assertThat(c.ok(new Request.GroupCreate(alice, "#Crew"), Response.GroupCreated.class).group()).isEqualTo("#Crew");
        for (String m : members) {
            c.ok(new Request.GroupAdd(alice, "#crew", m), Response.MemberAdded.class);
        }
    }

    /** Everything waiting for the token's device, acknowledging each page with the next FETCH. */
    private List<Response.Message> drain(String token) {
        List<Response.Message> got = new ArrayList<>();
        long ack = 0;
        while (true) {
            List<Response.Message> page = c.ok(new Request.Fetch(token, ack, 64, 0), Response.Messages.class).messages();
            if (page.isEmpty()) {
                return got;
            }
            got.addAll(page);
            ack = page.getLast().id();
        }
    }

    private static List<String> bodies(List<Response.Message> messages) {
        return messages.stream().map(Response.Message::body).toList();
    }

    @Test
    void aGroupMessageReachesEveryOtherMemberOnceWithTheGroupAsRecipient() {
        crew("bob", "carol");
        long id = c.ok(send(alice, "#crew", "hello crew"), Response.Sent.class).messageId();
        for (String member : List.of(bob, carol)) {
            List<Response.Message> got = drain(member);
            assertThat(got).extracting(Response.Message::id, Response.Message::sender, Response.Message::recipient,
                    Response.Message::body).containsExactly(org.assertj.core.groups.Tuple.tuple(id, "alice", "#Crew", "hello crew"));
            assertThat(drain(member)).as("acknowledged: not again").isEmpty();
        }
        assertThat(drain(alice)).as("the sender's own message is not in her inbox").isEmpty();
        c.ok(send(bob, "#CREW", "hi alice"), Response.Sent.class);
        assertThat(bodies(drain(alice))).containsExactly("hi alice");
        assertThat(bodies(c.ok(new Request.History(carol, "#crew", 0, 10), Response.Conversation.class).messages()))
                .containsExactly("hello crew", "hi alice");
    }

    @Test
    void listAndMembersShowTheOwnerFirstAndEveryMember() {
        crew("carol", "bob");
        assertThat(c.ok(new Request.GroupList(bob), Response.Groups.class).groups())
                .containsExactly(new Response.Group("#Crew", "alice", 3));
        Response.Members members = c.ok(new Request.GroupMembers(carol, "#crew"), Response.Members.class);
        assertThat(members.group()).isEqualTo("#Crew");
        assertThat(members.members()).extracting(Response.Member::username, Response.Member::owner)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("alice", true), org.assertj.core.groups.Tuple.tuple("carol", false),
                        org.assertj.core.groups.Tuple.tuple("bob", false));
        assertThat(members.members()).filteredOn(Response.Member::online).as("carol asked: she is online")
                .extracting(Response.Member::username).contains("carol");
        assertThat(c.ok(new Request.GroupList(fx.register(c, "dave")), Response.Groups.class).groups()).isEmpty();
    }

    @Test
    void aRemovedMemberStopsReceivingAtOnceButKeepsWhatCameBefore() {
        crew("bob", "carol");
        c.ok(send(alice, "#crew", "before"), Response.Sent.class);
        c.ok(new Request.GroupRemove(alice, "#crew", "carol"), Response.MemberRemoved.class);
        c.ok(send(alice, "#crew", "after"), Response.Sent.class);
        assertThat(bodies(drain(carol))).as("sent while she was a member").containsExactly("before");
        assertThat(bodies(drain(bob))).containsExactly("before", "after");
        assertThat(c.error(send(carol, "#crew", "let me back"), ErrorCode.NOT_A_MEMBER).reason()).contains("#crew");
        c.error(new Request.History(carol, "#crew", 0, 10), ErrorCode.NOT_A_MEMBER);
        c.error(new Request.GroupMembers(carol, "#crew"), ErrorCode.NOT_A_MEMBER);
        c.error(new Request.GroupRemove(alice, "#crew", "carol"), ErrorCode.NOT_A_MEMBER);
    }

    @Test
    void aMemberAddedReceivesWhatIsSentAfterTheAnswerOnly() {
        crew("bob");
        c.ok(send(alice, "#crew", "before carol"), Response.Sent.class);
        assertThat(c.ok(new Request.GroupAdd(bob, "#crew", "CAROL"), Response.MemberAdded.class).username())
                .as("any member may add; the name as the account spells it").isEqualTo("carol");
        c.ok(send(bob, "#crew", "welcome carol"), Response.Sent.class);
        assertThat(bodies(drain(carol))).containsExactly("welcome carol");
        assertThat(bodies(c.ok(new Request.History(carol, "#crew", 0, 10), Response.Conversation.class).messages()))
                .as("the group's history is its members'").containsExactly("before carol", "welcome carol");
        c.ok(new Request.GroupAdd(alice, "#crew", "carol"), Response.MemberAdded.class); // a member already: nothing changes
        assertThat(c.ok(new Request.GroupMembers(alice, "#crew"), Response.Members.class).members()).hasSize(3);
    }

    @Test
    void everyDeviceOfAMemberGetsTheGroupsMessages() {
        crew("bob");
        String phone = c.ok(new Request.LoginDevice("bob", PASSWORD, "phone"), Response.DeviceLoggedIn.class).token();
        String laptop = c.ok(new Request.LoginDevice("bob", PASSWORD, "laptop"), Response.DeviceLoggedIn.class).token();
        c.ok(send(alice, "#crew", "to both"), Response.Sent.class);
        assertThat(bodies(drain(phone))).containsExactly("to both");
        assertThat(bodies(drain(laptop))).containsExactly("to both");
    }

    @Test
    void whoMayDoWhat() {
        crew("bob", "carol");
        String dave = fx.register(c, "dave");
        c.error(new Request.GroupRemove(bob, "#crew", "carol"), ErrorCode.NOT_THE_OWNER);
        c.error(new Request.GroupRename(bob, "#crew", "#bobs"), ErrorCode.NOT_THE_OWNER);
        c.error(new Request.GroupAdd(dave, "#crew", "dave"), ErrorCode.NOT_A_MEMBER);
        c.error(send(dave, "#crew", "hi"), ErrorCode.NOT_A_MEMBER);
        c.error(new Request.GroupAdd(alice, "#crew", "nobody"), ErrorCode.NO_SUCH_USER);
        c.error(send(alice, "#nothing", "hi"), ErrorCode.NO_SUCH_GROUP);
        c.error(new Request.GroupMembers(alice, "#nothing"), ErrorCode.NO_SUCH_GROUP);
        c.error(new Request.History(alice, "#nothing", 0, 10), ErrorCode.NO_SUCH_GROUP);
        c.error(new Request.GroupLeave(alice, "#nothing"), ErrorCode.NO_SUCH_GROUP);
        c.error(new Request.GroupCreate(dave, "#CREW"), ErrorCode.GROUP_NAME_TAKEN);
        c.error(send(alice, "crew", "no such user either"), ErrorCode.NO_SUCH_USER);
        c.ok(new Request.GroupRemove(bob, "#crew", "bob"), Response.MemberRemoved.class); // removing oneself is leaving
        assertThat(c.ok(new Request.GroupMembers(alice, "#crew"), Response.Members.class).members()).hasSize(2);
    }

    @Test
    void membersPerGroupAtBelowAndAboveTheLimit() {
        crew("bob"); // 2 of 3
        c.ok(new Request.GroupAdd(alice, "#crew", "carol"), Response.MemberAdded.class); // 3 of 3: at the limit
        String dave = fx.register(c, "dave");
        Response.Error full = c.error(new Request.GroupAdd(alice, "#crew", "dave"), ErrorCode.GROUP_FULL);
        assertThat(full.details()).containsExactly("3");
        c.ok(new Request.GroupLeave(carol, "#crew"), Response.GroupLeft.class);
        c.ok(new Request.GroupAdd(alice, "#crew", "dave"), Response.MemberAdded.class);
        assertThat(drain(dave)).isEmpty();
    }

    @Test
    void groupsPerUserAtBelowAndAboveTheLimit() {
        c.ok(new Request.GroupCreate(bob, "#one"), Response.GroupCreated.class); // 1 of 2
        c.ok(new Request.GroupCreate(bob, "#two"), Response.GroupCreated.class); // 2 of 2
        assertThat(c.error(new Request.GroupCreate(bob, "#three"), ErrorCode.TOO_MANY_GROUPS).details()).containsExactly("2");
        c.ok(new Request.GroupCreate(alice, "#alices"), Response.GroupCreated.class);
        c.error(new Request.GroupAdd(alice, "#alices", "bob"), ErrorCode.TOO_MANY_GROUPS);
        c.ok(new Request.GroupLeave(bob, "#two"), Response.GroupLeft.class);
        c.ok(new Request.GroupAdd(alice, "#alices", "bob"), Response.MemberAdded.class);
    }

    @Test
    void groupMessagesPerSecondAtBelowAndAboveTheLimit() {
        crew("bob");
        for (int i = 1; i <= 4; i++) { // the burst
            c.ok(send(alice, "#crew", "burst " + i), Response.Sent.class);
        }
        assertThat(drain(bob)).hasSize(4); // room in bob's inbox (it holds 5)
        Response.Error limited = c.error(send(alice, "#crew", "one too many"), ErrorCode.RATE_LIMITED);
        assertThat(Long.parseLong(limited.details().get(0))).isBetween(1L, 1_000L);
        c.ok(send(bob, "#crew", "another sender has an allowance of its own"), Response.Sent.class);
        c.ok(send(alice, "bob", "direct messages are not counted"), Response.Sent.class);
        fx.clock.advance(Duration.ofSeconds(1));
        c.ok(send(alice, "#crew", "a second later"), Response.Sent.class);
        c.error(send(alice, "#crew", "again too soon"), ErrorCode.RATE_LIMITED);
        assertThat(bodies(drain(bob))).doesNotContain("one too many", "again too soon").contains("a second later");
    }

    @Test
    void aFullInboxOfAnyMemberRefusesTheGroupMessageForEveryone() {
        crew("bob", "carol");
        for (int i = 1; i <= CAPACITY; i++) {
            c.ok(send(alice, "carol", "direct " + i), Response.Sent.class);
        }
        assertThat(c.error(send(bob, "#crew", "to all"), ErrorCode.INBOX_FULL).reason()).contains("carol");
        assertThat(drain(alice)).as("nothing stored for anyone").isEmpty();
        assertThat(drain(carol)).hasSize(CAPACITY);
        c.ok(send(bob, "#crew", "to all"), Response.Sent.class);
        assertThat(bodies(drain(alice))).containsExactly("to all");
        assertThat(bodies(drain(carol))).containsExactly("to all");
    }

    /**
     * Issue 33 (a group griefer): one member's full inbox blocks every SEND to the group. The refusal said
     * only "carol's inbox is full — message not sent"; it now says nothing reached anyone in the group and
     * that its owner may remove her, and the owner's GROUP_REMOVE unblocks the group at once.
     */
    @Test
    void aGroupSendRefusedForOneFullInboxSaysTheOwnerMayRemoveThatMember() {
        crew("bob", "carol");
        for (int i = 1; i <= CAPACITY; i++) {
            c.ok(send(alice, "carol", "direct " + i), Response.Sent.class);
        }
        String reason = c.error(send(bob, "#crew", "to all"), ErrorCode.INBOX_FULL).reason();
        assertThat(reason).startsWith("carol's inbox is full (" + CAPACITY + " undelivered messages)")
                .contains("nothing sent to anyone in #crew").contains("the group's owner may remove carol");
        assertThat(c.error(send(alice, "carol", "direct again"), ErrorCode.INBOX_FULL).reason())
                .as("a direct message's refusal says nothing of groups").endsWith("message not sent").doesNotContain("owner");
        c.ok(new Request.GroupRemove(alice, "#crew", "carol"), Response.MemberRemoved.class);
        c.ok(send(bob, "#crew", "to all"), Response.Sent.class);
        assertThat(bodies(drain(alice))).containsExactly("to all");
        assertThat(bodies(drain(carol))).as("removed before it was sent").doesNotContain("to all");
    }

    /**
     * Issue 33 (a group griefer): any member may add anyone, so strangers can fill an account's groups and
     * its GROUP_CREATE is refused. Adding needs no consent (blocking is issue 30's); the refusal tells the
     * victim how to make room, and leaving does.
     */
    @Test
    void anAccountOthersAddedToTheMostGroupsIsToldHowToMakeRoom() {
        c.ok(new Request.GroupCreate(alice, "#one"), Response.GroupCreated.class);
        c.ok(new Request.GroupAdd(alice, "#one", "bob"), Response.MemberAdded.class);
        c.ok(new Request.GroupCreate(carol, "#two"), Response.GroupCreated.class);
        c.ok(new Request.GroupAdd(carol, "#two", "bob"), Response.MemberAdded.class); // bob: 2 of 2, neither his doing
        Response.Error refused = c.error(new Request.GroupCreate(bob, "#mine"), ErrorCode.TOO_MANY_GROUPS);
        assertThat(refused.details()).containsExactly("2");
        assertThat(refused.reason()).contains("you are in the most groups one may be in (2").contains("GROUP_LIST")
                .contains("GROUP_LEAVE");
        assertThat(c.ok(new Request.GroupList(bob), Response.Groups.class).groups()).extracting(Response.Group::name)
                .containsExactly("#one", "#two");
        c.ok(new Request.GroupCreate(alice, "#three"), Response.GroupCreated.class);
        assertThat(c.error(new Request.GroupAdd(alice, "#three", "bob"), ErrorCode.TOO_MANY_GROUPS).reason())
                .as("the one adding is told about bob, not 'you'").startsWith("bob is in the most groups one may be in (2)");
        c.ok(new Request.GroupLeave(bob, "#two"), Response.GroupLeft.class);
        c.ok(new Request.GroupCreate(bob, "#mine"), Response.GroupCreated.class);
    }

    @Test
    void anOwnerWhoLeavesHandsTheGroupOnAndTheLastToLeaveEndsIt() {
        crew("bob", "carol");
        c.ok(new Request.GroupLeave(alice, "#crew"), Response.GroupLeft.class);
        assertThat(c.ok(new Request.GroupList(carol), Response.Groups.class).groups())
                .containsExactly(new Response.Group("#Crew", "bob", 2));
        c.ok(new Request.GroupLeave(bob, "#crew"), Response.GroupLeft.class);
        c.ok(new Request.GroupLeave(carol, "#crew"), Response.GroupLeft.class);
        c.error(send(carol, "#crew", "anyone?"), ErrorCode.NO_SUCH_GROUP);
        c.ok(new Request.GroupCreate(bob, "#crew"), Response.GroupCreated.class); // the name is free again
        assertThat(c.ok(new Request.History(bob, "#crew", 0, 10), Response.Conversation.class).messages())
                .as("a new group of the name inherits nothing").isEmpty();
    }

    @Test
    void aRenameShowsOnWaitingMessagesAndHistory() {
        crew("bob");
        c.ok(send(alice, "#crew", "waiting"), Response.Sent.class);
        c.ok(new Request.GroupCreate(carol, "#taken"), Response.GroupCreated.class);
        c.error(new Request.GroupRename(alice, "#crew", "#TAKEN"), ErrorCode.GROUP_NAME_TAKEN);
        assertThat(c.ok(new Request.GroupRename(alice, "#crew", "#deck"), Response.GroupRenamed.class).group()).isEqualTo("#deck");
        assertThat(drain(bob)).extracting(Response.Message::recipient).containsExactly("#deck");
        assertThat(c.ok(new Request.History(bob, "#deck", 0, 10), Response.Conversation.class).messages())
                .extracting(Response.Message::recipient).containsExactly("#deck");
        c.error(send(alice, "#crew", "old name"), ErrorCode.NO_SUCH_GROUP);
        c.ok(new Request.GroupRename(alice, "#deck", "#Deck"), Response.GroupRenamed.class); // its own name, another case
    }

    @Test
    void aDeletedAccountLeavesItsGroups() {
        crew("bob");
        c.ok(new Request.DeleteAccount(alice, PASSWORD), Response.AccountDeleted.class);
        assertThat(c.ok(new Request.GroupMembers(bob, "#crew"), Response.Members.class).members())
                .extracting(Response.Member::username, Response.Member::owner)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("bob", true));
    }

    @Test
    void groupsAndWaitingGroupMessagesSurviveARestart() {
        crew("bob", "carol");
        c.ok(send(alice, "#crew", "one"), Response.Sent.class);
        assertThat(bodies(drain(carol))).containsExactly("one");
        c.ok(send(alice, "#crew", "two"), Response.Sent.class);
        c.ok(new Request.GroupRemove(alice, "#crew", "carol"), Response.MemberRemoved.class);
        c.ok(send(alice, "#crew", "three"), Response.Sent.class);
        c.close();
        fx.restart();
        c = fx.connect();
        assertThat(bodies(drain(bob))).containsExactly("one", "two", "three");
        assertThat(bodies(drain(carol))).as("removed after two").containsExactly("two");
        assertThat(bodies(c.ok(new Request.History(bob, "#crew", 0, 10), Response.Conversation.class).messages()))
                .containsExactly("one", "two", "three");
        c.ok(send(bob, "#crew", "after the restart"), Response.Sent.class);
        assertThat(bodies(drain(alice))).containsExactly("after the restart");
        assertThat(drain(carol)).isEmpty();
    }

    @Test
    void receiptsCountTheMembersWhoHaveAMessageAndCanBeTurnedOff() {
        crew("bob", "carol");
        long id = c.ok(send(alice, "#crew", "who has this?"), Response.Sent.class).messageId();
        assertThat(c.ok(new Request.GroupReceipts(alice, "#crew", id), Response.GroupReceipts.class))
                .isEqualTo(new Response.GroupReceipts(true, 2, 0));
        drain(bob);
        c.ok(send(alice, "bob", "a barrier: bob's acknowledgement is committed before this is answered"), Response.Sent.class);
        assertThat(c.ok(new Request.GroupReceipts(alice, "#crew", id), Response.GroupReceipts.class))
                .isEqualTo(new Response.GroupReceipts(true, 2, 1));
        c.ok(new Request.SetReceipts(carol, false), Response.ReceiptsSet.class);
        assertThat(c.ok(new Request.GroupReceipts(alice, "#crew", id), Response.GroupReceipts.class))
                .as("carol shares none: not counted").isEqualTo(new Response.GroupReceipts(true, 1, 1));
        c.ok(new Request.SetReceipts(alice, false), Response.ReceiptsSet.class);
        assertThat(c.ok(new Request.GroupReceipts(alice, "#crew", id), Response.GroupReceipts.class))
                .as("both ways or not at all").isEqualTo(new Response.GroupReceipts(false, 0, 0));
        c.error(new Request.GroupReceipts(bob, "#crew", id), ErrorCode.INVALID_FIELD); // not bob's message
        c.error(new Request.GroupReceipts(fx.register(c, "dave"), "#crew", id), ErrorCode.NOT_A_MEMBER);
    }

    @Test
    void aRetryWithTheSameClientIdIsStoredOnce() {
        crew("bob");
        Request.Send first = new Request.Send(alice, "#crew", "retry-1", "once");
        long id = c.ok(first, Response.Sent.class).messageId();
        assertThat(c.ok(first, Response.Sent.class).messageId()).isEqualTo(id);
        c.error(new Request.Send(alice, "bob", "retry-1", "once"), ErrorCode.CLIENT_ID_REUSED);
        assertThat(bodies(drain(bob))).containsExactly("once");
        assertThat(c.ok(new Request.ServerInfo(), Response.ServerInfo.class).features()).contains("groups");
    }
}
