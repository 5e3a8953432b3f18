// XEP-0045 §7.10 registering with a room (muc#register over jabber:iq:register),
// §7.12 discovering the reserved nickname, and reserved nicknames enforced on
// entry (§7.2.8) and nickname change (§7.6).
#include <gtest/gtest.h>

#include "muc_test_util.hpp"

namespace parley::mod::muc {
namespace {

using namespace test;

xml::ElementPtr register_form(std::string_view nick, std::string_view form_type =
                                                         "http://jabber.org/protocol/muc#register",
                              std::string_view type = "submit") {
    return X("<query xmlns='jabber:iq:register'><x xmlns='jabber:x:data' type='" +
             std::string(type) + "'><field var='FORM_TYPE'><value>" + std::string(form_type) +
             "</value></field><field var='muc#register_first'><value>Brunhilde</value></field>"
             "<field var='muc#register_roomnick'><value>" +
             std::string(nick) + "</value></field></x></query>");
}

Outcome register_nick(Room& room, std::string_view from, std::string_view nick) {
    return room.register_set(J(from), *register_form(nick));
}

Outcome unregister(Room& room, std::string_view from) {
    return room.register_set(J(from),
                             *X("<query xmlns='jabber:iq:register'><remove/></query>"));
}

TEST(MucRegister, Xep0045_7_10_FormAsksForTheRoomNickname) {
    Room room = coven();
    auto r = room.register_get(J(kHag));
    ASSERT_TRUE(r) << xmpp::to_string(r.error().condition);
    const auto& q = **r;
    EXPECT_TRUE(q.is("query", ns::register_));
    EXPECT_EQ(q.child("registered", ns::register_), nullptr);
    const auto* x = q.child("x", ns::data_forms);
    ASSERT_NE(x, nullptr);
    EXPECT_EQ(x->attr_or("type"), "form");
    std::map<std::string, const xml::Element*> fields;
    for (const auto* f : x->children("field", ns::data_forms)) {
        fields[std::string(f->attr_or("var"))] = f;
    }
    ASSERT_EQ(fields.size(), 2u);
    EXPECT_EQ(fields.at("FORM_TYPE")->attr_or("type"), "hidden");
    EXPECT_EQ(fields.at("FORM_TYPE")->child_text("value", ns::data_forms),
              "http://jabber.org/protocol/muc#register");
    const auto* nick = fields.at("muc#register_roomnick");
    EXPECT_EQ(nick->attr_or("type"), "text-single");
    EXPECT_NE(nick->child("required", ns::data_forms), nullptr);
}

TEST(MucRegister, Xep0045_7_10_RegisteringMakesAMemberWithTheNickReserved) {
    Room room = coven();
    bool changed = false;
    auto r = room.register_set(J(kHag), *register_form("thirdwitch"), &changed);
    ASSERT_TRUE(r.ok()) << condition(r);
    EXPECT_TRUE(changed);
    EXPECT_TRUE(r.out.empty());  // not in the room: nobody to tell
    EXPECT_EQ(room.affiliation(J(kHag)), Affiliation::member);
    EXPECT_EQ(room.reserved_nick(J("hag66@shakespeare.lit/other")), "thirdwitch");
    // "If the user is already registered ... <registered/>".
    auto again = room.register_get(J(kHag));
    ASSERT_TRUE(again);
    EXPECT_TRUE(same_xml(*again,
                         "<query xmlns='jabber:iq:register'><registered/>"
                         "<username>thirdwitch</username></query>"));
    // §9.5: the member list shows the reserved nickname.
    auto list = room.admin_get(
        J(kCrone), *X("<query xmlns='http://jabber.org/protocol/muc#admin'>"
                      "<item affiliation='member'/></query>"));
    ASSERT_TRUE(list);
    EXPECT_TRUE(same_xml(*list,
                         "<query xmlns='http://jabber.org/protocol/muc#admin'>"
                         "<item affiliation='member' jid='hag66@shakespeare.lit' "
                         "nick='thirdwitch'/></query>"));
}

TEST(MucRegister, Xep0045_7_10_OccupantWhoRegistersIsAnnouncedAsMember) {
    Room room = coven();
    must_enter(room, kCrone, "firstwitch");
    must_enter(room, kHag, "thirdwitch");
    auto r = register_nick(room, kHag, "thirdwitch");
    ASSERT_TRUE(r.ok()) << condition(r);
    // "Service Sends Notice of Membership to All Occupants".
    auto to_crone = sent_to(r.out, kCrone);
    ASSERT_EQ(to_crone.size(), 1u);
    EXPECT_EQ(to_crone[0]->attr_or("from"), "coven@chat.shakespeare.lit/thirdwitch");
    EXPECT_EQ(muc_item(*to_crone[0])->attr_or("affiliation"), "member");
    EXPECT_EQ(muc_item(*to_crone[0])->attr_or("role"), "participant");
    ASSERT_EQ(sent_to(r.out, kHag).size(), 1u);
    EXPECT_EQ(codes(*sent_to(r.out, kHag)[0]), std::vector<int>{110});
}

TEST(MucRegister, Xep0045_7_10_HigherAffiliationIsKept) {
    Room room = coven();
    ASSERT_TRUE(register_nick(room, kWicca, "secondwitch").ok());
    EXPECT_EQ(room.affiliation(J(kWicca)), Affiliation::admin);
    EXPECT_EQ(room.reserved_nick(J(kWicca)), "secondwitch");
    // Cancelling keeps the admin an admin and frees the nickname.
    ASSERT_TRUE(unregister(room, kWicca).ok());
    EXPECT_EQ(room.affiliation(J(kWicca)), Affiliation::admin);
    EXPECT_EQ(room.reserved_nick(J(kWicca)), "");
}

TEST(MucRegister, Xep0045_7_10_ReservedNicknameIsAConflict) {
    Room room = coven();
    ASSERT_TRUE(register_nick(room, kHag, "thirdwitch").ok());
    // "If the desired room nickname is already reserved ... <conflict/>".
    EXPECT_EQ(condition(register_nick(room, kHecate, "thirdwitch")), "conflict");
    // A nickname in use by another occupant too.
    must_enter(room, kWicca, "secondwitch");
    EXPECT_EQ(condition(register_nick(room, kHecate, "secondwitch")), "conflict");
    // The owner of the reservation may register it again, or another one.
    EXPECT_EQ(condition(register_nick(room, kHag, "thirdwitch")), "ok");
    EXPECT_EQ(condition(register_nick(room, kHag, "hag")), "ok");
    EXPECT_EQ(room.reserved_nick(J(kHag)), "hag");
    EXPECT_EQ(condition(register_nick(room, kHecate, "thirdwitch")), "ok");  // freed
}

TEST(MucRegister, Xep0045_7_10_InvalidFormsAreBadRequests) {
    Room room = coven();
    auto bad = [&](const xml::ElementPtr& q) { return condition(room.register_set(J(kHag), *q)); };
    EXPECT_EQ(bad(X("<query xmlns='jabber:iq:register'/>")), "bad-request");
    EXPECT_EQ(bad(register_form("thirdwitch", "jabber:iq:register")), "bad-request");
    EXPECT_EQ(bad(register_form("thirdwitch", "http://jabber.org/protocol/muc#register", "form")),
              "bad-request");
    EXPECT_EQ(bad(register_form("")), "bad-request");
    EXPECT_EQ(bad(register_form("   ")), "bad-request");
    EXPECT_EQ(bad(X("<query xmlns='jabber:iq:register'><x xmlns='jabber:x:data' type='submit'>"
                    "<field var='FORM_TYPE'><value>http://jabber.org/protocol/muc#register</value>"
                    "</field></x></query>")),
              "bad-request");
    // A cancelled form changes nothing (XEP-0004 §3.1).
    EXPECT_EQ(bad(register_form("x", "http://jabber.org/protocol/muc#register", "cancel")), "ok");
    EXPECT_EQ(room.affiliation(J(kHag)), Affiliation::none);
}

TEST(MucRegister, Xep0045_7_10_WhoMayRegister) {
    Room room = coven();
    room.restore_affiliation(J("hecate@shakespeare.lit"), Affiliation::outcast);
    EXPECT_EQ(xmpp::to_string(room.register_get(J(kHecate)).error().condition), "forbidden");
    EXPECT_EQ(condition(register_nick(room, kHecate, "hecate")), "forbidden");
    RoomConfig members_only;
    members_only.members_only = true;
    Room closed = coven(members_only);
    // "If the user ... is not allowed to register with the room ... <not-allowed/>".
    EXPECT_EQ(xmpp::to_string(closed.register_get(J(kHag)).error().condition), "not-allowed");
    EXPECT_EQ(condition(register_nick(closed, kHag, "thirdwitch")), "not-allowed");
    closed.restore_affiliation(J("hag66@shakespeare.lit"), Affiliation::member);
    EXPECT_EQ(condition(register_nick(closed, kHag, "thirdwitch")), "ok");
}

TEST(MucRegister, Xep0045_7_2_8_OthersCannotEnterWithAReservedNickname) {
    Room room = coven();
    ASSERT_TRUE(register_nick(room, kHag, "thirdwitch").ok());
    EXPECT_EQ(condition(enter(room, kHecate, "thirdwitch")), "conflict");
    must_enter(room, kHecate, "hecate");
    // §7.6: nor change to it.
    auto p = plain_presence(kHecate, "coven@chat.shakespeare.lit/thirdwitch");
    EXPECT_EQ(condition(room.change_nick(J(kHecate), "thirdwitch", p)), "conflict");
    // The registrant may, from any resource.
    EXPECT_EQ(condition(enter(room, "hag66@shakespeare.lit/phone", "thirdwitch")), "ok");
}

TEST(MucRegister, Xep0045_7_10_RemoveFreesTheNicknameAndEndsMembership) {
    Room room = coven();
    ASSERT_TRUE(register_nick(room, kHag, "thirdwitch").ok());
    bool changed = false;
    auto r = room.register_set(J(kHag), *X("<query xmlns='jabber:iq:register'><remove/></query>"),
                               &changed);
    ASSERT_TRUE(r.ok()) << condition(r);
    EXPECT_TRUE(changed);
    EXPECT_EQ(room.affiliation(J(kHag)), Affiliation::none);
    EXPECT_EQ(room.reserved_nick(J(kHag)), "");
    EXPECT_TRUE(room.affiliations().empty() || !room.affiliations().count("hag66@shakespeare.lit"));
    EXPECT_EQ(condition(enter(room, kHecate, "thirdwitch")), "ok");
    // Nothing registered: nothing to cancel, and no error.
    EXPECT_EQ(condition(unregister(room, "nobody@shakespeare.lit/x")), "ok");
}

TEST(MucRegister, Xep0045_7_12_ReservedNicknameDiscovery) {
    Room room = coven();
    EXPECT_TRUE(same_xml(room.reserved_nick_info(J(kHag)),
                         "<query xmlns='http://jabber.org/protocol/disco#info' "
                         "node='x-roomuser-item'/>"));
    ASSERT_TRUE(register_nick(room, kHag, "thirdwitch").ok());
    EXPECT_TRUE(same_xml(room.reserved_nick_info(J(kHag)),
                         "<query xmlns='http://jabber.org/protocol/disco#info' "
                         "node='x-roomuser-item'><identity category='conference' "
                         "name='thirdwitch' type='text'/></query>"));
    // §9.5: a nickname an admin reserved on the member list is found the same way.
    ASSERT_TRUE(room.admin_set(J(kCrone),
                               *X("<query xmlns='http://jabber.org/protocol/muc#admin'>"
                                  "<item affiliation='member' jid='hecate@shakespeare.lit' "
                                  "nick='Hecate'/></query>"))
                    .ok());
    EXPECT_EQ(room.reserved_nick_info(J(kHecate))
                  ->child("identity", ns::disco_info)
                  ->attr_or("name"),
              "Hecate");
    EXPECT_EQ(condition(register_nick(room, kHag, "Hecate")), "conflict");
}

TEST(MucRegister, Xep0045_7_10_LockDownHoldsTheRegistrantToTheirNickname) {
    ConfigLimits limits;
    limits.enforce_registered_nickname = true;
    Room room(J(kRoom), RoomConfig{}, limits);
    room.restore_affiliation(J("crone1@shakespeare.lit"), Affiliation::owner);
    ASSERT_TRUE(register_nick(room, kHag, "thirdwitch").ok());
    // "SHOULD return a <not-acceptable/> error ... with a roomnick other than
    // the user's registered roomnick".
    EXPECT_EQ(condition(enter(room, kHag, "hag")), "not-acceptable");
    must_enter(room, kHag, "thirdwitch");
    auto p = plain_presence(kHag, "coven@chat.shakespeare.lit/hag");
    EXPECT_EQ(condition(room.change_nick(J(kHag), "hag", p)), "not-acceptable");
    // Users without a reservation choose freely.
    must_enter(room, kHecate, "hecate");
    // Without the lock-down (the default) the registrant may use another one.
    Room open = coven();
    ASSERT_TRUE(register_nick(open, kHag, "thirdwitch").ok());
    EXPECT_EQ(condition(enter(open, kHag, "hag")), "ok");
}

}  // namespace
}  // namespace parley::mod::muc
