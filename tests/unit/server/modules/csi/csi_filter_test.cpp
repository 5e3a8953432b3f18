// XEP-0352 §5 server-side optimisation: what waits while a client is inactive.
#include <gtest/gtest.h>

#include "modules/csi/csi_filter.hpp"
#include "../module_harness.hpp"

namespace parley::mod::csi {
namespace {

using test::FakeSession;

namespace asio = boost::asio;

xml::ElementRef parse(std::string_view text) { return xml::parse_element(text); }

std::vector<std::string> ids(const FakeSession& s) {
    std::vector<std::string> out;
    for (const auto& e : s.received) {
        out.emplace_back(e->attr_or("id"));
    }
    return out;
}

TEST(CsiClassifyTest, Xep0352_5_PresenceAndChatStatesCanWait) {
    EXPECT_EQ(classify(*parse("<presence xmlns='jabber:client'/>")), Importance::can_wait);
    EXPECT_EQ(classify(*parse("<presence xmlns='jabber:client' type='unavailable'/>")),
              Importance::can_wait);
    EXPECT_EQ(classify(*parse("<message xmlns='jabber:client'><composing "
                              "xmlns='http://jabber.org/protocol/chatstates'/></message>")),
              Importance::can_wait);
}

TEST(CsiClassifyTest, Xep0352_5_ContentAndSubscriptionsAreUrgent) {
    EXPECT_EQ(classify(*parse("<presence xmlns='jabber:client' type='subscribe'/>")),
              Importance::urgent);
    EXPECT_EQ(classify(*parse("<message xmlns='jabber:client'><body>hi</body><active "
                              "xmlns='http://jabber.org/protocol/chatstates'/></message>")),
              Importance::urgent);
    EXPECT_EQ(classify(*parse("<message xmlns='jabber:client'><encrypted "
                              "xmlns='urn:xmpp:omemo:2'/></message>")),
              Importance::urgent);
    EXPECT_EQ(classify(*parse("<iq xmlns='jabber:client' type='get' id='1'/>")),
              Importance::neutral);
}

class CsiFilterTest : public ::testing::Test {
protected:
    asio::io_context io;
    FakeSession session{"juliet@example.org/balcony", io.get_executor()};
    Filter filter;

    bool offer(std::string_view text) {
        xml::ElementRef stanza = parse(text);
        bool held = filter.hold(session, stanza);
        if (!held) {
            session.deliver(stanza);
        }
        return held;
    }
};

TEST_F(CsiFilterTest, ActiveClientGetsEverythingAtOnce) {
    EXPECT_FALSE(offer("<presence xmlns='jabber:client' id='p1' from='romeo@example.net/a'/>"));
    EXPECT_EQ(ids(session), (std::vector<std::string>{"p1"}));
}

TEST_F(CsiFilterTest, Xep0352_5_HeldUntilSomethingImportantThenInOrder) {
    filter.set_inactive(session, true);
    EXPECT_TRUE(offer("<presence xmlns='jabber:client' id='p1' from='romeo@example.net/a'/>"));
    EXPECT_TRUE(offer("<message xmlns='jabber:client' id='c1'><composing "
                      "xmlns='http://jabber.org/protocol/chatstates'/></message>"));
    EXPECT_TRUE(offer("<presence xmlns='jabber:client' id='p2' from='romeo@example.net/a'/>"));
    EXPECT_FALSE(offer("<iq xmlns='jabber:client' type='result' id='i1'/>"));
    EXPECT_EQ(ids(session), (std::vector<std::string>{"i1"}));  // the iq released nothing
    EXPECT_FALSE(offer("<message xmlns='jabber:client' id='m1'><body>hi</body></message>"));
    // p1 was replaced by the newer presence of the same sender.
    EXPECT_EQ(ids(session), (std::vector<std::string>{"i1", "c1", "p2", "m1"}));
}

TEST_F(CsiFilterTest, Xep0352_4_ActiveReleasesWhatWaited) {
    filter.set_inactive(session, true);
    EXPECT_TRUE(offer("<presence xmlns='jabber:client' id='p1' from='romeo@example.net/a'/>"));
    EXPECT_TRUE(offer("<presence xmlns='jabber:client' id='p2' from='benvolio@example.net/b'/>"));
    EXPECT_TRUE(session.received.empty());
    filter.set_inactive(session, false);
    EXPECT_EQ(ids(session), (std::vector<std::string>{"p1", "p2"}));
    EXPECT_EQ(filter.held(), 0u);
}

TEST_F(CsiFilterTest, HeldStanzasAreBounded) {
    filter.set_inactive(session, true);
    for (std::size_t i = 0; i <= Filter::kMaxHeld; ++i) {
        const std::string text =
            "<presence xmlns='jabber:client' from='u" + std::to_string(i) + "@example.net/a'/>";
        offer(text);
    }
    EXPECT_EQ(session.received.size(), Filter::kMaxHeld + 1);
    EXPECT_EQ(filter.held(), 0u);
}

}  // namespace
}  // namespace parley::mod::csi
