// XEP-0045 occupant presence after entering: §7.6 changing nickname, §7.7
// changing availability status, §7.14 exiting, §11.1 removal after an error,
// §10.1.3 the creator leaving an unconfigured room, §17.3 rules.
#include <gtest/gtest.h>

#include "muc_test_util.hpp"

namespace parley::mod::muc {
namespace {

using namespace test;
using xmpp::Condition;

constexpr std::string_view kThird = "coven@chat.shakespeare.lit/thirdwitch";

Outcome send(Room& room, std::string_view from, std::string_view nick,
             const xml::ElementRef& presence) {
    return room.handle_presence(J(from), nick, presence, kNow);
}

TEST(MucExit, Xep0045_7_14_UnavailableWithRoleNoneToAllAndSelf110) {
    Room room = coven();
    must_enter(room, kCrone, "firstwitch");
    must_enter(room, kHecate, "hecate");
    must_enter(room, kHag, "thirdwitch");
    auto r = send(room, kHag, "thirdwitch", plain_presence(kHag, kThird, "", "type='unavailable'"));
    ASSERT_TRUE(r.ok());
    EXPECT_FALSE(r.destroyed);
    EXPECT_EQ(room.occupant_count(), 2u);
    EXPECT_EQ(room.occupant_by_jid(J(kHag)), nullptr);
    EXPECT_TRUE(same_xml(sent_to(r.out, kHag).at(0),
                         "<presence xmlns='jabber:client' "
                         "from='coven@chat.shakespeare.lit/thirdwitch' "
                         "to='hag66@shakespeare.lit/pda' type='unavailable'><x "
                         "xmlns='http://jabber.org/protocol/muc#user'><item affiliation='none' "
                         "jid='hag66@shakespeare.lit/pda' role='none'/><status "
                         "code='110'/></x></presence>"));
    EXPECT_TRUE(same_xml(sent_to(r.out, kCrone).at(0),
                         "<presence xmlns='jabber:client' "
                         "from='coven@chat.shakespeare.lit/thirdwitch' "
                         "to='crone1@shakespeare.lit/desktop' type='unavailable'><x "
                         "xmlns='http://jabber.org/protocol/muc#user'><item affiliation='none' "
                         "jid='hag66@shakespeare.lit/pda' role='none'/></x></presence>"));
    // Semi-anonymous: the participant does not learn the JID.
    EXPECT_FALSE(muc_item(*sent_to(r.out, kHecate).at(0))->attr("jid"));
    EXPECT_EQ(r.out.size(), 3u);
}

TEST(MucExit, Xep0045_7_14_CustomExitMessage) {
    Room room = coven();
    must_enter(room, kCrone, "firstwitch");
    must_enter(room, kWicca, "oldhag");
    auto r =
        send(room, kWicca, "oldhag",
             plain_presence(kWicca, "coven@chat.shakespeare.lit/oldhag",
                            "<status>gone where the goblins go</status>", "type='unavailable'"));
    ASSERT_TRUE(r.ok());
    auto got = sent_to(r.out, kCrone);
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(got[0]->child_text("status", ns::client), "gone where the goblins go");
    EXPECT_EQ(muc_item(*got[0])->attr_or("role"), "none");
    EXPECT_EQ(muc_item(*got[0])->attr_or("affiliation"), "admin");
}

TEST(MucExit, Xep0045_17_3_5_UnavailableFromNonOccupantIsIgnored) {
    Room room = coven();
    must_enter(room, kCrone, "firstwitch");
    auto r = send(room, kHag, "thirdwitch", plain_presence(kHag, kThird, "", "type='unavailable'"));
    EXPECT_TRUE(r.ok());
    EXPECT_TRUE(r.out.empty());
    EXPECT_EQ(room.occupant_count(), 1u);
}

TEST(MucExit, Xep0045_7_14_TemporaryRoomEndsWithItsLastOccupant) {
    Room temporary = coven();
    must_enter(temporary, kHag, "thirdwitch");
    EXPECT_TRUE(temporary.leave(J(kHag), nullptr).destroyed);
    RoomConfig c;
    c.persistent = true;
    Room persistent = coven(c);
    must_enter(persistent, kHag, "thirdwitch");
    EXPECT_FALSE(persistent.leave(J(kHag), nullptr).destroyed);
}

TEST(MucExit, Xep0045_10_1_3_CreatorLeavingAnUnconfiguredRoomDestroysIt) {
    Room room = Room::create(J(kRoom), J(kCrone), RoomConfig{});
    must_enter(room, kCrone, "firstwitch");
    auto r = room.leave(J(kCrone), nullptr);
    EXPECT_TRUE(r.destroyed);
    ASSERT_EQ(r.out.size(), 1u);
    EXPECT_TRUE(same_xml(r.out[0].stanza,
                         "<presence xmlns='jabber:client' "
                         "from='coven@chat.shakespeare.lit/firstwitch' "
                         "to='crone1@shakespeare.lit/desktop' type='unavailable'><x "
                         "xmlns='http://jabber.org/protocol/muc#user'><item affiliation='owner' "
                         "jid='crone1@shakespeare.lit/desktop' role='none'/><status "
                         "code='110'/><destroy/></x></presence>"));
}

TEST(MucExit, Xep0045_7_2_8_OneResourceOfAMultiSessionOccupantLeaves) {
    Room room = coven();
    must_enter(room, kCrone, "firstwitch");
    must_enter(room, kHag, "thirdwitch");
    must_enter(room, "hag66@shakespeare.lit/laptop", "thirdwitch");
    auto r = room.leave(J("hag66@shakespeare.lit/laptop"), nullptr);
    ASSERT_TRUE(r.ok());
    ASSERT_EQ(r.out.size(), 1u);  // only the leaving resource hears of it
    EXPECT_EQ(r.out[0].to.str(), "hag66@shakespeare.lit/laptop");
    EXPECT_EQ(codes(*r.out[0].stanza), std::vector<int>{110});
    EXPECT_EQ(r.out[0].stanza->attr_or("type"), "unavailable");
    ASSERT_NE(room.occupant("thirdwitch"), nullptr);
    EXPECT_EQ(room.occupant("thirdwitch")->sessions.size(), 1u);
    EXPECT_EQ(room.occupant_by_jid(J("hag66@shakespeare.lit/laptop")), nullptr);
}

TEST(MucExit, Xep0045_11_1_ErrorFromAnOccupantRemovesItWith333) {
    Room room = coven();
    must_enter(room, kCrone, "firstwitch");
    must_enter(room, kHag, "thirdwitch");
    auto r = send(room, kHag, "thirdwitch", plain_presence(kHag, kThird, "", "type='error'"));
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(room.occupant("thirdwitch"), nullptr);
    EXPECT_TRUE(sent_to(r.out, kHag).empty());  // it cannot be reached
    auto to_crone = sent_to(r.out, kCrone);
    ASSERT_EQ(to_crone.size(), 1u);
    EXPECT_TRUE(same_xml(to_crone[0],
                         "<presence xmlns='jabber:client' "
                         "from='coven@chat.shakespeare.lit/thirdwitch' "
                         "to='crone1@shakespeare.lit/desktop' type='unavailable'><x "
                         "xmlns='http://jabber.org/protocol/muc#user'><item affiliation='none' "
                         "jid='hag66@shakespeare.lit/pda' role='none'/><status "
                         "code='333'/></x></presence>"));
}

TEST(MucNick, Xep0045_7_6_NicknameChange303ThenNewPresence) {
    RoomConfig c;
    c.whois = Whois::anyone;  // the §7.6 example shows the JIDs to everyone
    Room room = coven(c);
    room.restore_affiliation(J("hag66@shakespeare.lit"), Affiliation::member);
    must_enter(room, kCrone, "firstwitch");
    must_enter(room, kWicca, "secondwitch");
    must_enter(room, kHag, "thirdwitch");
    auto r = send(room, kHag, "oldhag", plain_presence(kHag, "coven@chat.shakespeare.lit/oldhag"));
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(room.occupant("thirdwitch"), nullptr);
    ASSERT_NE(room.occupant("oldhag"), nullptr);
    EXPECT_EQ(room.occupant_by_jid(J(kHag))->nick, "oldhag");
    ASSERT_EQ(r.out.size(), 6u);
    const std::string gone =
        "<x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='member' "
        "jid='hag66@shakespeare.lit/pda' nick='oldhag' role='participant'/>";
    const std::string here =
        "<x xmlns='http://jabber.org/protocol/muc#user'><item affiliation='member' "
        "jid='hag66@shakespeare.lit/pda' role='participant'/>";
    EXPECT_TRUE(same_xml(sent_to(r.out, kCrone).at(0),
                         "<presence xmlns='jabber:client' "
                         "from='coven@chat.shakespeare.lit/thirdwitch' "
                         "to='crone1@shakespeare.lit/desktop' type='unavailable'>" +
                             gone + "<status code='303'/></x></presence>"));
    EXPECT_TRUE(same_xml(sent_to(r.out, kCrone).at(1),
                         "<presence xmlns='jabber:client' from='coven@chat.shakespeare.lit/oldhag' "
                         "to='crone1@shakespeare.lit/desktop'>" +
                             here + "</x></presence>"));
    EXPECT_TRUE(same_xml(sent_to(r.out, kHag).at(0),
                         "<presence xmlns='jabber:client' "
                         "from='coven@chat.shakespeare.lit/thirdwitch' "
                         "to='hag66@shakespeare.lit/pda' type='unavailable'>" +
                             gone + "<status code='110'/><status code='303'/></x></presence>"));
    EXPECT_TRUE(same_xml(sent_to(r.out, kHag).at(1),
                         "<presence xmlns='jabber:client' from='coven@chat.shakespeare.lit/oldhag' "
                         "to='hag66@shakespeare.lit/pda'>" +
                             here + "<status code='110'/></x></presence>"));
    // Every unavailable comes before any new-nickname presence.
    EXPECT_EQ(r.out[0].stanza->attr_or("type"), "unavailable");
    EXPECT_EQ(r.out[2].stanza->attr_or("type"), "unavailable");
    EXPECT_EQ(r.out[3].stanza->attr_or("type"), "");
}

TEST(MucNick, Xep0045_7_6_JoinToAnotherNicknameIsANicknameChange) {
    Room room = coven();
    must_enter(room, kCrone, "firstwitch");
    must_enter(room, kHag, "thirdwitch");
    auto r = enter(room, kHag, "oldhag");
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r.nick, "oldhag");
    EXPECT_EQ(r.role, Role::participant);
    EXPECT_EQ(room.occupant_count(), 2u);
    EXPECT_EQ(codes(*sent_to(r.out, kCrone).at(0)), std::vector<int>{303});
}

TEST(MucNick, Xep0045_7_6_NicknameInUseIsAConflict) {
    Room room = coven();
    must_enter(room, kCrone, "firstwitch");
    must_enter(room, kHag, "thirdwitch");
    auto r = send(room, kHag, "firstwitch",
                  plain_presence(kHag, "coven@chat.shakespeare.lit/firstwitch"));
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error->condition, Condition::conflict);
    EXPECT_NE(room.occupant("thirdwitch"), nullptr);
}

TEST(MucNick, Xep0045_7_6_ReservedNicknameIsAConflict) {
    Room room = coven();
    room.restore_affiliation(J("hecate@shakespeare.lit"), Affiliation::member, "Hecate");
    must_enter(room, kHag, "thirdwitch");
    EXPECT_EQ(condition(room.change_nick(
                  J(kHag), "Hecate", plain_presence(kHag, "coven@chat.shakespeare.lit/Hecate"))),
              "conflict");
}

TEST(MucNick, Xep0045_17_1_InvalidNewNickname) {
    Room room = coven();
    must_enter(room, kHag, "thirdwitch");
    auto p = plain_presence(kHag, kThird);
    EXPECT_EQ(condition(room.change_nick(J(kHag), "  ", p)), "not-acceptable");
    EXPECT_EQ(condition(room.change_nick(J(kHag), std::string(2000, 'x'), p)), "jid-malformed");
}

TEST(MucNick, Xep0045_7_6_AllResourcesOfTheOccupantMove) {
    Room room = coven();
    must_enter(room, kHag, "thirdwitch");
    must_enter(room, "hag66@shakespeare.lit/laptop", "thirdwitch");
    auto r = room.change_nick(
        J("hag66@shakespeare.lit/laptop"), "oldhag",
        plain_presence("hag66@shakespeare.lit/laptop", "coven@chat.shakespeare.lit/oldhag"));
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(room.occupant_by_jid(J(kHag))->nick, "oldhag");
    EXPECT_EQ(room.occupant("oldhag")->sessions.size(), 2u);
    // The resource that asked is now the one shown.
    EXPECT_EQ(room.occupant("oldhag")->primary().jid.str(), "hag66@shakespeare.lit/laptop");
    EXPECT_EQ(sent_to(r.out, kHag).size(), 2u);
    EXPECT_EQ(sent_to(r.out, "hag66@shakespeare.lit/laptop").size(), 2u);
}

TEST(MucStatus, Xep0045_7_7_ChangedAvailabilityGoesToEveryone) {
    Room room = coven();
    must_enter(room, kCrone, "firstwitch");
    must_enter(room, kWicca, "secondwitch");
    auto r = send(room, kWicca, "secondwitch",
                  plain_presence(kWicca, "coven@chat.shakespeare.lit/secondwitch",
                                 "<show>xa</show><status>gone where the goblins go</status>",
                                 "id='kr7v143h'"));
    ASSERT_TRUE(r.ok());
    EXPECT_TRUE(same_xml(sent_to(r.out, kCrone).at(0),
                         "<presence xmlns='jabber:client' "
                         "from='coven@chat.shakespeare.lit/secondwitch' "
                         "to='crone1@shakespeare.lit/desktop'><show>xa</show>"
                         "<status>gone where the goblins go</status>"
                         "<x xmlns='http://jabber.org/protocol/muc#user'><item "
                         "affiliation='admin' jid='wiccarocks@shakespeare.lit/laptop' "
                         "role='moderator'/></x></presence>"));
    ASSERT_EQ(sent_to(r.out, kWicca).size(), 1u);
    EXPECT_EQ(codes(*sent_to(r.out, kWicca)[0]), std::vector<int>{110});
    // Later entrants see the new status.
    auto j = enter(room, kHag, "thirdwitch");
    EXPECT_EQ(sent_to(j.out, kHag).at(1)->child_text("show", ns::client), "xa");
}

TEST(MucStatus, Xep0045_10_1_3_PresenceBroadcastLimitsWhoIsAnnounced) {
    RoomConfig c;
    c.moderated = true;
    c.presence_broadcast = {Role::moderator, Role::participant};
    Room room = coven(c);
    must_enter(room, kCrone, "firstwitch");
    auto visitor = enter(room, kHag, "thirdwitch");
    ASSERT_TRUE(visitor.ok());
    EXPECT_EQ(visitor.role, Role::visitor);
    EXPECT_TRUE(sent_to(visitor.out, kCrone).empty());  // visitors are not broadcast
    EXPECT_EQ(codes(*sent_to(visitor.out, kHag).at(1)), std::vector<int>{110});
    auto r = enter(room, kWicca, "secondwitch");
    for (const auto& s : sent_to(r.out, kWicca)) {
        EXPECT_NE(s->attr_or("from"), kThird);
    }
}

}  // namespace
}  // namespace parley::mod::muc
