// XEP-0124 v1.11.2 §4/§7/§17 and XEP-0206 v1.4 §3/§5 <body/> parsing and building.
#include <gtest/gtest.h>

#include "modules/bosh/bosh_body.hpp"
#include "xml/stream_parser.hpp"

namespace parley::mod::bosh {
namespace {

const xml::ParserLimits kLimits{};

TEST(BoshBody, Xep0206_3_SessionCreationRequest) {
    auto r = parse_request(
        "<body content='text/xml; charset=utf-8' hold='1' rid='1573741820' to='example.com' "
        "wait='60' xml:lang='en' xmpp:version='1.0' ack='1' "
        "xmlns='http://jabber.org/protocol/httpbind' xmlns:xmpp='urn:xmpp:xbosh'/>",
        kLimits);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->rid, 1573741820u);
    EXPECT_TRUE(r->sid.empty());
    EXPECT_EQ(r->to, "example.com");
    EXPECT_EQ(r->lang, "en");
    EXPECT_EQ(r->xmpp_version, "1.0");
    EXPECT_EQ(r->wait, 60);
    EXPECT_EQ(r->hold, 1);
    EXPECT_EQ(r->ack, 1u);
    EXPECT_FALSE(r->restart);
    EXPECT_TRUE(r->payload.empty());
}

TEST(BoshBody, Xep0124_8_PayloadElementsInOrder) {
    auto r = parse_request(
        "<body rid='5' sid='abc' xmlns='http://jabber.org/protocol/httpbind'>"
        "<message xmlns='jabber:client' to='a@b'><body>hi</body></message>"
        "<presence xmlns='jabber:client'/></body>",
        kLimits);
    ASSERT_TRUE(r);
    EXPECT_EQ(r->sid, "abc");
    ASSERT_EQ(r->payload.size(), 2u);
    EXPECT_TRUE(r->payload[0]->is("message", "jabber:client"));
    EXPECT_TRUE(r->payload[1]->is("presence", "jabber:client"));
}

TEST(BoshBody, Xep0206_5_RestartAndXep0124_13_Terminate) {
    auto r = parse_request(
        "<body rid='6' sid='abc' xmpp:restart='true' xmlns='http://jabber.org/protocol/httpbind' "
        "xmlns:xmpp='urn:xmpp:xbosh'/>",
        kLimits);
    ASSERT_TRUE(r);
    EXPECT_TRUE(r->restart);
    auto t = parse_request(
        "<body rid='7' sid='abc' type='terminate' xmlns='http://jabber.org/protocol/httpbind'/>",
        kLimits);
    ASSERT_TRUE(t);
    EXPECT_TRUE(t->terminate);
}

TEST(BoshBody, Xep0124_17_1_BadRequests) {
    // not a body / wrong namespace / no rid / bad rid / not XML / bad numbers
    for (const char* bad :
         {"<foo rid='1' xmlns='http://jabber.org/protocol/httpbind'/>", "<body rid='1'/>",
          "<body xmlns='http://jabber.org/protocol/httpbind'/>",
          "<body rid='x1' xmlns='http://jabber.org/protocol/httpbind'/>",
          "<body rid='0' xmlns='http://jabber.org/protocol/httpbind'/>",
          "<body rid='9007199254740992' xmlns='http://jabber.org/protocol/httpbind'/>",
          "<body rid='1' xmlns='http://jabber.org/protocol/httpbind'",
          "<body rid='1' wait='-1' xmlns='http://jabber.org/protocol/httpbind'/>",
          "<body rid='1' ack='z' xmlns='http://jabber.org/protocol/httpbind'/>", ""}) {
        auto r = parse_request(bad, kLimits);
        EXPECT_FALSE(r) << bad;
        if (!r) {
            EXPECT_EQ(r.error().message, kBadRequest) << bad;
        }
    }
}

TEST(BoshBody, Xep0206_3_ResponseDeclaresTheXmppPrefix) {
    const auto s = make_body({{"sid", "s1"}, {"xmpp:version", "1.0"}}, "");
    EXPECT_EQ(s,
              "<body xmlns=\"http://jabber.org/protocol/httpbind\" xmlns:xmpp=\"urn:xmpp:xbosh\" "
              "sid=\"s1\" xmpp:version=\"1.0\"/>");
    auto parsed = xml::parse_element(s);
    ASSERT_TRUE(parsed);
    EXPECT_EQ(parsed->attr_or("urn:xmpp:xbosh version"), "1.0");
}

TEST(BoshBody, PayloadIsWrappedAndAttributesEscaped) {
    const auto s = make_body({{"sid", "a<'\"b"}}, "<message xmlns=\"jabber:client\"/>");
    EXPECT_EQ(s,
              "<body xmlns=\"http://jabber.org/protocol/httpbind\" sid=\"a&lt;&apos;&quot;b\">"
              "<message xmlns=\"jabber:client\"/></body>");
    EXPECT_TRUE(xml::parse_element(s));
}

TEST(BoshBody, Xep0124_17_1_TerminalError) {
    EXPECT_EQ(terminate_body(kItemNotFound),
              "<body xmlns=\"http://jabber.org/protocol/httpbind\" type=\"terminate\" "
              "condition=\"item-not-found\"/>");
}

}  // namespace
}  // namespace parley::mod::bosh
