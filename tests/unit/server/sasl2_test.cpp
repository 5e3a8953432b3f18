// XEP-0388 v0.4 <authenticate/> parsing and answers, XEP-0386 v1.0 bind
// requests and resource identifiers (stream/sasl2.hpp).
#include <gtest/gtest.h>

#include "stream/sasl2.hpp"
#include "xml/serializer.hpp"
#include "xml/stream_parser.hpp"

namespace parley::sasl2 {
namespace {

using namespace std::string_literals;

Authenticate parse_ok(std::string_view xml) {
    auto el = xml::parse_element(xml);
    EXPECT_NE(el, nullptr) << xml;
    static std::vector<xml::ElementPtr> keep;  // the view points into the element
    keep.push_back(el);
    auto r = parse_authenticate(*el);
    EXPECT_TRUE(std::holds_alternative<Authenticate>(r));
    return std::get<Authenticate>(r);
}

ParseError parse_err(std::string_view xml) {
    auto el = xml::parse_element(xml);
    auto r = parse_authenticate(*el);
    EXPECT_TRUE(std::holds_alternative<ParseError>(r));
    return std::get<ParseError>(r);
}

std::string str(const xml::Element& e) {
    std::string out;
    xml::serialize(e, out);
    return out;
}

TEST(Sasl2Parse, Xep0388_2_3_FullRequestWithInlineExtensions) {
    auto a = parse_ok(R"(<authenticate xmlns='urn:xmpp:sasl:2' mechanism='SCRAM-SHA-256'>
        <initial-response>
          biwsbj11c2VyLHI9YWJj
        </initial-response>
        <user-agent id='d4565fa7-4d72-4749-b3d3-740edbf87770'>
          <software>AwesomeXMPP</software>
          <device>Kiva's Phone</device>
        </user-agent>
        <bind xmlns='urn:xmpp:bind:0'>
          <tag>AwesomeXMPP</tag>
          <enable xmlns='urn:xmpp:carbons:2'/>
          <enable xmlns='urn:xmpp:sm:3' resume='true'/>
        </bind>
        <resume xmlns='urn:xmpp:sm:3' previd='abc' h='3'/>
        <request-token xmlns='urn:xmpp:fast:0' mechanism='HT-SHA-256-NONE'/>
      </authenticate>)");
    EXPECT_EQ(a.mechanism, "SCRAM-SHA-256");
    ASSERT_TRUE(a.initial_response);
    EXPECT_EQ(*a.initial_response, "n,,n=user,r=abc");  // whitespace around base64 tolerated
    EXPECT_EQ(a.user_agent_id, "d4565fa7-4d72-4749-b3d3-740edbf87770");
    EXPECT_EQ(a.software, "AwesomeXMPP");
    EXPECT_EQ(a.device, "Kiva's Phone");
    ASSERT_TRUE(a.bind);
    EXPECT_EQ(a.bind->tag, "AwesomeXMPP");
    ASSERT_EQ(a.bind->features.size(), 2u);
    EXPECT_TRUE(a.bind->features[0]->is("enable", "urn:xmpp:carbons:2"));
    EXPECT_TRUE(a.bind->features[1]->is("enable", "urn:xmpp:sm:3"));
    ASSERT_NE(a.resume, nullptr);
    EXPECT_EQ(a.resume->attr_or("previd"), "abc");
    EXPECT_EQ(a.request_token, "HT-SHA-256-NONE");
    EXPECT_FALSE(a.fast);
}

TEST(Sasl2Parse, Xep0388_2_3_MinimalRequest) {
    auto a = parse_ok("<authenticate xmlns='urn:xmpp:sasl:2' mechanism='PLAIN'/>");
    EXPECT_EQ(a.mechanism, "PLAIN");
    EXPECT_FALSE(a.initial_response);  // absent, not empty (§2.2)
    EXPECT_FALSE(a.bind);
    EXPECT_EQ(a.resume, nullptr);
    EXPECT_TRUE(a.user_agent_id.empty());
    auto empty = parse_ok(
        "<authenticate xmlns='urn:xmpp:sasl:2' mechanism='PLAIN'><initial-response/></authenticate>");
    ASSERT_TRUE(empty.initial_response);
    EXPECT_EQ(*empty.initial_response, "");
}

TEST(Sasl2Parse, Xep0484_FastElement) {
    auto a = parse_ok(
        "<authenticate xmlns='urn:xmpp:sasl:2' mechanism='HT-SHA-256-NONE'>"
        "<fast xmlns='urn:xmpp:fast:0' count='2' invalidate='true'/></authenticate>");
    EXPECT_TRUE(a.fast);
    EXPECT_TRUE(a.fast_invalidate);
    auto b = parse_ok(
        "<authenticate xmlns='urn:xmpp:sasl:2' mechanism='HT-SHA-256-NONE'>"
        "<fast xmlns='urn:xmpp:fast:0'/></authenticate>");
    EXPECT_TRUE(b.fast);
    EXPECT_FALSE(b.fast_invalidate);
}

TEST(Sasl2Parse, Errors) {
    EXPECT_EQ(parse_err("<authenticate xmlns='urn:xmpp:sasl:2'/>").condition,
              auth::SaslFailure::invalid_mechanism);
    EXPECT_EQ(parse_err("<authenticate xmlns='urn:xmpp:sasl:2' mechanism='PLAIN'>"
                        "<initial-response>not*base64</initial-response></authenticate>")
                  .condition,
              auth::SaslFailure::incorrect_encoding);
}

TEST(Sasl2Build, Xep0388_2_6_Answers) {
    EXPECT_EQ(str(*challenge("abc")), "<challenge xmlns=\"urn:xmpp:sasl:2\">YWJj</challenge>");
    EXPECT_EQ(str(*failure(auth::SaslFailure::not_authorized, "bad password")),
              "<failure xmlns=\"urn:xmpp:sasl:2\"><not-authorized "
              "xmlns=\"urn:ietf:params:xml:ns:xmpp-sasl\"/><text>bad password</text></failure>");
    EXPECT_EQ(str(*failure(auth::SaslFailure::aborted, "")),
              "<failure xmlns=\"urn:xmpp:sasl:2\"><aborted xmlns=\"urn:ietf:params:xml:ns:xmpp-sasl\"/></failure>");
    EXPECT_EQ(str(*success("v=x", "juliet@example.org")),
              "<success xmlns=\"urn:xmpp:sasl:2\"><additional-data>dj14</additional-data>"
              "<authorization-identifier>juliet@example.org</authorization-identifier></success>");
    EXPECT_EQ(str(*success("", "juliet@example.org/r")),
              "<success xmlns=\"urn:xmpp:sasl:2\">"
              "<authorization-identifier>juliet@example.org/r</authorization-identifier></success>");
}

TEST(Bind2Resource, Xep0386_3_1_TagPrefixAndStableId) {
    auto a = make_resource("juliet@example.org", "AwesomeXMPP", "d4565fa7");
    EXPECT_TRUE(a.starts_with("AwesomeXMPP/")) << a;
    EXPECT_EQ(a, make_resource("juliet@example.org", "AwesomeXMPP", "d4565fa7"));  // stable
    EXPECT_NE(a, make_resource("juliet@example.org", "AwesomeXMPP", "other-device"));
    EXPECT_NE(a, make_resource("romeo@example.org", "AwesomeXMPP", "d4565fa7"));
    EXPECT_EQ(a.find("d4565fa7"), std::string::npos);  // the id is never shown
    // No id: random each time. No tag or a bad one: a default prefix.
    EXPECT_NE(make_resource("j@e", "T", ""), make_resource("j@e", "T", ""));
    EXPECT_TRUE(make_resource("j@e", "", "x").starts_with("parley/"));
    EXPECT_TRUE(make_resource("j@e", "a/b", "x").starts_with("parley/"));
    EXPECT_TRUE(make_resource("j@e", "\x07", "x").starts_with("parley/"));
    EXPECT_LE(make_resource("j@e", std::string(200, 'x'), "x").size(), 32u + 1 + 12);
}

}  // namespace
}  // namespace parley::sasl2
