// xml::serialize: escaping, namespace declarations (RFC 6120 §4.8), the
// stream header (§4.7) and the round trip through parse_element.
#include "xml/serializer.hpp"

#include <gtest/gtest.h>

#include <vector>

#include "unit/xml/test_printers.hpp"
#include "xml/stream_parser.hpp"

namespace parley::xml {
namespace {

constexpr const char* kClient = "jabber:client";
constexpr const char* kServer = "jabber:server";
constexpr const char* kTls = "urn:ietf:params:xml:ns:xmpp-tls";

std::string esc_text(std::string_view s) {
    std::string out;
    escape_text(s, out);
    return out;
}
std::string esc_attr(std::string_view s) {
    std::string out;
    escape_attr(s, out);
    return out;
}

TEST(Serializer, EscapeText) {
    EXPECT_EQ(esc_text("a & b < c > d \"e\" 'f'"), "a &amp; b &lt; c &gt; d \"e\" 'f'");
    EXPECT_EQ(esc_text("]]>"), "]]&gt;");
    EXPECT_EQ(esc_text("line\nnext\ttab"), "line\nnext\ttab");
    EXPECT_EQ(esc_text("cr\r"), "cr&#13;");  // or a parser would read LF
    EXPECT_EQ(esc_text(""), "");
}

TEST(Serializer, EscapeAttribute) {
    EXPECT_EQ(esc_attr("a & b < c > d \"e\" 'f'"),
              "a &amp; b &lt; c &gt; d &quot;e&quot; &apos;f&apos;");
    // Attribute value normalisation would turn these into spaces.
    EXPECT_EQ(esc_attr("1\t2\n3\r4"), "1&#9;2&#10;3&#13;4");
}

// Every special byte at every position of strings long enough to cross the
// serializer's 16-byte fast scan, against the same escaping done one piece at
// a time.
TEST(Serializer, EscapingIsTheSameAtEveryPosition) {
    const std::vector<std::pair<std::string, std::pair<std::string, std::string>>> pieces = {
        {"&", {"&amp;", "&amp;"}},         {"<", {"&lt;", "&lt;"}},
        {">", {"&gt;", "&gt;"}},           {"\"", {"\"", "&quot;"}},
        {"'", {"'", "&apos;"}},            {"\r", {"&#13;", "&#13;"}},
        {"\t", {"\t", "&#9;"}},            {"\x01", {"\xEF\xBF\xBD", "\xEF\xBF\xBD"}},
        {"\xC3\xA9", {"\xC3\xA9", "\xC3\xA9"}}, {"\xFF", {"\xEF\xBF\xBD", "\xEF\xBF\xBD"}},
    };
    for (const auto& [raw, escaped] : pieces) {
        for (std::size_t len = 0; len <= 40; ++len) {
            for (std::size_t k = 0; k <= len; ++k) {
                std::string in = std::string(k, 'a') + raw + std::string(len - k, 'b');
                std::string text = std::string(k, 'a') + escaped.first + std::string(len - k, 'b');
                std::string attr = std::string(k, 'a') + escaped.second + std::string(len - k, 'b');
                ASSERT_EQ(esc_text(in), text) << "piece " << raw << " at " << k << " of " << len;
                ASSERT_EQ(esc_attr(in), attr) << "piece " << raw << " at " << k << " of " << len;
            }
        }
    }
}

TEST(Serializer, Rfc6120_11_6_Utf8) {
    // Valid UTF-8 is written as is: 2-, 3- and 4-byte sequences.
    std::string utf8 = "\xC3\xA9t\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80";
    EXPECT_EQ(esc_text(utf8), utf8);
    EXPECT_EQ(esc_attr(utf8), utf8);
    // Anything else becomes U+FFFD, so the output is always well-formed.
    const std::string fffd = "\xEF\xBF\xBD";
    EXPECT_EQ(esc_text("a\xFF"
                       "b"),
              "a" + fffd + "b");
    EXPECT_EQ(esc_text("\xC3"), fffd);                        // truncated
    EXPECT_EQ(esc_text("\xC0\xAF"), fffd + fffd);             // overlong
    EXPECT_EQ(esc_text("\xED\xA0\x80"), fffd + fffd + fffd);  // surrogate
    EXPECT_EQ(esc_text("\xEF\xBF\xBF"), fffd + fffd + fffd);  // U+FFFF
    EXPECT_EQ(esc_text(std::string("a\0b\x01", 4)), "a" + fffd + "b" + fffd);
}

TEST(Serializer, AttributesUseDoubleQuotesAndEmptyElementsSelfClose) {
    Element e("x", "");
    e.set_attr("a", "it's \"quoted\"").set_attr("b", "");
    EXPECT_EQ(to_string(e), "<x a=\"it&apos;s &quot;quoted&quot;\" b=\"\"/>");
    Element with_empty_text("y", "");
    with_empty_text.add_text("");
    EXPECT_EQ(to_string(with_empty_text), "<y/>");
}

TEST(Serializer, TextAndChildrenInOrder) {
    Element body("body", "");
    body.add_text("1 < 2 & 3 > 2");
    body.add("br", "");
    body.add_text("next");
    EXPECT_EQ(to_string(body), "<body>1 &lt; 2 &amp; 3 &gt; 2<br/>next</body>");
}

TEST(Serializer, Rfc6120_4_8_3_TopLevelStanzaOmitsContentNamespace) {
    auto msg = Element::make("message", kClient);
    msg->set_attr("to", "juliet@example.com");
    msg->add_text_child("body", kClient, "hi");
    msg->add("x", "urn:x").add("y", "urn:x");
    const std::string bare =
        "<message to=\"juliet@example.com\"><body>hi</body>"
        "<x xmlns=\"urn:x\"><y/></x></message>";
    EXPECT_EQ(to_string(*msg, {kClient}), bare);
    // A jabber:client stanza goes unchanged over a jabber:server stream.
    EXPECT_EQ(to_string(*msg, {kServer}), bare);
    auto s2s = Element::make("presence", kServer);
    s2s->add("status", kServer).add_text("away");
    EXPECT_EQ(to_string(*s2s, {kClient}), "<presence><status>away</status></presence>");
    // Outside a stream, or in another content namespace, xmlns is written.
    EXPECT_EQ(to_string(*msg),
              "<message xmlns=\"jabber:client\" to=\"juliet@example.com\"><body>hi</body>"
              "<x xmlns=\"urn:x\"><y/></x></message>");
    EXPECT_EQ(to_string(*msg, {"jabber:component:accept"}).substr(0, 32),
              "<message xmlns=\"jabber:client\" t");
}

TEST(Serializer, NamespaceDeclaredOnlyWhereItChanges) {
    Element iq("iq", kClient);
    auto& query = iq.add("query", "jabber:iq:roster");
    query.add("item", "jabber:iq:roster").add("group", "jabber:iq:roster").add_text("g");
    auto& other = query.add("x", "urn:x");
    other.add("back", "jabber:iq:roster");
    other.add("none", "");
    EXPECT_EQ(to_string(iq, {kClient}),
              "<iq><query xmlns=\"jabber:iq:roster\"><item><group>g</group></item>"
              "<x xmlns=\"urn:x\"><back xmlns=\"jabber:iq:roster\"/><none xmlns=\"\"/></x>"
              "</query></iq>");
    // An element in no namespace at top level of a non-stream document.
    EXPECT_EQ(to_string(Element("plain", "")), "<plain/>");
    // The top-level exemption applies only to the top level.
    Element wrapper("forwarded", "urn:xmpp:forward:0");
    wrapper.add("message", kClient);
    EXPECT_EQ(to_string(wrapper, {kClient}),
              "<forwarded xmlns=\"urn:xmpp:forward:0\"><message xmlns=\"jabber:client\"/>"
              "</forwarded>");
}

TEST(Serializer, Rfc6120_4_StreamsNamespaceUsesTheStreamPrefix) {
    Element features("features", std::string(kStreamsNs));
    features.add("starttls", kTls).add("required", kTls);
    features.add("mechanisms", "urn:ietf:params:xml:ns:xmpp-sasl")
        .add_text_child("mechanism", "urn:ietf:params:xml:ns:xmpp-sasl", "PLAIN");
    EXPECT_EQ(to_string(features, {kClient}),
              "<stream:features><starttls xmlns=\"urn:ietf:params:xml:ns:xmpp-tls\"><required/>"
              "</starttls><mechanisms xmlns=\"urn:ietf:params:xml:ns:xmpp-sasl\">"
              "<mechanism>PLAIN</mechanism></mechanisms></stream:features>");
    Element error("error", std::string(kStreamsNs));
    error.add("not-well-formed", "urn:ietf:params:xml:ns:xmpp-streams");
    EXPECT_EQ(to_string(error, {kServer}),
              "<stream:error><not-well-formed xmlns=\"urn:ietf:params:xml:ns:xmpp-streams\"/>"
              "</stream:error>");
    // Outside a stream nobody declared the prefix, so the element does.
    EXPECT_EQ(to_string(error),
              "<stream:error xmlns:stream=\"http://etherx.jabber.org/streams\">"
              "<not-well-formed xmlns=\"urn:ietf:params:xml:ns:xmpp-streams\"/></stream:error>");
}


TEST(Serializer, Xep0220_2_DialbackElementsUseTheDbPrefix) {
    constexpr const char* kDialback = "jabber:server:dialback";
    Element result("result", kDialback);
    result.set_attr("from", "a.test");
    result.set_attr("to", "b.test");
    result.set_attr("type", "error");
    result.add("error", kServer).add("item-not-found", "urn:ietf:params:xml:ns:xmpp-stanzas");
    // As XEP-0220 §2.4 writes it: <db:result/>, its <error/> in jabber:server.
    EXPECT_EQ(to_string(result, {kServer, /*dialback_prefix=*/true}),
              "<db:result from=\"a.test\" to=\"b.test\" type=\"error\"><error>"
              "<item-not-found xmlns=\"urn:ietf:params:xml:ns:xmpp-stanzas\"/></error>"
              "</db:result>");
    Element verify("verify", kDialback);
    verify.add_text("k3y");
    EXPECT_EQ(to_string(verify, {kServer, true}), "<db:verify>k3y</db:verify>");
    // Without the declaration, the namespace is declared as a default one.
    EXPECT_EQ(to_string(verify, {kServer}),
              "<verify xmlns=\"jabber:server:dialback\">k3y</verify>");
}
TEST(Serializer, XmlLangAndNamespacedAttributes) {
    Element e("x", "urn:x");
    e.set_attr("xml:lang", "en");
    e.set_attr("urn:p a", "1");
    e.set_attr("plain", "2");
    e.set_attr("urn:q b", "3");
    e.set_attr("urn:p c", "4");
    e.set_attr("http://www.w3.org/XML/1998/namespace space", "preserve");
    e.set_attr("xmlns", "ignored");
    EXPECT_EQ(to_string(e),
              "<x xmlns=\"urn:x\" xml:lang=\"en\" xmlns:ns1=\"urn:p\" ns1:a=\"1\" plain=\"2\" "
              "xmlns:ns2=\"urn:q\" ns2:b=\"3\" ns1:c=\"4\" xml:space=\"preserve\"/>");
}

TEST(Serializer, Rfc6120_4_7_StreamHeader) {
    Element header("stream", std::string(kStreamsNs));
    header.set_attr("from", "example.com");
    header.set_attr("id", "a<b&'c\"");
    header.set_attr("version", "1.0");
    header.set_attr("xml:lang", "en");
    EXPECT_EQ(stream_header(header, kClient),
              "<?xml version='1.0'?><stream:stream xmlns='jabber:client' "
              "xmlns:stream='http://etherx.jabber.org/streams' from=\"example.com\" "
              "id=\"a&lt;b&amp;&apos;c&quot;\" version=\"1.0\" xml:lang=\"en\">");
    EXPECT_EQ(kStreamClose, "</stream:stream>");
}

TEST(Serializer, StreamHeaderParsesBack) {
    Element header("stream", std::string(kStreamsNs));
    header.set_attr("to", "example.com");
    header.set_attr("xml:lang", "fr");
    StreamParser parser;
    std::vector<ParseEvent> events;
    ASSERT_EQ(parser.feed(stream_header(header, kServer), events), ParseError::none);
    ASSERT_EQ(events.size(), 1u);
    const auto& open = std::get<StreamOpen>(events[0]);
    EXPECT_EQ(open.content_ns, kServer);
    EXPECT_TRUE(equal(*open.header, header));
    ASSERT_EQ(parser.feed(kStreamClose, events), ParseError::none);
    EXPECT_TRUE(std::holds_alternative<StreamClose>(events.back()));
}

ElementPtr sample_tree() {
    auto msg = Element::make("message", kClient);
    msg->set_attr("to", "juliet@example.com/balcony");
    msg->set_attr("id", "a'b\"c<d>&e");
    msg->set_attr("xml:lang", "en");
    msg->set_attr("note", "tab\there\nnew line\r\n");
    msg->add_text_child("body", kClient, "O Romeo & <Juliet> \xE2\x9D\xA4 \"'\r\n]]>");
    auto& x = msg->add("x", "urn:x");
    x.set_attr("urn:p attr", "v");
    x.add_text("  ");
    x.add("y", "urn:x").add("z", "").add_text("no namespace");
    x.add_text(" tail ");
    x.add("back", kClient);
    msg->add("error", std::string(kStreamsNs)).add("text", "urn:ietf:params:xml:ns:xmpp-streams");
    return msg;
}

TEST(Serializer, RoundTripThroughParseElement) {
    auto tree = sample_tree();
    auto text = to_string(*tree);
    ParseError err = ParseError::none;
    auto back = parse_element(text, &err);
    ASSERT_NE(back, nullptr) << to_string(err) << " in " << text;
    EXPECT_TRUE(equal(*tree, *back)) << text << "\n" << to_string(*back);
    // And the text is stable.
    EXPECT_EQ(to_string(*back), text);
}

TEST(Serializer, RoundTripThroughAStream) {
    auto tree = sample_tree();
    std::string data = stream_header(Element("stream", std::string(kStreamsNs)), kClient);
    data += to_string(*tree, {kClient});
    data += kStreamClose;
    StreamParser parser;
    std::vector<ParseEvent> events;
    for (char c : data) {
        ASSERT_EQ(parser.feed(std::string_view(&c, 1), events), ParseError::none);
    }
    ASSERT_EQ(events.size(), 3u);
    const auto& back = std::get<ElementPtr>(events[1]);
    EXPECT_TRUE(equal(*tree, *back)) << data << "\n" << to_string(*back);
}

TEST(Serializer, JabberServerStanzaReadOverJabberClientStream) {
    // RFC 6120 §4.8.3: written without xmlns, the stanza takes the receiving
    // stream's content namespace.
    Element presence("presence", kServer);
    presence.add("status", kServer).add_text("here");
    auto data = stream_header(Element("stream", std::string(kStreamsNs)), kClient) +
                to_string(presence, {kServer});
    StreamParser parser;
    std::vector<ParseEvent> events;
    ASSERT_EQ(parser.feed(data, events), ParseError::none);
    ASSERT_EQ(events.size(), 2u);
    const auto& back = *std::get<ElementPtr>(events[1]);
    EXPECT_TRUE(back.is("presence", kClient));
    EXPECT_EQ(back.child_text("status", kClient), "here");
}

}  // namespace
}  // namespace parley::xml
