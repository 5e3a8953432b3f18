// XEP-0045 §7.1 and §7.2: entering a room. Every case asserts the stanzas of
// the XEP's examples (presence broadcast, self-presence status codes, history,
// subject) or the exact error condition of §7.2.17.
#include <gtest/gtest.h>

#include "muc_test_util.hpp"

namespace parley::mod::muc {
namespace {

using namespace test;
using xmpp::Condition;
using xmpp::ErrorType;

constexpr std::string_view kOwnerSees =
    "<presence xmlns='jabber:client' from='coven@chat.shakespeare.lit/firstwitch' "
    "to='hag66@shakespeare.lit/pda'><x xmlns='http://jabber.org/protocol/muc#user'>"
    "<item affiliation='owner' role='moderator'/></x></presence>";

TEST(MucJoin, Xep0045_7_2_1_NoNicknameIsJidMalformed) {
    Room room = coven();
    auto r = enter(room, kHag, "");
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error->condition, Condition::jid_malformed);
    EXPECT_EQ(r.error->type, ErrorType::modify);
    EXPECT_TRUE(r.out.empty());
    EXPECT_EQ(room.occupant_count(), 0u);
}

TEST(MucJoin, Xep0045_17_1_BlankOrInvalidNicknames) {
    Room room = coven();
    EXPECT_EQ(condition(enter(room, kHag, "   ")), "not-acceptable");
    EXPECT_EQ(condition(enter(room, kHag, "\xE2\x80\x83")), "not-acceptable");  // em space
    // Not a resourcepart (RFC 7622 §3.4): a control character, or too long.
    for (const std::string& bad : {std::string("bad\tnick"), std::string(1024, 'n')}) {
        auto p = join_presence(kHag, "coven@chat.shakespeare.lit/x");
        EXPECT_EQ(condition(room.join(parse_join(p, J(kHag), bad), kNow)), "jid-malformed");
    }
    EXPECT_EQ(room.occupant_count(), 0u);
}

TEST(MucJoin, Xep0045_7_2_2_PresenceBroadcastAndSelfPresence) {
    Room room = coven();
    must_enter(room, kCrone, "firstwitch");
    must_enter(room, kWicca, "secondwitch");
    auto r = enter(room, kHag, "thirdwitch");
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r.nick, "thirdwitch");
    EXPECT_EQ(r.role, Role::participant);
    EXPECT_EQ(r.affiliation, Affiliation::none);
    EXPECT_FALSE(r.created);
    // §7.1: occupants' presence, then self-presence, then (no) history, then subject.
    auto to_hag = sent_to(r.out, kHag);
    ASSERT_EQ(to_hag.size(), 4u);
    EXPECT_TRUE(same_xml(to_hag[0], kOwnerSees));
    EXPECT_TRUE(same_xml(to_hag[1],
                         "<presence xmlns='jabber:client' "
                         "from='coven@chat.shakespeare.lit/secondwitch' "
                         "to='hag66@shakespeare.lit/pda'><x "
                         "xmlns='http://jabber.org/protocol/muc#user'><item affiliation='admin' "
                         "role='moderator'/></x></presence>"));
    EXPECT_TRUE(same_xml(to_hag[2],
                         "<presence xmlns='jabber:client' "
                         "from='coven@chat.shakespeare.lit/thirdwitch' "
                         "to='hag66@shakespeare.lit/pda'><x "
                         "xmlns='http://jabber.org/protocol/muc#user'><item affiliation='none' "
                         "jid='hag66@shakespeare.lit/pda' role='participant'/><status "
                         "code='110'/></x></presence>"));
    EXPECT_TRUE(same_xml(to_hag[3],
                         "<message xmlns='jabber:client' from='coven@chat.shakespeare.lit' "
                         "to='hag66@shakespeare.lit/pda' type='groupchat'><subject/></message>"));
    // The new occupant's presence to everyone else; moderators see the real
    // JID in this semi-anonymous room (§7.2.4).
    for (auto who : {kCrone, kWicca}) {
        auto got = sent_to(r.out, who);
        ASSERT_EQ(got.size(), 1u);
        EXPECT_TRUE(same_xml(got[0],
                             "<presence xmlns='jabber:client' "
                             "from='coven@chat.shakespeare.lit/thirdwitch' to='" +
                                 std::string(who) +
                                 "'><x xmlns='http://jabber.org/protocol/muc#user'><item "
                                 "affiliation='none' jid='hag66@shakespeare.lit/pda' "
                                 "role='participant'/></x></presence>"));
    }
    EXPECT_EQ(r.out.size(), 6u);
}

TEST(MucJoin, Xep0045_7_2_4_SemiAnonymousRoomHidesJidsFromNonModerators) {
    Room room = coven();
    must_enter(room, kHag, "thirdwitch");
    auto r = enter(room, kHecate, "hecate");
    ASSERT_TRUE(r.ok());
    for (const auto& g : r.out) {
        if (g.stanza->name() != "presence") {
            continue;
        }
        const auto* item = muc_item(*g.stanza);
        ASSERT_NE(item, nullptr);
        const bool self = g.stanza->attr_or("from") == "coven@chat.shakespeare.lit/hecate" &&
                          g.to.str() == kHecate;
        EXPECT_EQ(item->attr("jid").has_value(), self) << xml_of(*g.stanza);
    }
}

TEST(MucJoin, Xep0045_7_2_3_NonAnonymousRoomShowsJidsAndWarnsWith100) {
    RoomConfig c;
    c.whois = Whois::anyone;
    Room room = coven(c);
    must_enter(room, kCrone, "firstwitch");
    auto r = enter(room, kHag, "thirdwitch");
    ASSERT_TRUE(r.ok());
    auto to_hag = sent_to(r.out, kHag);
    ASSERT_EQ(to_hag.size(), 3u);
    EXPECT_EQ(muc_item(*to_hag[0])->attr_or("jid"), kCrone);
    EXPECT_EQ(codes(*to_hag[1]), (std::vector<int>{100, 110}));
    // The others get the JID but not 100 or 110.
    auto to_crone = sent_to(r.out, kCrone);
    ASSERT_EQ(to_crone.size(), 1u);
    EXPECT_EQ(muc_item(*to_crone[0])->attr_or("jid"), kHag);
    EXPECT_TRUE(codes(*to_crone[0]).empty());
}

TEST(MucJoin, Xep0045_7_2_12_LoggedRoomWarnsWith170) {
    RoomConfig c;
    c.logging = true;
    c.whois = Whois::anyone;
    Room room = coven(c);
    auto r = enter(room, kHag, "thirdwitch");
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(codes(*sent_to(r.out, kHag)[0]), (std::vector<int>{100, 110, 170}));
}

TEST(MucJoin, Xep0045_7_2_2_SelfPresenceReflectsTheIdAndPayload) {
    Room room = coven();
    auto p =
        X("<presence xmlns='jabber:client' from='hag66@shakespeare.lit/pda' "
          "to='coven@chat.shakespeare.lit/thirdwitch' id='n13mt3l'>"
          "<show>away</show><x xmlns='http://jabber.org/protocol/muc'/>"
          "<x xmlns='http://jabber.org/protocol/muc#user'><item role='moderator'/></x>"
          "<c xmlns='http://jabber.org/protocol/caps' hash='sha-1' node='n' ver='v'/>"
          "</presence>");
    auto r = room.handle_presence(J(kHag), "thirdwitch", p, kNow);
    ASSERT_TRUE(r.ok());
    // The client's muc and muc#user extensions are never reflected (§17.3
    // rule 6); show and caps are.
    EXPECT_TRUE(same_xml(sent_to(r.out, kHag)[0],
                         "<presence xmlns='jabber:client' "
                         "from='coven@chat.shakespeare.lit/thirdwitch' id='n13mt3l' "
                         "to='hag66@shakespeare.lit/pda'><show>away</show>"
                         "<c xmlns='http://jabber.org/protocol/caps' hash='sha-1' node='n' "
                         "ver='v'/><x xmlns='http://jabber.org/protocol/muc#user'><item "
                         "affiliation='none' jid='hag66@shakespeare.lit/pda' "
                         "role='participant'/><status code='110'/></x></presence>"));
}

TEST(MucJoin, Xep0045_7_2_5_PasswordProtectedRoom) {
    RoomConfig c;
    c.password_protected = true;
    c.password = "cauldronburn";
    Room room = coven(c);
    auto none = enter(room, kHag, "thirdwitch");
    ASSERT_FALSE(none.ok());
    EXPECT_EQ(none.error->condition, Condition::not_authorized);
    EXPECT_EQ(none.error->type, ErrorType::auth);
    EXPECT_EQ(condition(enter(room, kHag, "thirdwitch", "<password>wrong</password>")),
              "not-authorized");
    EXPECT_EQ(room.occupant_count(), 0u);
    EXPECT_EQ(condition(enter(room, kHag, "thirdwitch", "<password>cauldronburn</password>")),
              "ok");
}

TEST(MucJoin, Xep0045_7_2_6_MembersOnlyRoom) {
    RoomConfig c;
    c.members_only = true;
    Room room = coven(c);
    auto r = enter(room, kHag, "thirdwitch");
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error->condition, Condition::registration_required);
    EXPECT_EQ(r.error->type, ErrorType::auth);
    room.restore_affiliation(J("hag66@shakespeare.lit"), Affiliation::member);
    auto ok = enter(room, kHag, "thirdwitch");
    ASSERT_TRUE(ok.ok());
    EXPECT_EQ(ok.role, Role::participant);
}

TEST(MucJoin, Xep0045_7_2_7_BannedUserIsForbidden) {
    Room room = coven();
    room.restore_affiliation(J("hag66@shakespeare.lit"), Affiliation::outcast);
    auto p = join_presence(kHag, "coven@chat.shakespeare.lit/thirdwitch");
    auto r = room.handle_presence(J(kHag), "thirdwitch", p, kNow);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error->condition, Condition::forbidden);
    // The error presence of the §7.2.7 example.
    auto withid = p->shallow_copy();
    withid->set_attr("id", "n13mt3l");
    EXPECT_TRUE(same_xml(error_reply(*withid, *r.error, room.jid()),
                         "<presence xmlns='jabber:client' "
                         "from='coven@chat.shakespeare.lit/thirdwitch' id='n13mt3l' "
                         "to='hag66@shakespeare.lit/pda' type='error'>"
                         "<x xmlns='http://jabber.org/protocol/muc'/>"
                         "<error by='coven@chat.shakespeare.lit' type='auth'>"
                         "<forbidden xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/>"
                         "</error></presence>"));
}

TEST(MucJoin, Xep0045_7_2_7_BanIsCheckedBeforePassword) {
    RoomConfig c;
    c.password_protected = true;
    c.password = "p";
    Room room = coven(c);
    room.restore_affiliation(J("hag66@shakespeare.lit"), Affiliation::outcast);
    EXPECT_EQ(condition(enter(room, kHag, "thirdwitch")), "forbidden");
}

TEST(MucJoin, Xep0045_9_2_DomainBanMatchesItsUsers) {
    Room room = coven();
    room.restore_affiliation(J("shakespeare.lit"), Affiliation::outcast);
    EXPECT_EQ(condition(enter(room, kHag, "thirdwitch")), "forbidden");
    // <user@domain> is matched first: the owner's own entry wins.
    EXPECT_EQ(condition(enter(room, kCrone, "firstwitch")), "ok");
}

TEST(MucJoin, Xep0045_7_2_8_NicknameConflict) {
    Room room = coven();
    must_enter(room, kCrone, "firstwitch");
    auto r = enter(room, kHag, "firstwitch");
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error->condition, Condition::conflict);
    EXPECT_EQ(r.error->type, ErrorType::cancel);
    EXPECT_EQ(room.occupant_count(), 1u);
}

TEST(MucJoin, Xep0045_7_2_8_NicknameReservedByAnotherUser) {
    Room room = coven();
    room.restore_affiliation(J("hecate@shakespeare.lit"), Affiliation::member, "Hecate");
    EXPECT_EQ(condition(enter(room, kHag, "Hecate")), "conflict");
    EXPECT_EQ(condition(enter(room, kHecate, "Hecate")), "ok");
}

TEST(MucJoin, Xep0045_7_2_8_SameBareJidSharesTheNickname) {
    Room room = coven();
    must_enter(room, kCrone, "firstwitch");
    must_enter(room, kHag, "thirdwitch");
    auto r = enter(room, "hag66@shakespeare.lit/laptop", "thirdwitch");
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(room.occupant_count(), 2u);
    ASSERT_EQ(room.occupant("thirdwitch")->sessions.size(), 2u);
    // The others see no new occupant; the new resource gets the room and a
    // self-presence.
    EXPECT_TRUE(sent_to(r.out, kCrone).empty());
    EXPECT_TRUE(sent_to(r.out, kHag).empty());
    auto to_laptop = sent_to(r.out, "hag66@shakespeare.lit/laptop");
    ASSERT_EQ(to_laptop.size(), 3u);
    EXPECT_EQ(to_laptop[0]->attr_or("from"), "coven@chat.shakespeare.lit/firstwitch");
    EXPECT_EQ(codes(*to_laptop[1]), std::vector<int>{110});
    EXPECT_EQ(to_laptop[2]->name(), "message");
}

TEST(MucJoin, Xep0045_7_2_9_MaxUsers) {
    RoomConfig c;
    c.max_users = 2;
    Room room = coven(c);
    must_enter(room, kHag, "thirdwitch");
    must_enter(room, kHecate, "hecate");
    auto r = enter(room, "fourth@shakespeare.lit/x", "fourth");
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error->condition, Condition::service_unavailable);
    EXPECT_EQ(r.error->type, ErrorType::wait);  // as the §7.2.9 example
    // "the room MUST allow the admin or owner to join".
    EXPECT_EQ(condition(enter(room, kWicca, "secondwitch")), "ok");
    EXPECT_EQ(condition(enter(room, kCrone, "firstwitch")), "ok");
    // Another resource of an occupant is not a new occupant.
    EXPECT_EQ(condition(enter(room, "hag66@shakespeare.lit/laptop", "thirdwitch")), "ok");
}

TEST(MucJoin, Xep0045_7_2_10_LockedRoomIsItemNotFound) {
    Room room = Room::create(J(kRoom), J(kCrone), RoomConfig{});
    EXPECT_TRUE(room.locked());
    EXPECT_EQ(condition(enter(room, kHag, "thirdwitch")), "item-not-found");
}

TEST(MucJoin, Xep0045_10_1_1_CreatorIsOwnerAndGets201) {
    Room room = Room::create(J(kRoom), J(kCrone), RoomConfig{});
    auto r = enter(room, kCrone, "firstwitch");
    ASSERT_TRUE(r.ok());
    EXPECT_TRUE(r.created);
    EXPECT_EQ(r.affiliation, Affiliation::owner);
    EXPECT_EQ(r.role, Role::moderator);
    auto to_crone = sent_to(r.out, kCrone);
    ASSERT_EQ(to_crone.size(), 2u);
    EXPECT_TRUE(same_xml(to_crone[0],
                         "<presence xmlns='jabber:client' "
                         "from='coven@chat.shakespeare.lit/firstwitch' "
                         "to='crone1@shakespeare.lit/desktop'><x "
                         "xmlns='http://jabber.org/protocol/muc#user'><item affiliation='owner' "
                         "jid='crone1@shakespeare.lit/desktop' role='moderator'/><status "
                         "code='110'/><status code='201'/></x></presence>"));
    EXPECT_EQ(to_crone[1]->name(), "message");
    // 201 is said once.
    auto again = enter(room, "crone1@shakespeare.lit/tablet", "firstwitch");
    ASSERT_TRUE(again.ok());
    EXPECT_FALSE(again.created);
}

TEST(MucJoin, Xep0045_5_1_2_ModeratedRoomAdmitsVisitors) {
    RoomConfig c;
    c.moderated = true;
    Room room = coven(c);
    room.restore_affiliation(J("hecate@shakespeare.lit"), Affiliation::member);
    EXPECT_EQ(enter(room, kHag, "thirdwitch").role, Role::visitor);
    EXPECT_EQ(enter(room, kHecate, "hecate").role, Role::participant);
    EXPECT_EQ(enter(room, kWicca, "secondwitch").role, Role::moderator);
}

TEST(MucJoin, Xep0045_7_2_13_HistoryAfterSelfPresenceBeforeSubject) {
    Room room = coven();
    must_enter(room, kCrone, "firstwitch");
    for (auto body : {"one", "two", "three"}) {
        auto m = message(kCrone, kRoom, "groupchat", "<body>" + std::string(body) + "</body>");
        ASSERT_TRUE(room.groupchat_message(J(kCrone), *m, T("2002-10-13T23:58:37Z")).ok());
    }
    auto r = enter(room, kHag, "thirdwitch", "<history maxstanzas='2'/>");
    ASSERT_TRUE(r.ok());
    auto to_hag = sent_to(r.out, kHag);
    ASSERT_EQ(to_hag.size(), 5u);  // firstwitch, self, two history messages, subject
    EXPECT_EQ(codes(*to_hag[1]), std::vector<int>{110});
    EXPECT_TRUE(same_xml(to_hag[2],
                         "<message xmlns='jabber:client' "
                         "from='coven@chat.shakespeare.lit/firstwitch' "
                         "to='hag66@shakespeare.lit/pda' type='groupchat'><body>two</body>"
                         "<delay xmlns='urn:xmpp:delay' from='coven@chat.shakespeare.lit' "
                         "stamp='2002-10-13T23:58:37Z'/></message>"));
    EXPECT_EQ(to_hag[3]->child_text("body", ns::client), "three");
    EXPECT_NE(to_hag[4]->child("subject", ns::client), nullptr);
}

TEST(MucJoin, Xep0045_7_2_14_NoHistoryWithMaxCharsZero) {
    Room room = coven();
    must_enter(room, kCrone, "firstwitch");
    auto m = message(kCrone, kRoom, "groupchat", "<body>hi</body>");
    ASSERT_TRUE(room.groupchat_message(J(kCrone), *m, kNow).ok());
    auto r = enter(room, kHag, "thirdwitch", "<history maxchars='0'/>");
    ASSERT_TRUE(r.ok());
    for (const auto& s : sent_to(r.out, kHag)) {
        EXPECT_EQ(s->child("body", ns::client), nullptr);
    }
}

TEST(MucJoin, Xep0045_7_2_15_SubjectFromItsSetterWithDelay) {
    Room room = coven();
    must_enter(room, kWicca, "secondwitch");
    auto change =
        message(kWicca, kRoom, "groupchat", "<subject>Fire Burn and Cauldron Bubble!</subject>");
    ASSERT_TRUE(room.groupchat_message(J(kWicca), *change, T("2002-10-13T23:58:37Z")).ok());
    auto r = enter(room, kCrone, "firstwitch");
    ASSERT_TRUE(r.ok());
    EXPECT_TRUE(same_xml(sent_to(r.out, kCrone).back(),
                         "<message xmlns='jabber:client' "
                         "from='coven@chat.shakespeare.lit/secondwitch' "
                         "to='crone1@shakespeare.lit/desktop' type='groupchat'>"
                         "<subject>Fire Burn and Cauldron Bubble!</subject>"
                         "<delay xmlns='urn:xmpp:delay' from='coven@chat.shakespeare.lit' "
                         "stamp='2002-10-13T23:58:37Z'/></message>"));
}

TEST(MucJoin, Xep0045_17_3_3_JoinFromAnOccupantResynchronises) {
    Room room = coven();
    must_enter(room, kCrone, "firstwitch");
    must_enter(room, kHag, "thirdwitch");
    auto r = enter(room, kHag, "thirdwitch");
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(room.occupant_count(), 2u);
    auto to_hag = sent_to(r.out, kHag);
    ASSERT_EQ(to_hag.size(), 3u);  // firstwitch, self-presence, subject
    EXPECT_EQ(codes(*to_hag[1]), std::vector<int>{110});
    // The presence did not change, so the others hear nothing.
    EXPECT_TRUE(sent_to(r.out, kCrone).empty());
    auto changed = enter(room, kHag, "thirdwitch", "", "<show>dnd</show>");
    ASSERT_TRUE(changed.ok());
    ASSERT_EQ(sent_to(changed.out, kCrone).size(), 1u);
    EXPECT_EQ(sent_to(changed.out, kCrone)[0]->child_text("show", ns::client), "dnd");
}

TEST(MucJoin, Xep0045_7_2_18_PresenceWithoutMucFromNonOccupantIsAKick) {
    Room room = coven();
    auto p = plain_presence(kHag, "coven@chat.shakespeare.lit/thirdwitch");
    auto r = room.handle_presence(J(kHag), "thirdwitch", p, kNow);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(room.occupant_count(), 0u);
    ASSERT_EQ(r.out.size(), 1u);
    EXPECT_TRUE(same_xml(r.out[0].stanza,
                         "<presence xmlns='jabber:client' "
                         "from='coven@chat.shakespeare.lit/thirdwitch' "
                         "to='hag66@shakespeare.lit/pda' type='unavailable'>"
                         "<x xmlns='http://jabber.org/protocol/muc#user'>"
                         "<item affiliation='none' role='none'>"
                         "<reason>You are not in the room.</reason></item>"
                         "<status code='110'/><status code='307'/><status code='333'/>"
                         "</x></presence>"));
}

TEST(MucJoin, Xep0045_17_3_1_TypedPresenceIsNotAJoin) {
    Room room = coven();
    for (auto type : {"probe", "subscribe", "unsubscribed"}) {
        auto p = plain_presence(kHag, "coven@chat.shakespeare.lit/thirdwitch",
                                "<x xmlns='http://jabber.org/protocol/muc'/>",
                                "type='" + std::string(type) + "'");
        auto r = room.handle_presence(J(kHag), "thirdwitch", p, kNow);
        EXPECT_TRUE(r.ok());
        EXPECT_TRUE(r.out.empty());
    }
    EXPECT_EQ(room.occupant_count(), 0u);
}

TEST(MucJoin, Xep0045_7_2_2_NicknameNormalizationIsAnnouncedWith210) {
    Room room = coven();
    // U+212B ANGSTROM SIGN becomes U+00C5 under NFC (RFC 7622 OpaqueString).
    auto r = enter(room, kHag, "\xE2\x84\xAB");
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r.nick, "\xC3\x85");
    auto self = sent_to(r.out, kHag);
    ASSERT_GE(self.size(), 1u);
    EXPECT_EQ(codes(*self[0]), (std::vector<int>{110, 210}));
    EXPECT_EQ(self[0]->attr_or("from"), "coven@chat.shakespeare.lit/\xC3\x85");
}

}  // namespace
}  // namespace parley::mod::muc
