// RFC 7395 §3.3 framing: messages to stream events and elements to messages.
#include "modules/websocket/framing.hpp"

#include <gtest/gtest.h>

#include "modules/websocket/host_meta.hpp"
#include "xml/serializer.hpp"
#include "xmpp/ns.hpp"

namespace parley::mod::websocket {
namespace {

TEST(WsFraming, Rfc7395_3_3_2_OpenBecomesStreamHeader) {
    std::vector<xml::ParseEvent> out;
    auto err = message_to_events(
        "<open xmlns='urn:ietf:params:xml:ns:xmpp-framing' to='example.com' version='1.0' "
        "xml:lang='en'/>",
        {}, false, out);
    ASSERT_EQ(err, xml::ParseError::none);
    ASSERT_EQ(out.size(), 1u);
    const auto* open = std::get_if<xml::StreamOpen>(&out[0]);
    ASSERT_NE(open, nullptr);
    EXPECT_TRUE(open->header->is("stream", ns::streams));
    EXPECT_EQ(open->content_ns, ns::client);
    EXPECT_EQ(open->header->attr_or("to"), "example.com");
    EXPECT_EQ(open->header->attr_or("version"), "1.0");
    EXPECT_EQ(open->header->attr_or("xml:lang"), "en");
}

TEST(WsFraming, Rfc6120_4_9_3_ElementWhereHeaderIsDueStandsForTheHeader) {
    std::vector<xml::ParseEvent> out;
    ASSERT_EQ(message_to_events("<message xmlns='jabber:client'><body>x</body></message>", {}, true,
                                out),
              xml::ParseError::none);
    ASSERT_EQ(out.size(), 1u);
    const auto* open = std::get_if<xml::StreamOpen>(&out[0]);
    ASSERT_NE(open, nullptr);
    EXPECT_TRUE(open->header->is("message", ns::client));  // the session refuses it
    EXPECT_EQ(open->header->first_child(), nullptr);
}

TEST(WsFraming, Rfc7395_3_6_CloseBecomesStreamEnd) {
    std::vector<xml::ParseEvent> out;
    ASSERT_EQ(message_to_events("<close xmlns='urn:ietf:params:xml:ns:xmpp-framing'/>", {}, false, out),
              xml::ParseError::none);
    ASSERT_EQ(out.size(), 1u);
    EXPECT_TRUE(std::holds_alternative<xml::StreamClose>(out[0]));
}

TEST(WsFraming, Rfc7395_3_3_3_StanzaIsOneStandaloneElement) {
    std::vector<xml::ParseEvent> out;
    ASSERT_EQ(message_to_events("<message xmlns='jabber:client' to='a@b'><body>hi</body></message>",
                                {}, false, out),
              xml::ParseError::none);
    ASSERT_EQ(out.size(), 1u);
    const auto* e = std::get_if<xml::ElementPtr>(&out[0]);
    ASSERT_NE(e, nullptr);
    EXPECT_TRUE((*e)->is("message", ns::client));
    EXPECT_EQ((*e)->child_text("body", ns::client), "hi");
}

TEST(WsFraming, Rfc7395_3_3_3_OversizeIsPolicyViolationAndBadXmlIsRefused) {
    std::vector<xml::ParseEvent> out;
    xml::ParserLimits limits;
    limits.max_stanza_bytes = 64;
    std::string big = "<message xmlns='jabber:client'><body>" + std::string(100, 'x') +
                      "</body></message>";
    EXPECT_EQ(message_to_events(big, limits, false, out), xml::ParseError::too_big);
    EXPECT_EQ(message_to_events("<message xmlns='jabber:client'>", {}, false, out),
              xml::ParseError::not_well_formed);
    EXPECT_EQ(message_to_events("<a/><b/>", {}, false, out), xml::ParseError::not_well_formed);
    EXPECT_EQ(message_to_events("<!-- c --><a/>", {}, false, out), xml::ParseError::restricted_xml);
    EXPECT_TRUE(out.empty());
}

TEST(WsFraming, Rfc7395_3_3_2_OurOpenAndClose) {
    xml::Element header("stream", std::string(ns::streams));
    header.set_attr("from", "example.com");
    header.set_attr("id", "abc");
    header.set_attr("version", "1.0");
    header.set_attr("xml:lang", "en");
    auto open = xml::parse_element(open_message(header));
    ASSERT_NE(open, nullptr);
    EXPECT_TRUE(open->is("open", ns::framing));
    EXPECT_EQ(open->attr_or("from"), "example.com");
    EXPECT_EQ(open->attr_or("id"), "abc");
    EXPECT_EQ(open->attr_or("xml:lang"), "en");
    EXPECT_EQ(open->first_child(), nullptr);

    auto close = xml::parse_element(close_message());
    ASSERT_NE(close, nullptr);
    EXPECT_TRUE(close->is("close", ns::framing));
    EXPECT_FALSE(close->attr("see-other-uri"));
    // §3.6.1
    auto redirect = xml::parse_element(close_message("wss://other.example/xmpp"));
    EXPECT_EQ(redirect->attr_or("see-other-uri"), "wss://other.example/xmpp");
}

TEST(WsFraming, Rfc7395_3_3_3_ElementsDeclareTheirNamespaces) {
    auto msg = xml::Element::make("message", std::string(ns::client));
    msg->set_attr("to", "a@b");
    msg->add_text_child("body", std::string(ns::client), "x");
    const std::string text = element_message(*msg);
    EXPECT_NE(text.find("xmlns=\"jabber:client\""), std::string::npos) << text;
    auto back = xml::parse_element(text);
    ASSERT_NE(back, nullptr);
    EXPECT_EQ(*back, *msg);

    auto features = xml::Element::make("features", std::string(ns::streams));
    features->add("bind", std::string(ns::bind));
    const std::string f = element_message(*features);
    auto fback = xml::parse_element(f);  // parsable alone: xmlns:stream declared
    ASSERT_NE(fback, nullptr) << f;
    EXPECT_TRUE(fback->is("features", ns::streams));
    EXPECT_NE(fback->child("bind", ns::bind), nullptr);
}

TEST(WsFraming, PreparedStanzaGetsItsNamespace) {
    auto msg = xml::Element::make("message", std::string(ns::client));
    msg->set_attr("from", "room@muc/nick");
    msg->add_text_child("body", std::string(ns::client), "x");
    auto p = xml::prepare(msg, ns::client);
    ASSERT_NE(p, nullptr);
    auto back = xml::parse_element(prepared_message(*p, "u@h/r"));
    ASSERT_NE(back, nullptr);
    auto want = msg->shallow_copy();
    want->set_attr("to", "u@h/r");
    EXPECT_EQ(*back, *want);
}

TEST(HostMeta, Xep0156_3_XrdAndJrdListEveryEndpoint) {
    std::vector<ClientEndpoint> eps{
        {std::string(ns::alt_websocket), "wss://h.example:5281/xmpp-websocket"},
        {std::string(ns::alt_xbosh), "https://h.example:5281/http-bind?a=1&b=\"2\""}};
    auto xrd = xml::parse_element(host_meta_xml(eps));
    ASSERT_NE(xrd, nullptr);
    EXPECT_TRUE(xrd->is("XRD", ns::xrd));
    auto links = xrd->children("Link", ns::xrd);
    ASSERT_EQ(links.size(), 2u);
    EXPECT_EQ(links[0]->attr_or("rel"), ns::alt_websocket);
    EXPECT_EQ(links[0]->attr_or("href"), "wss://h.example:5281/xmpp-websocket");
    EXPECT_EQ(links[1]->attr_or("href"), "https://h.example:5281/http-bind?a=1&b=\"2\"");
    EXPECT_EQ(host_meta_json(eps),
              "{\"links\":[{\"rel\":\"urn:xmpp:alt-connections:websocket\",\"href\":\"wss://"
              "h.example:5281/xmpp-websocket\"},{\"rel\":\"urn:xmpp:alt-connections:xbosh\","
              "\"href\":\"https://h.example:5281/http-bind?a=1&b=\\\"2\\\"\"}]}\n");
    EXPECT_EQ(host_meta_json({}), "{\"links\":[]}\n");
}

TEST(HostMeta, WebSocketUrlFollowsTheHttpScheme) {
    EXPECT_EQ(websocket_url("https://h:5281/xmpp-websocket"), "wss://h:5281/xmpp-websocket");
    EXPECT_EQ(websocket_url("http://h/xmpp-websocket"), "ws://h/xmpp-websocket");
}

}  // namespace
}  // namespace parley::mod::websocket
