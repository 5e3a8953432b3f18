// XEP-0045 §7.2.13 discussion history (stored with XEP-0203 delay stamps) and
// §7.2.14 history management (maxchars, maxstanzas, seconds, since), with the
// XEP-0082 DateTime parser 'since' needs.
#include "modules/muc/history.hpp"

#include <gtest/gtest.h>

#include "muc_test_util.hpp"

namespace parley::mod::muc {
namespace {

using test::J;
using test::T;
using test::X;
using namespace std::chrono_literals;

xml::ElementPtr groupchat(std::string_view nick, std::string_view body) {
    return X("<message xmlns='jabber:client' from='coven@chat.shakespeare.lit/" +
             std::string(nick) + "' type='groupchat'><body>" + std::string(body) +
             "</body></message>");
}

std::vector<std::string> bodies(const std::vector<xml::ElementRef>& v) {
    std::vector<std::string> out;
    for (const auto& m : v) {
        out.push_back(m->child_text("body", ns::client).value_or("?"));
    }
    return out;
}

// A history with messages "1".."n", one a minute before kNow.
History filled(std::size_t n, std::size_t capacity = 20) {
    History h(capacity);
    for (std::size_t i = 1; i <= n; ++i) {
        h.append(*groupchat("firstwitch", std::to_string(i)), J(test::kRoom),
                 test::kNow - std::chrono::minutes(static_cast<int>(n - i + 1)));
    }
    return h;
}

TEST(MucHistory, Xep0082_3_2_ParsesDateTime) {
    EXPECT_EQ(parse_datetime("1970-01-01T00:00:00Z"), TimePoint{});
    EXPECT_EQ(parse_datetime("2002-10-13T23:58:37Z"), T("2002-10-13T23:58:37Z"));
    EXPECT_EQ(Clock::to_time_t(*parse_datetime("2002-10-13T23:58:37Z")), 1034553517);
    EXPECT_EQ(parse_datetime("2002-10-14T01:58:37+02:00"), T("2002-10-13T23:58:37Z"));
    EXPECT_EQ(parse_datetime("2002-10-13T20:58:37-03:00"), T("2002-10-13T23:58:37Z"));
    EXPECT_EQ(parse_datetime("2002-10-13T23:58:37.123Z"), T("2002-10-13T23:58:37Z"));
    EXPECT_EQ(parse_datetime("2024-02-29T00:00:00Z"), T("2024-03-01T00:00:00Z") - 24h);
    // Beyond what the clock can hold: clamped, never wrapped around.
    EXPECT_EQ(parse_datetime("0001-01-01T00:00:00Z"), TimePoint::min());
    EXPECT_EQ(parse_datetime("9999-12-31T23:59:59Z"), TimePoint::max());
    for (auto bad :
         {"", "2002-10-13", "2002-10-13T23:58:37", "2002-10-13 23:58:37Z", "2002-13-01T00:00:00Z",
          "2023-02-29T00:00:00Z", "2002-10-13T24:00:00Z", "2002-10-13T23:58:37.Z",
          "2002-10-13T23:58:37+0200", "x002-10-13T23:58:37Z", "2002-10-13T23:58:37Zjunk"}) {
        EXPECT_FALSE(parse_datetime(bad)) << bad;
    }
}

TEST(MucHistory, Xep0045_7_2_14_ParsesHistoryAttributes) {
    auto r = parse_history_request(X("<history xmlns='http://jabber.org/protocol/muc' "
                                     "maxchars='65000' maxstanzas='20' seconds='180' "
                                     "since='1970-01-01T00:00:00Z'/>")
                                       .get());
    EXPECT_EQ(r.max_chars, 65000u);
    EXPECT_EQ(r.max_stanzas, 20u);
    EXPECT_EQ(r.seconds, 180s);
    EXPECT_EQ(r.since, TimePoint{});
    // Garbage is ignored rather than refused: the XEP defines no error.
    auto g = parse_history_request(
        X("<history xmlns='http://jabber.org/protocol/muc' maxchars='-5' maxstanzas='ten' "
          "seconds='' since='yesterday'/>")
            .get());
    EXPECT_FALSE(g.max_chars);
    EXPECT_FALSE(g.max_stanzas);
    EXPECT_FALSE(g.seconds);
    EXPECT_FALSE(g.since);
    auto huge = parse_history_request(
        X("<history xmlns='http://jabber.org/protocol/muc' seconds='18446744073709551615'/>")
            .get());
    ASSERT_TRUE(huge.seconds);
    EXPECT_GT(*huge.seconds, std::chrono::seconds(3'000'000'000));  // clamped, not wrapped
    History h = filled(2);
    EXPECT_EQ(h.select(huge, test::kNow).size(), 2u);
    auto none = parse_history_request(nullptr);
    EXPECT_FALSE(none.max_chars || none.max_stanzas || none.seconds || none.since);
}

TEST(MucHistory, Xep0045_7_2_13_StoredWithDelayFromTheRoom) {
    History h(20);
    auto m = groupchat("firstwitch", "Thrice the brinded cat hath mew'd.");
    m->set_attr("id", "162BEBB1");
    m->set_attr("to", "someone@shakespeare.lit/x");
    h.append(*m, J(test::kRoom), T("2002-10-13T23:58:37Z"));
    auto out = h.select({}, test::kNow);
    ASSERT_EQ(out.size(), 1u);
    EXPECT_TRUE(test::same_xml(out[0],
                               "<message xmlns='jabber:client' "
                               "from='coven@chat.shakespeare.lit/firstwitch' id='162BEBB1' "
                               "type='groupchat'><body>Thrice the brinded cat hath mew'd.</body>"
                               "<delay xmlns='urn:xmpp:delay' from='coven@chat.shakespeare.lit' "
                               "stamp='2002-10-13T23:58:37Z'/></message>"));
}

TEST(MucHistory, XEP0203_ForgedRoomDelayIsReplacedOthersKept) {
    History h(20);
    auto m =
        X("<message xmlns='jabber:client' from='coven@chat.shakespeare.lit/firstwitch' "
          "type='groupchat'><body>b</body>"
          "<delay xmlns='urn:xmpp:delay' from='coven@chat.shakespeare.lit' "
          "stamp='1999-01-01T00:00:00Z'/>"
          "<delay xmlns='urn:xmpp:delay' from='crone1@shakespeare.lit/desktop' "
          "stamp='2004-09-29T01:54:37Z'/></message>");
    h.append(*m, J(test::kRoom), T("2020-01-01T00:00:00Z"));
    auto out = h.select({}, test::kNow);
    ASSERT_EQ(out.size(), 1u);
    auto delays = out[0]->children("delay", ns::delay);
    ASSERT_EQ(delays.size(), 2u);
    EXPECT_EQ(delays[0]->attr_or("from"), "crone1@shakespeare.lit/desktop");  // §7.9 kept
    EXPECT_EQ(delays[1]->attr_or("from"), test::kRoom);
    EXPECT_EQ(delays[1]->attr_or("stamp"), "2020-01-01T00:00:00Z");
}

TEST(MucHistory, Xep0045_7_2_13_BoundedByTheRoomCapacity) {
    History h = filled(25, 20);
    EXPECT_EQ(h.size(), 20u);
    auto all = h.select({}, test::kNow);
    ASSERT_EQ(all.size(), 20u);
    EXPECT_EQ(bodies(all).front(), "6");
    EXPECT_EQ(bodies(all).back(), "25");
    h.set_capacity(3);
    EXPECT_EQ(bodies(h.select({}, test::kNow)), (std::vector<std::string>{"23", "24", "25"}));
    History none(0);
    none.append(*groupchat("a", "b"), J(test::kRoom), test::kNow);
    EXPECT_EQ(none.size(), 0u);
}

TEST(MucHistory, Xep0045_7_2_14_MaxStanzas) {
    History h = filled(5);
    HistoryRequest r;
    r.max_stanzas = 2;
    EXPECT_EQ(bodies(h.select(r, test::kNow)), (std::vector<std::string>{"4", "5"}));
    r.max_stanzas = 0;
    EXPECT_TRUE(h.select(r, test::kNow).empty());
    r.max_stanzas = 100;
    EXPECT_EQ(h.select(r, test::kNow).size(), 5u);
}

TEST(MucHistory, Xep0045_7_2_14_MaxCharsZeroMeansNoHistory) {
    History h = filled(5);
    HistoryRequest r;
    r.max_chars = 0;
    EXPECT_TRUE(h.select(r, test::kNow).empty());
}

TEST(MucHistory, Xep0045_7_2_14_MaxCharsCountsWholeStanzas) {
    History h = filled(3);
    const auto all = h.select({}, test::kNow);
    const std::size_t one = xml::to_string(*all[2], {ns::client}).size();  // ASCII: chars == bytes
    HistoryRequest r;
    r.max_chars = one;  // exactly the newest stanza
    EXPECT_EQ(bodies(h.select(r, test::kNow)), std::vector<std::string>{"3"});
    r.max_chars = one - 1;  // never a truncated stanza
    EXPECT_TRUE(h.select(r, test::kNow).empty());
    r.max_chars = 2 * one + 1;
    EXPECT_EQ(bodies(h.select(r, test::kNow)), (std::vector<std::string>{"2", "3"}));
}

TEST(MucHistory, Xep0045_7_2_14_MaxCharsCountsCharactersNotBytes) {
    History ascii(5), accented(5);
    ascii.append(*groupchat("w", "aaaa"), J(test::kRoom), test::kNow);
    accented.append(*groupchat("w", "\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9"), J(test::kRoom),
                    test::kNow);
    const std::size_t chars = xml::to_string(*ascii.select({}, test::kNow)[0], {ns::client}).size();
    HistoryRequest r;
    r.max_chars = chars;  // "éééé" is 4 characters in 8 bytes
    EXPECT_EQ(accented.select(r, test::kNow).size(), 1u);
}

TEST(MucHistory, Xep0045_7_2_14_SecondsAndSince) {
    History h = filled(5);  // 5, 4, 3, 2 and 1 minutes ago
    HistoryRequest r;
    r.seconds = 180s;
    EXPECT_EQ(bodies(h.select(r, test::kNow)), (std::vector<std::string>{"3", "4", "5"}));
    HistoryRequest s;
    s.since = test::kNow - 2min;
    EXPECT_EQ(bodies(h.select(s, test::kNow)), (std::vector<std::string>{"4", "5"}));
    s.since = TimePoint{};  // "since the beginning of the Unix era": bounded by the room
    EXPECT_EQ(h.select(s, test::kNow).size(), 5u);
}

TEST(MucHistory, Xep0045_7_2_14_SmallestAmountMeetingEveryCriterion) {
    History h = filled(5);
    HistoryRequest r;
    r.seconds = 240s;             // 2..5
    r.max_stanzas = 3;            // 3..5
    r.since = test::kNow - 150s;  // 4..5
    EXPECT_EQ(bodies(h.select(r, test::kNow)), (std::vector<std::string>{"4", "5"}));
}

}  // namespace
}  // namespace parley::mod::muc
