// XEP-0045 messages: §7.4 to all occupants, §7.5 private messages (with
// muc#roomconfig_allowpm), §8.1 the room subject (with
// muc#roomconfig_changesubject), §17.2 message business rules.
#include <gtest/gtest.h>

#include "muc_test_util.hpp"

namespace parley::mod::muc {
namespace {

using namespace test;
using xmpp::Condition;

TEST(MucMessage, Xep0045_7_4_ReflectedToEveryOccupantFromTheOccupantJid) {
    Room room = coven();
    must_enter(room, kCrone, "firstwitch");
    must_enter(room, kWicca, "secondwitch");
    must_enter(room, kHag, "thirdwitch");
    auto m = message(kHag, kRoom, "groupchat", "<body>Harpier cries: 'tis time, 'tis time.</body>",
                     "hysf1v37");
    auto r = room.groupchat_message(J(kHag), *m, kNow);
    ASSERT_TRUE(r.ok());
    ASSERT_EQ(r.out.size(), 3u);
    for (auto who : {kCrone, kWicca, kHag}) {
        auto got = sent_to(r.out, who);
        ASSERT_EQ(got.size(), 1u);
        EXPECT_TRUE(same_xml(got[0],
                             "<message xmlns='jabber:client' "
                             "from='coven@chat.shakespeare.lit/thirdwitch' id='hysf1v37' "
                             "to='" +
                                 std::string(who) +
                                 "' type='groupchat'><body>Harpier cries: 'tis time, "
                                 "'tis time.</body></message>"));
    }
    EXPECT_EQ(room.history().size(), 1u);
}

TEST(MucMessage, Xep0045_7_4_VisitorInModeratedRoomIsForbidden) {
    RoomConfig c;
    c.moderated = true;
    Room room = coven(c);
    must_enter(room, kCrone, "firstwitch");
    must_enter(room, kHag, "thirdwitch");
    auto r =
        room.groupchat_message(J(kHag), *message(kHag, kRoom, "groupchat", "<body>x</body>"), kNow);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error->condition, Condition::forbidden);
    EXPECT_TRUE(r.out.empty());
    EXPECT_EQ(room.history().size(), 0u);
}

TEST(MucMessage, Xep0045_7_4_NonOccupantIsNotAcceptable) {
    Room room = coven();
    must_enter(room, kCrone, "firstwitch");
    auto r =
        room.groupchat_message(J(kHag), *message(kHag, kRoom, "groupchat", "<body>x</body>"), kNow);
    EXPECT_EQ(condition(r), "not-acceptable");
    // Another resource of an occupant's user is not an occupant either.
    auto other = room.groupchat_message(
        J("crone1@shakespeare.lit/phone"),
        *message("crone1@shakespeare.lit/phone", kRoom, "groupchat", "<body>x</body>"), kNow);
    EXPECT_EQ(condition(other), "not-acceptable");
}

TEST(MucMessage, Xep0045_17_2_1_NonGroupchatToTheRoomIsBadRequest) {
    Room room = coven();
    must_enter(room, kCrone, "firstwitch");
    EXPECT_EQ(condition(room.groupchat_message(
                  J(kCrone), *message(kCrone, kRoom, "chat", "<body>x</body>"), kNow)),
              "bad-request");
}

TEST(MucMessage, Xep0045_7_2_13_OnlyMessagesWithABodyEnterHistory) {
    Room room = coven();
    must_enter(room, kCrone, "firstwitch");
    auto state = message(kCrone, kRoom, "groupchat",
                         "<active xmlns='http://jabber.org/protocol/chatstates'/>");
    auto r = room.groupchat_message(J(kCrone), *state, kNow);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(r.out.size(), 1u);  // still reflected
    EXPECT_EQ(room.history().size(), 0u);
}

TEST(MucMessage, Xep0045_7_2_8_EveryResourceOfAnOccupantReceives) {
    Room room = coven();
    must_enter(room, kHag, "thirdwitch");
    must_enter(room, "hag66@shakespeare.lit/laptop", "thirdwitch");
    auto r = room.groupchat_message(
        J("hag66@shakespeare.lit/laptop"),
        *message("hag66@shakespeare.lit/laptop", kRoom, "groupchat", "<body>x</body>"), kNow);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(recipients(r.out),
              (std::vector<std::string>{std::string(kHag), "hag66@shakespeare.lit/laptop"}));
    EXPECT_EQ(r.out[0].stanza->attr_or("from"), "coven@chat.shakespeare.lit/thirdwitch");
}

TEST(MucPrivateMessage, Xep0045_7_5_DeliveredFromTheSendersOccupantJid) {
    Room room = coven();
    must_enter(room, kCrone, "firstwitch");
    must_enter(room, kWicca, "secondwitch");
    auto m = message(kWicca, "coven@chat.shakespeare.lit/firstwitch", "chat",
                     "<body>I'll give thee a wind.</body>", "hgn27af1");
    auto r = room.private_message(J(kWicca), "firstwitch", *m);
    ASSERT_TRUE(r.ok());
    ASSERT_EQ(r.out.size(), 1u);
    // The <x xmlns='muc#user'/> is added when the client left it out (§7.5).
    EXPECT_TRUE(same_xml(r.out[0].stanza,
                         "<message xmlns='jabber:client' "
                         "from='coven@chat.shakespeare.lit/secondwitch' id='hgn27af1' "
                         "to='crone1@shakespeare.lit/desktop' type='chat'>"
                         "<body>I'll give thee a wind.</body>"
                         "<x xmlns='http://jabber.org/protocol/muc#user'/></message>"));
    // Not added twice.
    auto with_x = message(kWicca, "coven@chat.shakespeare.lit/firstwitch", "chat",
                          "<body>b</body><x xmlns='http://jabber.org/protocol/muc#user'/>");
    auto again = room.private_message(J(kWicca), "firstwitch", *with_x);
    ASSERT_TRUE(again.ok());
    EXPECT_EQ(again.out[0].stanza->children("x", ns::muc_user).size(), 1u);
}

TEST(MucPrivateMessage, Xep0045_7_5_Errors) {
    Room room = coven();
    must_enter(room, kCrone, "firstwitch");
    must_enter(room, kWicca, "secondwitch");
    auto to_first = [&](std::string_view type) {
        return message(kWicca, "coven@chat.shakespeare.lit/firstwitch", type, "<body>x</body>");
    };
    // "type groupchat ... bad-request"
    EXPECT_EQ(condition(room.private_message(J(kWicca), "firstwitch", *to_first("groupchat"))),
              "bad-request");
    // "an occupant JID that does not exist ... item-not-found"
    EXPECT_EQ(condition(room.private_message(J(kWicca), "nobody", *to_first("chat"))),
              "item-not-found");
    // "not an occupant of the room ... not-acceptable"
    EXPECT_EQ(condition(room.private_message(J(kHag), "firstwitch", *to_first("chat"))),
              "not-acceptable");
    // A normal message (no type) is fine.
    EXPECT_EQ(condition(room.private_message(J(kWicca), "firstwitch", *to_first(""))), "ok");
}

TEST(MucPrivateMessage, Xep0045_10_1_3_AllowPmRestrictsSenders) {
    struct Case {
        AllowPm allow;
        bool visitor, participant, moderator;
    };
    const Case cases[] = {
        {AllowPm::anyone, true, true, true},
        {AllowPm::participants, false, true, true},
        {AllowPm::moderators, false, false, true},
        {AllowPm::none, false, false, false},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(std::string(to_string(c.allow)));
        RoomConfig config;
        config.moderated = true;
        config.allow_pm = c.allow;
        Room room = coven(config);
        room.restore_affiliation(J("hecate@shakespeare.lit"), Affiliation::member);
        must_enter(room, kCrone, "firstwitch");  // moderator
        must_enter(room, kHecate, "hecate");     // participant
        must_enter(room, kHag, "thirdwitch");    // visitor
        auto pm = [&](std::string_view from, std::string_view to) {
            return room.private_message(J(from), to,
                                        *message(from, kRoom, "chat", "<body>x</body>"));
        };
        EXPECT_EQ(pm(kHag, "firstwitch").ok(), c.visitor);
        EXPECT_EQ(pm(kHecate, "firstwitch").ok(), c.participant);
        EXPECT_EQ(pm(kCrone, "hecate").ok(), c.moderator);
        if (!c.visitor) {
            EXPECT_EQ(condition(pm(kHag, "firstwitch")), "forbidden");
        }
    }
}

TEST(MucPrivateMessage, Xep0045_7_2_8_ToEveryResourceOfTheRecipient) {
    Room room = coven();
    must_enter(room, kCrone, "firstwitch");
    must_enter(room, kHag, "thirdwitch");
    must_enter(room, "hag66@shakespeare.lit/laptop", "thirdwitch");
    auto r = room.private_message(J(kCrone), "thirdwitch",
                                  *message(kCrone, kRoom, "chat", "<body>x</body>"));
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(recipients(r.out),
              (std::vector<std::string>{std::string(kHag), "hag66@shakespeare.lit/laptop"}));
}

TEST(MucSubject, Xep0045_8_1_ModeratorChangesSubject) {
    Room room = coven();
    must_enter(room, kCrone, "firstwitch");
    must_enter(room, kWicca, "secondwitch");
    auto m = message(kWicca, kRoom, "groupchat",
                     "<subject>Fire Burn and Cauldron Bubble!</subject>", "lh2bs617");
    auto r = room.groupchat_message(J(kWicca), *m, kNow);
    ASSERT_TRUE(r.ok());
    EXPECT_EQ(room.subject(), "Fire Burn and Cauldron Bubble!");
    EXPECT_TRUE(same_xml(sent_to(r.out, kCrone).at(0),
                         "<message xmlns='jabber:client' "
                         "from='coven@chat.shakespeare.lit/secondwitch' id='lh2bs617' "
                         "to='crone1@shakespeare.lit/desktop' type='groupchat'>"
                         "<subject>Fire Burn and Cauldron Bubble!</subject></message>"));
    EXPECT_EQ(sent_to(r.out, kWicca).size(), 1u);
    EXPECT_EQ(room.history().size(), 0u);  // §7.2.13: the subject is not history
}

TEST(MucSubject, Xep0045_8_1_ParticipantIsForbiddenByDefault) {
    Room room = coven();
    must_enter(room, kHag, "thirdwitch");
    auto r = room.groupchat_message(
        J(kHag), *message(kHag, kRoom, "groupchat", "<subject>mine</subject>"), kNow);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.error->condition, Condition::forbidden);
    EXPECT_EQ(r.error->type, xmpp::ErrorType::auth);
    EXPECT_EQ(room.subject(), "");
}

TEST(MucSubject, Xep0045_7_3_ChangeSubjectOptionLetsParticipantsButNotVisitors) {
    RoomConfig c;
    c.change_subject = true;
    c.moderated = true;
    Room room = coven(c);
    room.restore_affiliation(J("hecate@shakespeare.lit"), Affiliation::member);
    must_enter(room, kHecate, "hecate");
    must_enter(room, kHag, "thirdwitch");
    EXPECT_EQ(
        condition(room.change_subject(
            J(kHecate), *message(kHecate, kRoom, "groupchat", "<subject>ok</subject>"), kNow)),
        "ok");
    EXPECT_EQ(condition(room.change_subject(
                  J(kHag), *message(kHag, kRoom, "groupchat", "<subject>no</subject>"), kNow)),
              "forbidden");
    EXPECT_EQ(room.subject(), "ok");
}

TEST(MucSubject, Xep0045_8_1_SubjectWithBodyOrThreadIsAMessage) {
    Room room = coven();
    must_enter(room, kHag, "thirdwitch");
    for (auto extra : {"<body>b</body>", "<thread>t</thread>"}) {
        auto m = message(kHag, kRoom, "groupchat", "<subject>s</subject>" + std::string(extra));
        EXPECT_TRUE(room.groupchat_message(J(kHag), *m, kNow).ok());
    }
    EXPECT_EQ(room.subject(), "");
}

TEST(MucSubject, Xep0045_8_1_EmptySubjectClearsIt) {
    Room room = coven();
    must_enter(room, kCrone, "firstwitch");
    ASSERT_TRUE(room.groupchat_message(J(kCrone),
                                       *message(kCrone, kRoom, "groupchat", "<subject>s</subject>"),
                                       kNow)
                    .ok());
    ASSERT_TRUE(
        room.groupchat_message(J(kCrone), *message(kCrone, kRoom, "groupchat", "<subject/>"), kNow)
            .ok());
    EXPECT_EQ(room.subject(), "");
    // §7.2.15: actively cleared, so the replayed empty subject has a delay.
    auto j = enter(room, kHag, "thirdwitch");
    const auto last = sent_to(j.out, kHag).back();
    EXPECT_EQ(last->child_text("subject", ns::client), "");
    EXPECT_NE(last->child("delay", ns::delay), nullptr);
}

}  // namespace
}  // namespace parley::mod::muc
