// What the room adds to what it sends: XEP-0359 §4 <stanza-id by='room'/> and
// the XEP-0313 archive entry of a groupchat message (§6.1.2), XEP-0359 §5
// forged ids removed, XEP-0421 §4 occupant ids in presence and messages.
#include <gtest/gtest.h>

#include "modules/archive/archiving.hpp"
#include "muc_test_util.hpp"

namespace parley::mod::muc {
namespace {

using namespace test;

std::vector<const xml::Element*> stanza_ids(const xml::Element& m) {
    return m.children("stanza-id", ns::sid);
}

TEST(MucArchive, Xep0313_GroupchatWithBodyArchivedAndStampedWithTheRoomsStanzaId) {
    Room room = coven();
    must_enter(room, kCrone, "firstwitch");
    must_enter(room, kHag, "thirdwitch");
    auto m = message(kHag, kRoom, "groupchat",
                     "<body>Fair is foul</body><stanza-id xmlns='urn:xmpp:sid:0' id='forged' "
                     "by='coven@chat.shakespeare.lit'/><stanza-id xmlns='urn:xmpp:sid:0' "
                     "id='theirs' by='elsewhere.lit'/>");
    auto r = room.groupchat_message(J(kHag), *m, kNow, "ARCHIVE-ID-1");
    ASSERT_TRUE(r.ok());
    ASSERT_TRUE(r.archived.has_value());
    EXPECT_EQ(r.archived->id, "ARCHIVE-ID-1");
    EXPECT_EQ(r.archived->nick, "thirdwitch");
    EXPECT_EQ(r.archived->stamp, kNow);
    // The archived copy: from the occupant JID, no 'to', and no stanza-id by the room.
    EXPECT_EQ(r.archived->message->attr_or("from"), "coven@chat.shakespeare.lit/thirdwitch");
    EXPECT_FALSE(r.archived->message->attr("to"));
    for (const auto* s : stanza_ids(*r.archived->message)) {
        EXPECT_NE(s->attr_or("by"), kRoom);
    }
    ASSERT_EQ(r.out.size(), 2u);
    for (const auto& g : r.out) {
        std::vector<std::string> ours, others;
        for (const auto* s : stanza_ids(*g.stanza)) {
            (s->attr_or("by") == kRoom ? ours : others).emplace_back(s->attr_or("id"));
        }
        EXPECT_EQ(ours, std::vector<std::string>{"ARCHIVE-ID-1"});  // §5: the forged one is gone
        EXPECT_EQ(others, std::vector<std::string>{"theirs"});
        EXPECT_EQ(g.base.get() != nullptr, true);  // one base for the whole fan-out
        EXPECT_EQ(g.base, r.out.front().base);
    }
}

TEST(MucArchive, Xep0313_NothingArchivedWithoutBodyOrWithArchivingOffOrNoStoreHint) {
    RoomConfig off;
    off.archiving = false;
    Room quiet = coven(off);
    must_enter(quiet, kCrone, "firstwitch");
    auto r = quiet.groupchat_message(J(kCrone), *message(kCrone, kRoom, "groupchat", "<body>x</body>"),
                                     kNow, "ID");
    ASSERT_TRUE(r.ok());
    EXPECT_FALSE(r.archived);
    EXPECT_TRUE(stanza_ids(*r.out.front().stanza).empty());

    Room room = coven();
    must_enter(room, kCrone, "firstwitch");
    auto chat_state = room.groupchat_message(
        J(kCrone),
        *message(kCrone, kRoom, "groupchat",
                 "<active xmlns='http://jabber.org/protocol/chatstates'/>"),
        kNow, "ID");
    EXPECT_FALSE(chat_state.archived);
    auto hinted = room.groupchat_message(
        J(kCrone),
        *message(kCrone, kRoom, "groupchat", "<body>x</body><no-store xmlns='urn:xmpp:hints'/>"),
        kNow, "ID");
    EXPECT_FALSE(hinted.archived);
}

TEST(MucArchive, Xep0313_6_1_ArchivableInRoomIsGroupchatWithBody) {
    EXPECT_TRUE(mam::archivable_in_room(
        *X("<message xmlns='jabber:client' type='groupchat'><body>b</body></message>")));
    EXPECT_FALSE(mam::archivable_in_room(
        *X("<message xmlns='jabber:client' type='chat'><body>b</body></message>")));
    EXPECT_TRUE(mam::archivable_in_room(*X(
        "<message xmlns='jabber:client' type='groupchat'><store xmlns='urn:xmpp:hints'/></message>")));
    EXPECT_FALSE(mam::archivable_in_room(*X("<message xmlns='jabber:client' type='groupchat'>"
                                            "<body>b</body><no-permanent-store "
                                            "xmlns='urn:xmpp:hints'/></message>")));
}

TEST(MucOccupantId, Xep0421_4_StablePerRoomAndUserAndOpaque) {
    const auto a = make_occupant_id("secret", "room@muc.lit", "juliet@capulet.lit");
    EXPECT_EQ(a, make_occupant_id("secret", "room@muc.lit", "juliet@capulet.lit"));
    EXPECT_NE(a, make_occupant_id("secret", "other@muc.lit", "juliet@capulet.lit"));
    EXPECT_NE(a, make_occupant_id("secret", "room@muc.lit", "romeo@montague.lit"));
    EXPECT_NE(a, make_occupant_id("another", "room@muc.lit", "juliet@capulet.lit"));
    EXPECT_EQ(a.find("juliet"), std::string::npos);
    EXPECT_EQ(a.size(), 44u);  // base64 of 32 bytes
}

TEST(MucOccupantId, Xep0421_4_InPresenceAndMessagesForgeriesReplaced) {
    Room room = coven();
    room.set_occupant_id_secret("s3cret");
    must_enter(room, kCrone, "firstwitch");
    auto joined = enter(room, kHag, "thirdwitch", "",
                        "<occupant-id xmlns='urn:xmpp:occupant-id:0' id='forged'/>");
    ASSERT_TRUE(joined.ok());
    const auto want = make_occupant_id("s3cret", kRoom, "hag66@shakespeare.lit");
    auto to_crone = sent_to(joined.out, kCrone);
    ASSERT_EQ(to_crone.size(), 1u);
    auto ids = to_crone[0]->children("occupant-id", ns::occupant_id);
    ASSERT_EQ(ids.size(), 1u);
    EXPECT_EQ(ids[0]->attr_or("id"), want);
    auto r = room.groupchat_message(
        J(kHag),
        *message(kHag, kRoom, "groupchat",
                 "<body>x</body><occupant-id xmlns='urn:xmpp:occupant-id:0' id='forged'/>"),
        kNow);
    ASSERT_TRUE(r.ok());
    for (const auto& g : r.out) {
        auto in_message = g.stanza->children("occupant-id", ns::occupant_id);
        ASSERT_EQ(in_message.size(), 1u);
        EXPECT_EQ(in_message[0]->attr_or("id"), want);
    }
}

}  // namespace
}  // namespace parley::mod::muc
