// XEP-0045 muc#admin: §8.2 kick, §8.3-§8.5 voice, §9.1-§9.2 ban, §9.3-§9.5
// membership, §9.6-§9.8 moderators, §10.3-§10.8 owners and admins, §17.4 IQ
// rules. Each request is a muc#admin <query/> as a client sends it.
#include <gtest/gtest.h>

#include "muc_test_util.hpp"

namespace parley::mod::muc {
namespace {

using namespace test;
using xmpp::Condition;

xml::ElementPtr admin_query(std::string_view items) {
    return X("<query xmlns='http://jabber.org/protocol/muc#admin'>" + std::string(items) +
             "</query>");
}

Outcome admin(Room& room, std::string_view actor, std::string_view items) {
    return room.admin_set(J(actor), *admin_query(items));
}

// The coven with firstwitch (owner), secondwitch (admin) and thirdwitch
// (unaffiliated) inside, plus hecate when asked.
Room full_coven(RoomConfig c = {}, bool with_hecate = true) {
    Room room = coven(c);
    must_enter(room, kCrone, "firstwitch");
    must_enter(room, kWicca, "secondwitch");
    must_enter(room, kHag, "thirdwitch");
    if (with_hecate) {
        must_enter(room, kHecate, "hecate");
    }
    return room;
}

TEST(MucKick, Xep0045_8_2_KickedOccupantAndOthersGetUnavailableWith307) {
    Room room = full_coven();
    auto r =
        admin(room, kCrone,
              "<item nick='thirdwitch' role='none'><reason>Avaunt, you cullion!</reason></item>");
    ASSERT_TRUE(r.ok()) << condition(r);
    EXPECT_EQ(room.occupant("thirdwitch"), nullptr);
    EXPECT_EQ(room.occupant_by_jid(J(kHag)), nullptr);
    EXPECT_TRUE(same_xml(sent_to(r.out, kHag).at(0),
                         "<presence xmlns='jabber:client' "
                         "from='coven@chat.shakespeare.lit/thirdwitch' "
                         "to='hag66@shakespeare.lit/pda' type='unavailable'>"
                         "<x xmlns='http://jabber.org/protocol/muc#user'>"
                         "<item affiliation='none' jid='hag66@shakespeare.lit/pda' role='none'>"
                         "<actor nick='firstwitch'/><reason>Avaunt, you cullion!</reason></item>"
                         "<status code='110'/><status code='307'/></x></presence>"));
    EXPECT_TRUE(same_xml(sent_to(r.out, kHecate).at(0),
                         "<presence xmlns='jabber:client' "
                         "from='coven@chat.shakespeare.lit/thirdwitch' "
                         "to='hecate@shakespeare.lit/broom' type='unavailable'>"
                         "<x xmlns='http://jabber.org/protocol/muc#user'>"
                         "<item affiliation='none' role='none'>"
                         "<actor nick='firstwitch'/><reason>Avaunt, you cullion!</reason></item>"
                         "<status code='307'/></x></presence>"));
    EXPECT_EQ(muc_item(*sent_to(r.out, kWicca).at(0))->attr_or("jid"), kHag);
    EXPECT_EQ(r.out.size(), 4u);
    // A kicked user may come back (§4.1 "Kick").
    EXPECT_EQ(condition(enter(room, kHag, "thirdwitch")), "ok");
}

TEST(MucKick, Xep0045_8_2_KickRefusals) {
    Room room = full_coven();
    // A participant is no moderator: forbidden (§8 intro).
    EXPECT_EQ(condition(admin(room, kHag, "<item nick='hecate' role='none'/>")), "forbidden");
    // "Service Returns Error on Attempt to Kick User With Higher Affiliation".
    EXPECT_EQ(condition(admin(room, kWicca, "<item nick='firstwitch' role='none'/>")),
              "not-allowed");
    // Owners are not kicked.
    EXPECT_EQ(condition(admin(room, kCrone, "<item nick='firstwitch' role='none'/>")),
              "not-allowed");
    EXPECT_EQ(condition(admin(room, kCrone, "<item nick='nobody' role='none'/>")),
              "item-not-found");
    EXPECT_EQ(room.occupant_count(), 4u);
}

TEST(MucKick, Xep0045_9_2_RequestIsAllOrNothing) {
    Room room = full_coven();
    auto r = admin(room, kWicca,
                   "<item nick='thirdwitch' role='none'/><item nick='firstwitch' role='none'/>");
    EXPECT_EQ(condition(r), "not-allowed");
    EXPECT_TRUE(r.out.empty());
    EXPECT_NE(room.occupant("thirdwitch"), nullptr);
}

TEST(MucVoice, Xep0045_8_3_GrantVoiceToAVisitor) {
    RoomConfig c;
    c.moderated = true;
    Room room = full_coven(c);
    ASSERT_EQ(room.occupant("thirdwitch")->role, Role::visitor);
    auto r = admin(room, kCrone,
                   "<item nick='thirdwitch' role='participant'><reason>A worthy witch "
                   "indeed!</reason></item>");
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(room.occupant("thirdwitch")->role, Role::participant);
    EXPECT_TRUE(same_xml(sent_to(r.out, kHecate).at(0),
                         "<presence xmlns='jabber:client' "
                         "from='coven@chat.shakespeare.lit/thirdwitch' "
                         "to='hecate@shakespeare.lit/broom'>"
                         "<x xmlns='http://jabber.org/protocol/muc#user'>"
                         "<item affiliation='none' role='participant'>"
                         "<reason>A worthy witch indeed!</reason></item></x></presence>"));
    EXPECT_EQ(codes(*sent_to(r.out, kHag).at(0)), std::vector<int>{110});
    EXPECT_EQ(r.out.size(), 4u);
    // The new participant may now speak (§7.4).
    EXPECT_TRUE(
        room.groupchat_message(J(kHag), *message(kHag, kRoom, "groupchat", "<body>x</body>"), kNow)
            .ok());
}

TEST(MucVoice, Xep0045_8_4_RevokeVoice) {
    Room room = full_coven();
    auto r = admin(room, kCrone, "<item nick='thirdwitch' role='visitor'/>");
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(room.occupant("thirdwitch")->role, Role::visitor);
    EXPECT_EQ(muc_item(*sent_to(r.out, kCrone).at(0))->attr_or("role"), "visitor");
    EXPECT_EQ(condition(room.groupchat_message(
                  J(kHag), *message(kHag, kRoom, "groupchat", "<body>x</body>"), kNow)),
              "forbidden");
}

TEST(MucVoice, Xep0045_8_4_VoiceOfAnAdminOrOwnerIsNotRevoked) {
    Room room = full_coven();
    EXPECT_EQ(condition(admin(room, kCrone, "<item nick='secondwitch' role='visitor'/>")),
              "not-allowed");
    EXPECT_EQ(condition(admin(room, kWicca, "<item nick='firstwitch' role='visitor'/>")),
              "not-allowed");
}

TEST(MucVoice, Xep0045_8_5_VoiceList) {
    Room room = full_coven();
    auto list = room.admin_get(J(kCrone), *admin_query("<item role='participant'/>"));
    ASSERT_TRUE(list);
    EXPECT_TRUE(same_xml(*list,
                         "<query xmlns='http://jabber.org/protocol/muc#admin'>"
                         "<item affiliation='none' jid='hecate@shakespeare.lit/broom' "
                         "nick='hecate' role='participant'/>"
                         "<item affiliation='none' jid='hag66@shakespeare.lit/pda' "
                         "nick='thirdwitch' role='participant'/></query>"));
    auto denied = room.admin_get(J(kHag), *admin_query("<item role='participant'/>"));
    ASSERT_FALSE(denied);
    EXPECT_EQ(denied.error().condition, Condition::forbidden);
    // §8.5: the changed items only.
    auto r = admin(room, kCrone,
                   "<item nick='hecate' role='visitor'/><item nick='thirdwitch' role='visitor'/>");
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(room.occupant("hecate")->role, Role::visitor);
    EXPECT_EQ(room.occupant("thirdwitch")->role, Role::visitor);
}

TEST(MucModerator, Xep0045_9_6_AdminGrantsModeratorStatus) {
    Room room = full_coven();
    auto r = admin(room, kWicca, "<item nick='thirdwitch' role='moderator'/>");
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(room.occupant("thirdwitch")->role, Role::moderator);
    // §7.2.4: as a moderator of a semi-anonymous room it now learns real JIDs.
    auto to_hag = sent_to(r.out, kHag);
    ASSERT_EQ(to_hag.size(), 4u);  // own presence, then firstwitch, hecate, secondwitch
    EXPECT_EQ(codes(*to_hag[0]), std::vector<int>{110});
    EXPECT_EQ(muc_item(*to_hag[1])->attr_or("jid"), kCrone);
    EXPECT_EQ(muc_item(*to_hag[3])->attr_or("jid"), kWicca);
}

TEST(MucModerator, Xep0045_9_6_OnlyAdminsGrantModeratorStatus) {
    Room room = full_coven();
    ASSERT_TRUE(admin(room, kWicca, "<item nick='hecate' role='moderator'/>").ok());
    // hecate is a moderator without affiliation: no moderator-status changes.
    EXPECT_EQ(condition(admin(room, kHecate, "<item nick='thirdwitch' role='moderator'/>")),
              "forbidden");
    // ... but the moderator tasks of §8 are open to her.
    EXPECT_EQ(condition(admin(room, kHecate, "<item nick='thirdwitch' role='visitor'/>")), "ok");
}

TEST(MucModerator, Xep0045_9_7_RevokeModeratorStatus) {
    Room room = full_coven();
    ASSERT_TRUE(admin(room, kWicca, "<item nick='thirdwitch' role='moderator'/>").ok());
    EXPECT_EQ(condition(admin(room, kWicca, "<item nick='thirdwitch' role='participant'/>")), "ok");
    EXPECT_EQ(room.occupant("thirdwitch")->role, Role::participant);
    // "Service Returns Error on Attempt to Revoke Moderator Status from an Admin or Owner".
    EXPECT_EQ(condition(admin(room, kCrone, "<item nick='secondwitch' role='participant'/>")),
              "not-allowed");
    EXPECT_EQ(condition(admin(room, kWicca, "<item nick='firstwitch' role='participant'/>")),
              "not-allowed");
}

TEST(MucModerator, Xep0045_9_8_ModeratorListIsForAdmins) {
    Room room = full_coven();
    auto list = room.admin_get(J(kWicca), *admin_query("<item role='moderator'/>"));
    ASSERT_TRUE(list);
    EXPECT_EQ((*list)->children("item", ns::muc_admin).size(), 2u);
    ASSERT_TRUE(admin(room, kWicca, "<item nick='hecate' role='moderator'/>").ok());
    auto denied = room.admin_get(J(kHecate), *admin_query("<item role='moderator'/>"));
    ASSERT_FALSE(denied);
    EXPECT_EQ(denied.error().condition, Condition::forbidden);
}

TEST(MucBan, Xep0045_9_1_BannedOccupantRemovedWith301) {
    Room room = full_coven();
    auto r = admin(room, kCrone,
                   "<item affiliation='outcast' jid='hag66@shakespeare.lit'>"
                   "<reason>Treason</reason></item>");
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(room.affiliation(J("hag66@shakespeare.lit")), Affiliation::outcast);
    EXPECT_EQ(room.occupant("thirdwitch"), nullptr);
    EXPECT_TRUE(same_xml(sent_to(r.out, kHag).at(0),
                         "<presence xmlns='jabber:client' "
                         "from='coven@chat.shakespeare.lit/thirdwitch' "
                         "to='hag66@shakespeare.lit/pda' type='unavailable'>"
                         "<x xmlns='http://jabber.org/protocol/muc#user'>"
                         "<item affiliation='outcast' jid='hag66@shakespeare.lit/pda' role='none'>"
                         "<actor nick='firstwitch'/><reason>Treason</reason></item>"
                         "<status code='110'/><status code='301'/></x></presence>"));
    EXPECT_EQ(codes(*sent_to(r.out, kHecate).at(0)), std::vector<int>{301});
    EXPECT_EQ(muc_item(*sent_to(r.out, kWicca).at(0))->attr_or("affiliation"), "outcast");
    // §7.2.7: and stays out.
    EXPECT_EQ(condition(enter(room, kHag, "thirdwitch")), "forbidden");
    // §9.2: the ban list, with the reason.
    auto list = room.admin_get(J(kWicca), *admin_query("<item affiliation='outcast'/>"));
    ASSERT_TRUE(list);
    EXPECT_TRUE(same_xml(*list,
                         "<query xmlns='http://jabber.org/protocol/muc#admin'>"
                         "<item affiliation='outcast' jid='hag66@shakespeare.lit'>"
                         "<reason>Treason</reason></item></query>"));
}

TEST(MucBan, Xep0045_9_1_BanRefusals) {
    Room room = full_coven();
    // "if an admin attempts to ban an owner ... not-allowed".
    EXPECT_EQ(condition(admin(room, kWicca,
                              "<item affiliation='outcast' jid='crone1@shakespeare.lit'/>")),
              "not-allowed");
    // "If an admin or owner attempts to ban himself ... conflict".
    EXPECT_EQ(condition(admin(room, kWicca,
                              "<item affiliation='outcast' jid='wiccarocks@shakespeare.lit'/>")),
              "conflict");
    // Moderators without admin affiliation cannot ban (§9 intro).
    ASSERT_TRUE(admin(room, kWicca, "<item nick='hecate' role='moderator'/>").ok());
    EXPECT_EQ(condition(admin(room, kHecate,
                              "<item affiliation='outcast' jid='hag66@shakespeare.lit'/>")),
              "forbidden");
}

TEST(MucBan, Xep0045_9_2_ModifyingTheBanListIsAllOrNothing) {
    Room room = full_coven();
    auto r = admin(room, kWicca,
                   "<item affiliation='outcast' jid='lordscroop@shakespeare.lit'/>"
                   "<item affiliation='outcast' jid='crone1@shakespeare.lit'/>");
    EXPECT_EQ(condition(r), "not-allowed");
    EXPECT_EQ(room.affiliation(J("lordscroop@shakespeare.lit")), Affiliation::none);
    // Unban.
    ASSERT_TRUE(admin(room, kWicca,
                      "<item affiliation='outcast' jid='lordscroop@shakespeare.lit'/>"
                      "<item affiliation='outcast' jid='sirthomasgrey@shakespeare.lit'/>")
                    .ok());
    ASSERT_TRUE(
        admin(room, kWicca, "<item affiliation='none' jid='lordscroop@shakespeare.lit'/>").ok());
    EXPECT_EQ(room.affiliation(J("lordscroop@shakespeare.lit")), Affiliation::none);
    EXPECT_EQ(room.with_affiliation(Affiliation::outcast),
              std::vector<xmpp::Jid>{J("sirthomasgrey@shakespeare.lit")});
}

TEST(MucMember, Xep0045_9_3_GrantMembershipWithReservedNick) {
    Room room = full_coven();
    auto r = admin(room, kCrone,
                   "<item affiliation='member' jid='hag66@shakespeare.lit' nick='thirdwitch'/>");
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(room.affiliation(J(kHag)), Affiliation::member);
    EXPECT_EQ(room.affiliations().at("hag66@shakespeare.lit").nick, "thirdwitch");
    EXPECT_TRUE(same_xml(sent_to(r.out, kCrone).at(0),
                         "<presence xmlns='jabber:client' "
                         "from='coven@chat.shakespeare.lit/thirdwitch' "
                         "to='crone1@shakespeare.lit/desktop'>"
                         "<x xmlns='http://jabber.org/protocol/muc#user'>"
                         "<item affiliation='member' jid='hag66@shakespeare.lit/pda' "
                         "role='participant'/></x></presence>"));
    // The reserved nickname is now refused to others (§7.2.8).
    ASSERT_TRUE(room.leave(J(kHag), nullptr).ok());
    EXPECT_EQ(condition(enter(room, "imposter@evil.lit/x", "thirdwitch")), "conflict");
    // A full JID in the request means its bare JID (§10.3).
    ASSERT_TRUE(
        admin(room, kCrone, "<item affiliation='member' jid='hecate@shakespeare.lit/broom'/>")
            .ok());
    EXPECT_EQ(room.affiliation(J("hecate@shakespeare.lit")), Affiliation::member);
}

TEST(MucMember, Xep0045_9_3_ReservedNickOfAnotherUserIsAConflict) {
    Room room = full_coven();
    room.restore_affiliation(J("hecate@shakespeare.lit"), Affiliation::member, "Hecate");
    EXPECT_EQ(condition(admin(room, kCrone,
                              "<item affiliation='member' jid='hag66@shakespeare.lit' "
                              "nick='Hecate'/>")),
              "conflict");
}

TEST(MucMember, Xep0045_9_4_RevokeMembershipInAnOpenRoom) {
    Room room = coven();
    room.restore_affiliation(J("hag66@shakespeare.lit"), Affiliation::member);
    must_enter(room, kCrone, "firstwitch");
    must_enter(room, kHag, "thirdwitch");
    auto r = admin(room, kCrone, "<item affiliation='none' jid='hag66@shakespeare.lit'/>");
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(muc_item(*sent_to(r.out, kCrone).at(0))->attr_or("affiliation"), "none");
    EXPECT_EQ(muc_item(*sent_to(r.out, kCrone).at(0))->attr_or("role"), "participant");
    EXPECT_NE(room.occupant("thirdwitch"), nullptr);
    EXPECT_TRUE(room.affiliations().find("hag66@shakespeare.lit") == room.affiliations().end());
}

TEST(MucMember, Xep0045_9_4_RevokeMembershipInAMembersOnlyRoomRemovesWith321) {
    RoomConfig c;
    c.members_only = true;
    Room room = coven(c);
    room.restore_affiliation(J("hag66@shakespeare.lit"), Affiliation::member);
    must_enter(room, kCrone, "firstwitch");
    must_enter(room, kHag, "thirdwitch");
    auto r = admin(room, kCrone, "<item affiliation='none' jid='hag66@shakespeare.lit'/>");
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(room.occupant("thirdwitch"), nullptr);
    // Only the removal is sent, not a de-affiliation presence first.
    ASSERT_EQ(sent_to(r.out, kCrone).size(), 1u);
    EXPECT_TRUE(same_xml(sent_to(r.out, kCrone)[0],
                         "<presence xmlns='jabber:client' "
                         "from='coven@chat.shakespeare.lit/thirdwitch' "
                         "to='crone1@shakespeare.lit/desktop' type='unavailable'>"
                         "<x xmlns='http://jabber.org/protocol/muc#user'>"
                         "<item affiliation='none' jid='hag66@shakespeare.lit/pda' role='none'>"
                         "<actor nick='firstwitch'/></item>"
                         "<status code='321'/></x></presence>"));
    EXPECT_EQ(codes(*sent_to(r.out, kHag).at(0)), (std::vector<int>{110, 321}));
    EXPECT_EQ(condition(enter(room, kHag, "thirdwitch")), "registration-required");
}

TEST(MucMember, Xep0045_9_5_MemberList) {
    Room room = full_coven();
    ASSERT_TRUE(admin(room, kCrone,
                      "<item affiliation='member' jid='hag66@shakespeare.lit'/>"
                      "<item affiliation='member' jid='hecate@shakespeare.lit' nick='Hecate'/>")
                    .ok());
    auto list = room.admin_get(J(kWicca), *admin_query("<item affiliation='member'/>"));
    ASSERT_TRUE(list);
    EXPECT_TRUE(same_xml(*list,
                         "<query xmlns='http://jabber.org/protocol/muc#admin'>"
                         "<item affiliation='member' jid='hag66@shakespeare.lit' "
                         "nick='thirdwitch'/>"
                         "<item affiliation='member' jid='hecate@shakespeare.lit' "
                         "nick='Hecate'/></query>"));
    // §5.2.1 ***: members do not get it in a semi-anonymous room ...
    auto semi = room.admin_get(J(kHag), *admin_query("<item affiliation='member'/>"));
    ASSERT_FALSE(semi);
    EXPECT_EQ(semi.error().condition, Condition::forbidden);
    // ... and the unaffiliated never.
    EXPECT_FALSE(room.admin_get(J("nobody@x.lit/y"), *admin_query("<item affiliation='member'/>")));
}

TEST(MucMember, Xep0045_9_5_MembersGetTheMemberListOfANonAnonymousRoom) {
    RoomConfig c;
    c.whois = Whois::anyone;
    Room room = coven(c);
    room.restore_affiliation(J("hag66@shakespeare.lit"), Affiliation::member);
    EXPECT_TRUE(room.admin_get(J(kHag), *admin_query("<item affiliation='member'/>")));
    EXPECT_FALSE(room.admin_get(J(kHecate), *admin_query("<item affiliation='member'/>")));
}

TEST(MucMember, Xep0045_9_5_EmptyNickUnsetsTheReservation) {
    Room room = coven();
    room.restore_affiliation(J("hag66@shakespeare.lit"), Affiliation::member, "thirdwitch");
    must_enter(room, kCrone, "firstwitch");
    ASSERT_TRUE(
        admin(room, kCrone, "<item affiliation='member' jid='hag66@shakespeare.lit' nick=''/>")
            .ok());
    EXPECT_EQ(room.affiliations().at("hag66@shakespeare.lit").nick, "");
}

TEST(MucMember, Xep0045_5_1_3_NewMemberOfAModeratedRoomGetsVoice) {
    RoomConfig c;
    c.moderated = true;
    Room room = full_coven(c, false);
    ASSERT_EQ(room.occupant("thirdwitch")->role, Role::visitor);
    ASSERT_TRUE(
        admin(room, kCrone, "<item affiliation='member' jid='hag66@shakespeare.lit'/>").ok());
    EXPECT_EQ(room.occupant("thirdwitch")->role, Role::participant);
}

TEST(MucOwnerList, Xep0045_10_3_GrantOwnerStatus) {
    Room room = full_coven();
    auto r = admin(room, kCrone, "<item affiliation='owner' jid='hecate@shakespeare.lit'/>");
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(room.affiliation(J(kHecate)), Affiliation::owner);
    EXPECT_EQ(room.occupant("hecate")->role, Role::moderator);
    EXPECT_EQ(muc_item(*sent_to(r.out, kCrone).at(0))->attr_or("affiliation"), "owner");
    EXPECT_EQ(muc_item(*sent_to(r.out, kCrone).at(0))->attr_or("role"), "moderator");
}

TEST(MucOwnerList, Xep0045_10_4_LastOwnerCannotStepDown) {
    Room room = full_coven();
    auto r = admin(room, kCrone, "<item affiliation='admin' jid='crone1@shakespeare.lit'/>");
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error->condition, Condition::conflict);
    EXPECT_EQ(room.affiliation(J(kCrone)), Affiliation::owner);
    // With another owner it may (and in the same request too).
    ASSERT_TRUE(admin(room, kCrone,
                      "<item affiliation='admin' jid='crone1@shakespeare.lit'/>"
                      "<item affiliation='owner' jid='hecate@shakespeare.lit'/>")
                    .ok());
    EXPECT_EQ(room.affiliation(J(kCrone)), Affiliation::admin);
    EXPECT_EQ(room.occupant("firstwitch")->role, Role::moderator);
}

TEST(MucOwnerList, Xep0045_10_4_OwnerRevokesAnotherOwner) {
    Room room = full_coven();
    room.restore_affiliation(J("hecate@shakespeare.lit"), Affiliation::owner);
    auto r = admin(room, kCrone, "<item affiliation='none' jid='hecate@shakespeare.lit'/>");
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(room.affiliation(J(kHecate)), Affiliation::none);
    // §10.7-style demotion: back to the default role.
    EXPECT_EQ(room.occupant("hecate")->role, Role::participant);
}

TEST(MucOwnerList, Xep0045_10_5_OnlyOwnersModifyTheOwnerAndAdminLists) {
    Room room = full_coven();
    EXPECT_EQ(
        condition(admin(room, kWicca, "<item affiliation='owner' jid='hag66@shakespeare.lit'/>")),
        "forbidden");
    EXPECT_EQ(
        condition(admin(room, kWicca, "<item affiliation='admin' jid='hag66@shakespeare.lit'/>")),
        "forbidden");
    auto owners = room.admin_get(J(kWicca), *admin_query("<item affiliation='owner'/>"));
    ASSERT_FALSE(owners);  // semi-anonymous room
    EXPECT_EQ(owners.error().condition, Condition::forbidden);
    auto mine = room.admin_get(J(kCrone), *admin_query("<item affiliation='owner'/>"));
    ASSERT_TRUE(mine);
    EXPECT_TRUE(same_xml(*mine,
                         "<query xmlns='http://jabber.org/protocol/muc#admin'>"
                         "<item affiliation='owner' jid='crone1@shakespeare.lit' "
                         "nick='firstwitch'/></query>"));
}

TEST(MucAdminList, Xep0045_10_6_And_10_7_GrantAndRevokeAdminStatus) {
    Room room = full_coven();
    auto grant = admin(room, kCrone, "<item affiliation='admin' jid='hag66@shakespeare.lit'/>");
    ASSERT_TRUE(grant.ok());
    EXPECT_EQ(room.occupant("thirdwitch")->role, Role::moderator);
    EXPECT_EQ(muc_item(*sent_to(grant.out, kHecate).at(0))->attr_or("role"), "moderator");
    auto revoke =
        admin(room, kCrone, "<item affiliation='none' jid='wiccarocks@shakespeare.lit'/>");
    ASSERT_TRUE(revoke.ok());
    EXPECT_EQ(room.occupant("secondwitch")->role, Role::participant);  // "typically participant"
    EXPECT_TRUE(same_xml(sent_to(revoke.out, kCrone).at(0),
                         "<presence xmlns='jabber:client' "
                         "from='coven@chat.shakespeare.lit/secondwitch' "
                         "to='crone1@shakespeare.lit/desktop'>"
                         "<x xmlns='http://jabber.org/protocol/muc#user'>"
                         "<item affiliation='none' jid='wiccarocks@shakespeare.lit/laptop' "
                         "role='participant'/></x></presence>"));
    auto list = room.admin_get(J(kCrone), *admin_query("<item affiliation='admin'/>"));
    ASSERT_TRUE(list);
    ASSERT_EQ((*list)->children("item", ns::muc_admin).size(), 1u);
    EXPECT_EQ((*list)->children("item", ns::muc_admin)[0]->attr_or("jid"), "hag66@shakespeare.lit");
}

TEST(MucAdminRequest, Xep0045_17_4_RequestShape) {
    auto bad = [](std::string_view items) {
        auto r = parse_admin_set(*admin_query(items));
        return r ? std::string("ok") : std::string(xmpp::to_string(r.error().condition));
    };
    EXPECT_EQ(bad(""), "bad-request");
    // Rule 4: "attempts to modify both the affiliation and role of the same item".
    EXPECT_EQ(bad("<item nick='a' role='none' affiliation='none' jid='a@b'/>"), "bad-request");
    EXPECT_EQ(bad("<item nick='a'/>"), "bad-request");
    EXPECT_EQ(bad("<item role='none'/>"), "bad-request");
    EXPECT_EQ(bad("<item affiliation='none'/>"), "bad-request");
    EXPECT_EQ(bad("<item nick='a' role='king'/>"), "bad-request");
    EXPECT_EQ(bad("<item jid='a@b' affiliation='king'/>"), "bad-request");
    EXPECT_EQ(bad("<item jid='@b' affiliation='member'/>"), "jid-malformed");
    EXPECT_EQ(bad("<item nick='a' role='none'/><item jid='a@b' affiliation='member'/>"),
              "bad-request");
    auto ok = parse_admin_set(
        *admin_query("<item nick='pistol' role='none'><reason>Avaunt</reason></item>"
                     "<item nick='nym' role='visitor'/>"));
    ASSERT_TRUE(ok);
    ASSERT_EQ(ok->roles.size(), 2u);
    EXPECT_EQ(ok->roles[0].nick, "pistol");
    EXPECT_EQ(ok->roles[0].role, Role::none);
    EXPECT_EQ(ok->roles[0].reason, "Avaunt");
    auto aff = parse_admin_set(
        *admin_query("<item affiliation='member' jid='Hag66@Shakespeare.lit/pda' nick='x'/>"));
    ASSERT_TRUE(aff);
    EXPECT_EQ(aff->affiliations[0].jid.str(), "hag66@shakespeare.lit");
    EXPECT_EQ(aff->affiliations[0].nick, "x");
}

TEST(MucAdminRequest, Xep0045_17_4_ListQueries) {
    Room room = full_coven();
    auto get = [&](std::string_view actor, std::string_view items) {
        auto r = room.admin_get(J(actor), *admin_query(items));
        return r ? std::string("ok") : std::string(xmpp::to_string(r.error().condition));
    };
    EXPECT_EQ(get(kCrone, ""), "bad-request");
    EXPECT_EQ(get(kCrone, "<item affiliation='none'/>"), "bad-request");
    EXPECT_EQ(get(kCrone, "<item role='none'/>"), "bad-request");
    EXPECT_EQ(get(kCrone, "<item nick='x'/>"), "bad-request");
    EXPECT_EQ(get(kWicca, "<item affiliation='outcast'/>"), "ok");
    EXPECT_EQ(get(kHag, "<item affiliation='outcast'/>"), "forbidden");
}

}  // namespace
}  // namespace parley::mod::muc
