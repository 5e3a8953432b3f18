// XEP-0425 Moderated Message Retraction v0.3.0: §4 who may moderate and the
// announcement to every occupant, §5 the tombstone that replaces an archived
// message; the retracted message leaves the join history (XEP-0045 §7.2.13).
#include <gtest/gtest.h>

#include "muc_test_util.hpp"

namespace parley::mod::muc {
namespace {

using namespace test;

TEST(MucRetraction, Xep0425_4_OnlyModeratorsMayRetract) {
    Room room = coven();
    must_enter(room, kCrone, "firstwitch");  // owner: moderator
    must_enter(room, kHag, "thirdwitch");    // participant
    auto by = room.moderator(J(kCrone));
    ASSERT_TRUE(by);
    EXPECT_EQ(by->occupant_jid.str(), "coven@chat.shakespeare.lit/firstwitch");
    auto refused = room.moderator(J(kHag));
    ASSERT_FALSE(refused);
    EXPECT_EQ(refused.error().condition, xmpp::Condition::forbidden);
    EXPECT_FALSE(room.moderator(J(kHecate)));  // not in the room
}

TEST(MucRetraction, Xep0425_4_AnnouncedToEveryoneFromTheRoomAndArchived) {
    Room room = coven();
    room.set_occupant_id_secret("k");
    must_enter(room, kCrone, "firstwitch");
    must_enter(room, kHag, "thirdwitch");
    auto said = room.groupchat_message(
        J(kHag), *message(kHag, kRoom, "groupchat", "<body>Double, double</body>"), kNow, "S1");
    ASSERT_TRUE(said.ok());
    ASSERT_EQ(room.history().size(), 1u);
    auto by = room.moderator(J(kCrone));
    ASSERT_TRUE(by);
    auto r = room.announce_retraction(*by, "S1", "Spoilers", kNow, "S2");
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(room.history().size(), 0u);  // not replayed to newcomers
    ASSERT_TRUE(r.archived);
    EXPECT_EQ(r.archived->id, "S2");
    ASSERT_EQ(recipients(r.out).size(), 2u);
    const std::string occupant_id = make_occupant_id("k", kRoom, "crone1@shakespeare.lit");
    for (auto who : {kCrone, kHag}) {
        auto got = sent_to(r.out, who);
        ASSERT_EQ(got.size(), 1u);
        EXPECT_TRUE(same_xml(
            got[0], "<message xmlns='jabber:client' from='coven@chat.shakespeare.lit' id='S2' to='" +
                        std::string(who) +
                        "' type='groupchat'><retract xmlns='urn:xmpp:message-retract:1' id='S1'>"
                        "<moderated xmlns='urn:xmpp:message-moderate:1' "
                        "by='coven@chat.shakespeare.lit/firstwitch'><occupant-id "
                        "xmlns='urn:xmpp:occupant-id:0' id='" +
                        occupant_id +
                        "'/></moderated><reason>Spoilers</reason></retract>"
                        "<stanza-id xmlns='urn:xmpp:sid:0' id='S2' "
                        "by='coven@chat.shakespeare.lit'/></message>"));
    }
}

TEST(MucRetraction, Xep0425_5_TombstoneKeepsAttributesAndSenderOccupantId) {
    auto stored = X("<message xmlns='jabber:client' from='coven@chat.shakespeare.lit/thirdwitch' "
                    "type='groupchat' id='m1'><body>Fillet of a fenny snake</body>"
                    "<occupant-id xmlns='urn:xmpp:occupant-id:0' id='hag'/></message>");
    Moderator by{J("coven@chat.shakespeare.lit/firstwitch"), ""};
    auto t = tombstone(*stored, by, "", T("2024-05-01T12:30:00Z"));
    EXPECT_TRUE(same_xml(t,
                         "<message xmlns='jabber:client' "
                         "from='coven@chat.shakespeare.lit/thirdwitch' type='groupchat' id='m1'>"
                         "<retracted xmlns='urn:xmpp:message-retract:1' "
                         "stamp='2024-05-01T12:30:00Z'><moderated "
                         "xmlns='urn:xmpp:message-moderate:1' "
                         "by='coven@chat.shakespeare.lit/firstwitch'/></retracted>"
                         "<occupant-id xmlns='urn:xmpp:occupant-id:0' id='hag'/></message>"));
}

}  // namespace
}  // namespace parley::mod::muc

namespace parley::mod::muc {
namespace {

using namespace test;

TEST(MucRetraction, Xep0424_5_AuthorsTombstoneHasNoModerated) {
    auto stored = X("<message xmlns='jabber:client' from='coven@chat.shakespeare.lit/thirdwitch' "
                    "type='groupchat' id='m2'><body>Eye of newt</body></message>");
    auto t = tombstone(*stored, Moderator{}, "", T("2024-05-01T12:30:00Z"));
    EXPECT_TRUE(same_xml(t,
                         "<message xmlns='jabber:client' "
                         "from='coven@chat.shakespeare.lit/thirdwitch' type='groupchat' id='m2'>"
                         "<retracted xmlns='urn:xmpp:message-retract:1' "
                         "stamp='2024-05-01T12:30:00Z'/></message>"));
}

}  // namespace
}  // namespace parley::mod::muc
