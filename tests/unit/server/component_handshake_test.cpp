// Tests for stream/component_session: the XEP-0114 §3 handshake value and the
// jabber:client <-> jabber:component:accept conversion of stanzas.
#include "stream/component_session.hpp"

#include <gtest/gtest.h>

#include <cctype>
#include <string>

#include "xml/serializer.hpp"
#include "xml/stream_parser.hpp"
#include "xmpp/ns.hpp"

namespace parley {
namespace {

// Known SHA-1 values (FIPS 180 examples and the usual test strings), split
// into "stream id" + "secret" since the handshake hashes their concatenation.
TEST(ComponentHandshake, Xep0114_3_IsHexSha1OfStreamIdThenSecret) {
    EXPECT_EQ(component_handshake_digest("a", "bc"), "a9993e364706816aba3e25717850c26c9cd0d89d");
    EXPECT_EQ(component_handshake_digest("abc", ""), "a9993e364706816aba3e25717850c26c9cd0d89d");
    EXPECT_EQ(component_handshake_digest("", ""), "da39a3ee5e6b4b0d3255bfef95601890afd80709");
    EXPECT_EQ(component_handshake_digest("The quick brown fox ", "jumps over the lazy dog"),
              "2fd4e1c67a2d28fced849ee1bb76e7391b93eb12");
}

TEST(ComponentHandshake, Xep0114_3_OrderIsStreamIdFirst) {
    EXPECT_NE(component_handshake_digest("bc", "a"), component_handshake_digest("a", "bc"));
}

TEST(ComponentHandshake, Xep0114_3_LowerCaseHexOf40Characters) {
    auto d = component_handshake_digest("3BF96D32", "s3cr3t");
    ASSERT_EQ(d.size(), 40u);
    for (char c : d) {
        EXPECT_TRUE((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')) << d;
    }
}

TEST(ComponentHandshake, MatchesTheRightValueOnly) {
    const auto good = component_handshake_digest("abc123", "secret");
    EXPECT_TRUE(component_handshake_matches(good, "abc123", "secret"));
    EXPECT_FALSE(component_handshake_matches(good, "abc123", "Secret"));
    EXPECT_FALSE(component_handshake_matches(good, "abc124", "secret"));
    EXPECT_FALSE(component_handshake_matches(good.substr(0, 39), "abc123", "secret"));
    EXPECT_FALSE(component_handshake_matches(good + "0", "abc123", "secret"));
    EXPECT_FALSE(component_handshake_matches("", "abc123", "secret"));
}

TEST(ComponentHandshake, ToleratesWhitespaceAndUpperCase) {
    const auto good = component_handshake_digest("abc123", "secret");
    std::string upper = good;
    for (auto& c : upper) {
        c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    }
    EXPECT_TRUE(component_handshake_matches("\n  " + good + "\n", "abc123", "secret"));
    EXPECT_TRUE(component_handshake_matches(upper, "abc123", "secret"));
}

TEST(ComponentStanzas, RenamesTheStanzaNamespaceAtEveryDepth) {
    auto in = xml::parse_element(
        "<message xmlns='jabber:component:accept' from='bot@c.example' to='a@example.org'>"
        "<body>hi</body><x xmlns='urn:example:x'><y/></x></message>");
    ASSERT_TRUE(in);
    auto out = rename_namespace(*in, {ns::component_accept}, ns::client);
    EXPECT_TRUE(out->is("message", ns::client));
    EXPECT_EQ(out->attr_or("from"), "bot@c.example");
    EXPECT_EQ(out->attr_or("to"), "a@example.org");
    ASSERT_NE(out->child("body", ns::client), nullptr);
    EXPECT_EQ(out->child("body", ns::client)->text(), "hi");
    // A payload with nothing to rename is shared, not copied.
    EXPECT_EQ(out->child("x", "urn:example:x"), in->child("x", "urn:example:x"));
    // The input is unchanged.
    EXPECT_TRUE(in->is("message", ns::component_accept));
}

TEST(ComponentStanzas, Xep0114_WrittenInTheComponentNamespaceWithoutXmlns) {
    auto in = xml::parse_element(
        "<message xmlns='jabber:client' from='a@example.org/r' to='bot@c.example' type='chat'>"
        "<body>hi &amp; bye</body><x xmlns='urn:example:x'/></message>");
    ASSERT_TRUE(in);
    auto out = rename_namespace(*in, {ns::client, ns::server}, ns::component_accept);
    EXPECT_EQ(xml::to_string(*out, {ns::component_accept}),
              "<message from=\"a@example.org/r\" to=\"bot@c.example\" type=\"chat\">"
              "<body>hi &amp; bye</body><x xmlns=\"urn:example:x\"/></message>");
}

TEST(ComponentStanzas, RoundTripIsStructurallyEqual) {
    auto original = xml::parse_element(
        "<iq xmlns='jabber:client' type='get' id='1' to='c.example'>"
        "<query xmlns='http://jabber.org/protocol/disco#info'/></iq>");
    ASSERT_TRUE(original);
    auto wire = rename_namespace(*original, {ns::client}, ns::component_accept);
    auto back = rename_namespace(*wire, {ns::component_accept}, ns::client);
    EXPECT_TRUE(xml::equal(*back, *original));
}

}  // namespace
}  // namespace parley
