// XEP-0045 non-groupchat messages to the room: §7.8.2 mediated invitations and
// declines, §8.6 voice requests; and the stored form of a persistent room
// (§10.1.3, room_record.hpp).
#include <gtest/gtest.h>

#include "modules/muc/room_record.hpp"
#include "muc_test_util.hpp"

namespace parley::mod::muc {
namespace {

using namespace test;

Outcome to_room(Room& room, std::string_view from, std::string_view children,
                bool* changed = nullptr) {
    auto m = X("<message xmlns='jabber:client' from='" + std::string(from) + "' to='" +
               std::string(kRoom) + "' id='m1'>" + std::string(children) + "</message>");
    return room.room_message(J(from), *m, changed);
}

constexpr std::string_view kInvite =
    "<x xmlns='http://jabber.org/protocol/muc#user'><invite to='hecate@shakespeare.lit'>"
    "<reason>Hey Hecate, this is the place for all good witches!</reason></invite></x>";

TEST(MucInvite, Xep0045_7_8_2_ServiceSendsInvitationFromRoom) {
    RoomConfig config;
    config.password_protected = true;
    config.password = "cauldronburn";
    Room room = coven(config);
    auto p = join_presence(kCrone, std::string(kRoom) + "/firstwitch",
                           "<password>cauldronburn</password>");
    ASSERT_TRUE(room.join(parse_join(p, J(kCrone), "firstwitch"), kNow).ok());
    auto o = to_room(room, kCrone, kInvite);
    ASSERT_TRUE(o.ok()) << condition(o);
    ASSERT_EQ(recipients(o.out), std::vector<std::string>{"hecate@shakespeare.lit"});
    EXPECT_TRUE(same_xml(
        o.out[0].stanza,
        "<message xmlns='jabber:client' from='coven@chat.shakespeare.lit' "
        "to='hecate@shakespeare.lit' id='m1'><x xmlns='http://jabber.org/protocol/muc#user'>"
        "<invite from='crone1@shakespeare.lit/desktop'><reason>Hey Hecate, this is the place for "
        "all good witches!</reason></invite><password>cauldronburn</password></x></message>"));
}

TEST(MucInvite, Xep0045_7_8_2_NonOccupantMayNotInvite) {
    Room room = coven();
    EXPECT_EQ(condition(to_room(room, kHag, kInvite)), "not-acceptable");
}

TEST(MucInvite, Xep0045_7_8_2_MembersOnlyRoomRestrictsInvitesAndAddsTheInvitee) {
    RoomConfig config;
    config.members_only = true;
    Room room = coven(config);
    room.restore_affiliation(J("hag66@shakespeare.lit"), Affiliation::member);
    must_enter(room, kCrone, "firstwitch");
    must_enter(room, kHag, "thirdwitch");
    // "Invitation privileges in members-only rooms SHOULD be restricted to room admins".
    EXPECT_EQ(condition(to_room(room, kHag, kInvite)), "forbidden");
    bool changed = false;
    ASSERT_TRUE(to_room(room, kCrone, kInvite, &changed).ok());
    EXPECT_TRUE(changed);  // "the service MAY also add the invitee to the member list"
    EXPECT_EQ(room.affiliation(J("hecate@shakespeare.lit")), Affiliation::member);
}

TEST(MucInvite, Xep0045_7_8_2_DeclineGoesToTheInviter) {
    Room room = coven();
    auto o = to_room(room, kHecate,
                     "<x xmlns='http://jabber.org/protocol/muc#user'>"
                     "<decline to='crone1@shakespeare.lit'><reason>Sorry, I'm too busy right "
                     "now.</reason></decline></x>");
    ASSERT_TRUE(o.ok());
    ASSERT_EQ(o.out.size(), 1u);
    EXPECT_TRUE(same_xml(
        o.out[0].stanza,
        "<message xmlns='jabber:client' from='coven@chat.shakespeare.lit' "
        "to='crone1@shakespeare.lit' id='m1'><x xmlns='http://jabber.org/protocol/muc#user'>"
        "<decline from='hecate@shakespeare.lit'><reason>Sorry, I'm too busy right "
        "now.</reason></decline></x></message>"));
}

TEST(MucRoomMessage, Xep0045_17_2_OtherNormalMessagesAreBadRequest) {
    Room room = coven();
    must_enter(room, kHag, "thirdwitch");
    EXPECT_EQ(condition(to_room(room, kHag, "<body>hi</body>")), "bad-request");
}

constexpr std::string_view kVoiceRequest =
    "<x xmlns='jabber:x:data' type='submit'><field var='FORM_TYPE'>"
    "<value>http://jabber.org/protocol/muc#request</value></field>"
    "<field var='muc#role' type='list-single'><value>participant</value></field></x>";

TEST(MucVoice, Xep0045_8_6_RequestGoesToModeratorsAndApprovalGrantsVoice) {
    RoomConfig config;
    config.moderated = true;
    Room room = coven(config);
    must_enter(room, kCrone, "firstwitch");
    must_enter(room, kHag, "thirdwitch");
    ASSERT_EQ(room.occupant("thirdwitch")->role, Role::visitor);
    auto o = to_room(room, kHag, kVoiceRequest);
    ASSERT_TRUE(o.ok());
    ASSERT_EQ(recipients(o.out), std::vector<std::string>{std::string(kCrone)});
    const auto* x = o.out[0].stanza->child("x", "jabber:x:data");
    ASSERT_NE(x, nullptr);
    EXPECT_EQ(x->attr_or("type"), "form");
    // A participant may not approve; the moderator may.
    std::string approve =
        "<x xmlns='jabber:x:data' type='submit'><field var='FORM_TYPE'>"
        "<value>http://jabber.org/protocol/muc#request</value></field>"
        "<field var='muc#roomnick'><value>thirdwitch</value></field>"
        "<field var='muc#request_allow'><value>true</value></field></x>";
    EXPECT_EQ(condition(to_room(room, kHag, approve)), "forbidden");
    ASSERT_TRUE(to_room(room, kCrone, approve).ok());
    EXPECT_EQ(room.occupant("thirdwitch")->role, Role::participant);
}

TEST(MucRecord, Xep0045_10_1_3_PersistentRoomRoundTrip) {
    RoomConfig config;
    config.name = "The Coven\nof witches \\ three";
    config.persistent = true;
    config.members_only = true;
    config.whois = Whois::anyone;
    config.allow_pm = AllowPm::moderators;
    config.presence_broadcast = {Role::moderator};
    config.max_users = 30;
    Room room = coven(config);
    room.restore_affiliation(J("hag66@shakespeare.lit"), Affiliation::member, "thirdwitch");
    room.restore_affiliation(J("shakespeare.lit"), Affiliation::outcast, "", "all of them");
    room.restore_subject("Fire Burn", std::nullopt, std::nullopt);
    auto record = to_record(room);
    EXPECT_EQ(record.jid, kRoom);
    Room back = from_record(record, J(kRoom), RoomConfig{}, ConfigLimits{});
    EXPECT_EQ(back.config(), room.config());
    EXPECT_EQ(back.subject(), "Fire Burn");
    EXPECT_EQ(back.affiliation(J("crone1@shakespeare.lit")), Affiliation::owner);
    EXPECT_EQ(back.affiliations().at("hag66@shakespeare.lit").nick, "thirdwitch");
    EXPECT_EQ(back.affiliation(J("someone@shakespeare.lit")), Affiliation::outcast);
}

TEST(MucRecord, Xep0045_10_1_3_UnknownOrBadValuesKeepDefaultsAndLimits) {
    ConfigLimits limits;
    limits.max_users = 50;
    RoomConfig defaults;
    defaults.history_length = 7;
    auto c = parse_config("max_users=9999\nhistory_length=x\nfuture_option=1\npublic=0\n", defaults,
                          limits);
    EXPECT_EQ(c.max_users, 50u);
    EXPECT_EQ(c.history_length, 7u);
    EXPECT_FALSE(c.public_room);
}

}  // namespace
}  // namespace parley::mod::muc
