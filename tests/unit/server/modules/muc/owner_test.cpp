// XEP-0045 muc#owner: §10.1 creating a room (instant and reserved), §10.2
// later configuration with §10.2.1 notifications, §10.9 destroying a room.
#include <gtest/gtest.h>

#include "muc_test_util.hpp"

namespace parley::mod::muc {
namespace {

using namespace test;
using xmpp::Condition;

xml::ElementPtr owner_query(std::string_view children) {
    return X("<query xmlns='http://jabber.org/protocol/muc#owner'>" + std::string(children) +
             "</query>");
}

std::string form(std::string_view type, std::string_view fields = "") {
    return "<x xmlns='jabber:x:data' type='" + std::string(type) + "'>" + std::string(fields) +
           "</x>";
}

std::string field(std::string_view var, std::string_view value) {
    return "<field var='" + std::string(var) + "'><value>" + std::string(value) +
           "</value></field>";
}

Outcome owner_set(Room& room, std::string_view actor, std::string_view children) {
    return room.owner_set(J(actor), *owner_query(children));
}

TEST(MucCreate, Xep0045_10_1_2_InstantRoom) {
    Room room = Room::create(J(kRoom), J(kCrone), RoomConfig{});
    must_enter(room, kCrone, "firstwitch");
    EXPECT_EQ(condition(enter(room, kHag, "thirdwitch")), "item-not-found");
    // "an empty <x/> element of type submit" accepts the defaults and unlocks.
    auto r = owner_set(room, kCrone, form("submit"));
    ASSERT_TRUE(r.ok());
    EXPECT_FALSE(room.locked());
    EXPECT_TRUE(r.out.empty());  // nobody else could have seen the room
    EXPECT_EQ(room.config(), RoomConfig{});
    EXPECT_EQ(condition(enter(room, kHag, "thirdwitch")), "ok");
}

TEST(MucCreate, Xep0045_10_1_3_ReservedRoom) {
    Room room = Room::create(J(kRoom), J(kCrone), RoomConfig{});
    must_enter(room, kCrone, "firstwitch");
    auto got = room.owner_get(J(kCrone));
    ASSERT_TRUE(got);
    ASSERT_TRUE((*got)->is("query", ns::muc_owner));
    const auto* x = (*got)->child("x", ns::data_forms);
    ASSERT_NE(x, nullptr);
    EXPECT_EQ(x->attr_or("type"), "form");
    auto r =
        owner_set(room, kCrone,
                  form("submit", field("FORM_TYPE", "http://jabber.org/protocol/muc#roomconfig") +
                                     field("muc#roomconfig_roomname", "A Dark Cave") +
                                     field("muc#roomconfig_passwordprotectedroom", "1") +
                                     field("muc#roomconfig_roomsecret", "cauldronburn") +
                                     "<field var='muc#roomconfig_roomadmins'>"
                                     "<value>wiccarocks@shakespeare.lit</value>"
                                     "<value>hecate@shakespeare.lit</value></field>"));
    ASSERT_TRUE(r.ok()) << condition(r);
    EXPECT_FALSE(room.locked());
    EXPECT_EQ(room.config().name, "A Dark Cave");
    EXPECT_TRUE(room.config().password_protected);
    EXPECT_EQ(room.affiliation(J(kWicca)), Affiliation::admin);
    EXPECT_EQ(room.affiliation(J(kHecate)), Affiliation::admin);
    EXPECT_EQ(condition(enter(room, kHag, "thirdwitch")), "not-authorized");
    EXPECT_EQ(condition(enter(room, kHag, "thirdwitch", "<password>cauldronburn</password>")),
              "ok");
}

TEST(MucCreate, Xep0045_10_1_3_UnacceptableConfigurationKeepsTheRoomLocked) {
    Room room = Room::create(J(kRoom), J(kCrone), RoomConfig{});
    must_enter(room, kCrone, "firstwitch");
    auto r =
        owner_set(room, kCrone, form("submit", field("muc#roomconfig_passwordprotectedroom", "1")));
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error->condition, Condition::not_acceptable);
    EXPECT_EQ(r.error->type, xmpp::ErrorType::modify);
    EXPECT_TRUE(room.locked());
}

TEST(MucCreate, Xep0045_10_1_3_CancelDestroysTheNewRoom) {
    Room room = Room::create(J(kRoom), J(kCrone), RoomConfig{});
    must_enter(room, kCrone, "firstwitch");
    auto r = owner_set(room, kCrone, form("cancel"));
    ASSERT_TRUE(r.ok());
    EXPECT_TRUE(r.destroyed);
    EXPECT_EQ(room.occupant_count(), 0u);
    ASSERT_EQ(r.out.size(), 1u);
    EXPECT_TRUE(same_xml(r.out[0].stanza,
                         "<presence xmlns='jabber:client' "
                         "from='coven@chat.shakespeare.lit/firstwitch' "
                         "to='crone1@shakespeare.lit/desktop' type='unavailable'>"
                         "<x xmlns='http://jabber.org/protocol/muc#user'>"
                         "<item affiliation='none' role='none'/><destroy/></x></presence>"));
}

TEST(MucConfig, Xep0045_10_2_CancelLeavesTheConfiguration) {
    Room room = coven();
    must_enter(room, kCrone, "firstwitch");
    auto r = owner_set(room, kCrone, form("cancel"));
    ASSERT_TRUE(r.ok());
    EXPECT_FALSE(r.destroyed);
    EXPECT_TRUE(r.out.empty());
    EXPECT_EQ(room.occupant_count(), 1u);
}

TEST(MucConfig, Xep0045_10_2_NonOwnerIsForbidden) {
    Room room = coven();
    must_enter(room, kWicca, "secondwitch");
    auto get = room.owner_get(J(kWicca));
    ASSERT_FALSE(get);
    EXPECT_EQ(get.error().condition, Condition::forbidden);
    EXPECT_EQ(get.error().type, xmpp::ErrorType::auth);
    EXPECT_EQ(condition(owner_set(room, kWicca, form("submit"))), "forbidden");
    EXPECT_EQ(condition(owner_set(room, kWicca, "<destroy/>")), "forbidden");
    EXPECT_EQ(condition(owner_set(room, kCrone, "<nonsense xmlns='urn:x'/>")), "bad-request");
}

TEST(MucConfig, Xep0045_10_2_1_OccupantsAreNotifiedOfChanges) {
    Room room = coven();
    must_enter(room, kCrone, "firstwitch");
    must_enter(room, kHag, "thirdwitch");
    auto r = owner_set(room, kCrone,
                       form("submit", field("muc#roomconfig_whois", "anyone") +
                                          field("muc#roomconfig_enablelogging", "1")));
    ASSERT_TRUE(r.ok());
    EXPECT_TRUE(same_xml(sent_to(r.out, kHag).at(0),
                         "<message xmlns='jabber:client' from='coven@chat.shakespeare.lit' "
                         "to='hag66@shakespeare.lit/pda' type='groupchat'>"
                         "<x xmlns='http://jabber.org/protocol/muc#user'>"
                         "<status code='170'/><status code='172'/></x></message>"));
    EXPECT_EQ(sent_to(r.out, kCrone).size(), 1u);
    auto rename = owner_set(room, kCrone, form("submit", field("muc#roomconfig_roomname", "Cave")));
    ASSERT_TRUE(rename.ok());
    EXPECT_EQ(codes(*sent_to(rename.out, kHag).at(0)), std::vector<int>{104});
    // Nothing changed, nothing said.
    EXPECT_TRUE(owner_set(room, kCrone, form("submit")).out.empty());
}

TEST(MucConfig, Xep0045_10_2_BecomingMembersOnlyRemovesNonMembersWith322) {
    Room room = coven();
    room.restore_affiliation(J("hecate@shakespeare.lit"), Affiliation::member);
    must_enter(room, kCrone, "firstwitch");
    must_enter(room, kHecate, "hecate");
    must_enter(room, kHag, "thirdwitch");
    auto r = owner_set(room, kCrone, form("submit", field("muc#roomconfig_membersonly", "1")));
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(room.occupant("thirdwitch"), nullptr);
    EXPECT_NE(room.occupant("hecate"), nullptr);
    auto to_hag = sent_to(r.out, kHag);
    ASSERT_EQ(to_hag.size(), 2u);  // the 104 notice, then the removal
    EXPECT_EQ(codes(*to_hag[0]), std::vector<int>{104});
    EXPECT_EQ(to_hag[1]->attr_or("type"), "unavailable");
    EXPECT_EQ(codes(*to_hag[1]), (std::vector<int>{110, 322}));
    auto removal = sent_to(r.out, kHecate).back();
    EXPECT_EQ(removal->attr_or("from"), "coven@chat.shakespeare.lit/thirdwitch");
    EXPECT_EQ(codes(*removal), std::vector<int>{322});
}

TEST(MucConfig, Xep0045_10_2_OwnerAndAdminListsAreFullLists) {
    Room room = coven();
    must_enter(room, kCrone, "firstwitch");
    must_enter(room, kHag, "thirdwitch");
    auto r = owner_set(room, kCrone,
                       form("submit",
                            "<field var='muc#roomconfig_roomowners'>"
                            "<value>crone1@shakespeare.lit</value>"
                            "<value>hag66@shakespeare.lit</value></field>"
                            "<field var='muc#roomconfig_roomadmins'/>"));
    ASSERT_TRUE(r.ok()) << condition(r);
    EXPECT_EQ(room.affiliation(J(kHag)), Affiliation::owner);
    EXPECT_EQ(room.affiliation(J(kWicca)), Affiliation::none);  // dropped from the admin list
    EXPECT_EQ(room.occupant("thirdwitch")->role, Role::moderator);
    // §10.2: "Service Notes Gain of Owner Affiliation to All Users".
    bool announced = false;
    for (const auto& s : sent_to(r.out, kCrone)) {
        if (s->name() == "presence" &&
            s->attr_or("from") == "coven@chat.shakespeare.lit/thirdwitch") {
            announced = muc_item(*s)->attr_or("affiliation") == "owner" &&
                        muc_item(*s)->attr_or("role") == "moderator";
        }
    }
    EXPECT_TRUE(announced);
    // An empty owner list would leave the room without owner.
    auto none = owner_set(room, kCrone, form("submit", "<field var='muc#roomconfig_roomowners'/>"));
    ASSERT_FALSE(none.ok());
    EXPECT_EQ(none.error->condition, Condition::conflict);
    EXPECT_EQ(room.affiliation(J(kCrone)), Affiliation::owner);
}

TEST(MucConfig, Xep0045_10_2_HistoryLengthFollowsMaxHistoryFetch) {
    Room room = coven();
    must_enter(room, kCrone, "firstwitch");
    for (int i = 0; i < 5; ++i) {
        ASSERT_TRUE(room.groupchat_message(
                            J(kCrone), *message(kCrone, kRoom, "groupchat", "<body>m</body>"), kNow)
                        .ok());
    }
    ASSERT_TRUE(owner_set(room, kCrone, form("submit", field("muc#maxhistoryfetch", "2"))).ok());
    EXPECT_EQ(room.history().size(), 2u);
}

TEST(MucDestroy, Xep0045_10_9_EachOccupantGetsOneUnavailableWithDestroy) {
    Room room = coven();
    must_enter(room, kCrone, "firstwitch");
    must_enter(room, kWicca, "secondwitch");
    must_enter(room, kHag, "thirdwitch");
    auto r = owner_set(room, kCrone,
                       "<destroy jid='coven@chat.shakespeare.lit'>"
                       "<reason>Macbeth doth come.</reason></destroy>");
    ASSERT_TRUE(r.ok());
    EXPECT_TRUE(r.destroyed);
    EXPECT_EQ(room.occupant_count(), 0u);
    ASSERT_EQ(r.out.size(), 3u);  // no broadcast: one stanza per occupant
    EXPECT_TRUE(same_xml(sent_to(r.out, kHag).at(0),
                         "<presence xmlns='jabber:client' "
                         "from='coven@chat.shakespeare.lit/thirdwitch' "
                         "to='hag66@shakespeare.lit/pda' type='unavailable'>"
                         "<x xmlns='http://jabber.org/protocol/muc#user'>"
                         "<item affiliation='none' role='none'/>"
                         "<destroy jid='coven@chat.shakespeare.lit'>"
                         "<reason>Macbeth doth come.</reason></destroy></x></presence>"));
    EXPECT_EQ(sent_to(r.out, kCrone).at(0)->attr_or("from"),
              "coven@chat.shakespeare.lit/firstwitch");
}

TEST(MucDestroy, Xep0045_10_9_AlternateVenueAndPassword) {
    Room room = coven();
    must_enter(room, kHag, "thirdwitch");
    DestroyRequest d;
    d.alternate = J("heath@chat.shakespeare.lit");
    d.password = "secret";
    auto r = room.destroy(J(kCrone), d);
    ASSERT_TRUE(r.ok());
    const auto* destroy =
        r.out.at(0).stanza->child("x", ns::muc_user)->child("destroy", ns::muc_user);
    ASSERT_NE(destroy, nullptr);
    EXPECT_EQ(destroy->attr_or("jid"), "heath@chat.shakespeare.lit");
    EXPECT_EQ(destroy->child_text("password", ns::muc_user), "secret");
    EXPECT_EQ(destroy->child("reason", ns::muc_user), nullptr);
}

TEST(MucDestroy, Xep0045_10_9_NonOwnerIsForbidden) {
    Room room = coven();
    must_enter(room, kWicca, "secondwitch");
    auto r = room.destroy(J(kWicca), {});
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error->condition, Condition::forbidden);
    EXPECT_FALSE(r.destroyed);
    EXPECT_EQ(room.occupant_count(), 1u);
    EXPECT_EQ(condition(owner_set(room, kCrone, "<destroy jid='@bad'/>")), "jid-malformed");
}

}  // namespace
}  // namespace parley::mod::muc
