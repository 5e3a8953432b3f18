// XEP-0115 v1.6 §5.4 verification of a disco#info answer and the caps cache.

#include <gtest/gtest.h>

#include "modules/pep/caps_cache.hpp"
#include "xml/stream_parser.hpp"

namespace parley::mod::pep {
namespace {

// §5.2 Simple Generation Example: ver QgayPKawpkPSDYmwT/WM94uAlu0=.
constexpr const char* kSimple =
    "<query xmlns='http://jabber.org/protocol/disco#info' "
    "node='http://code.google.com/p/exodus#QgayPKawpkPSDYmwT/WM94uAlu0='>"
    "<identity category='client' name='Exodus 0.9.1' type='pc'/>"
    "<feature var='http://jabber.org/protocol/caps'/>"
    "<feature var='http://jabber.org/protocol/disco#info'/>"
    "<feature var='http://jabber.org/protocol/disco#items'/>"
    "<feature var='http://jabber.org/protocol/muc'/>"
    "</query>";

// §5.3 Complex Generation Example: ver q07IKJEyjvHSyhy//CH0CxmKi8w=.
constexpr const char* kComplex =
    "<query xmlns='http://jabber.org/protocol/disco#info' "
    "node='http://psi-im.org#q07IKJEyjvHSyhy//CH0CxmKi8w='>"
    "<identity xml:lang='en' category='client' name='Psi 0.11' type='pc'/>"
    "<identity xml:lang='el' category='client' name='&#936; 0.11' type='pc'/>"
    "<feature var='http://jabber.org/protocol/caps'/>"
    "<feature var='http://jabber.org/protocol/disco#info'/>"
    "<feature var='http://jabber.org/protocol/disco#items'/>"
    "<feature var='http://jabber.org/protocol/muc'/>"
    "<x xmlns='jabber:x:data' type='result'>"
    "<field var='FORM_TYPE' type='hidden'><value>urn:xmpp:dataforms:softwareinfo</value></field>"
    "<field var='ip_version'><value>ipv4</value><value>ipv6</value></field>"
    "<field var='os'><value>Mac</value></field>"
    "<field var='os_version'><value>10.5.1</value></field>"
    "<field var='software'><value>Psi</value></field>"
    "<field var='software_version'><value>0.11</value></field>"
    "</x></query>";

TEST(Caps, SimpleExampleHash) {
    auto q = xml::parse_element(kSimple);
    ASSERT_TRUE(q);
    EXPECT_EQ(sha1_ver_of_info(*q), "QgayPKawpkPSDYmwT/WM94uAlu0=");
    EXPECT_EQ(features_of_info(*q).count("http://jabber.org/protocol/muc"), 1u);
}

TEST(Caps, ComplexExampleHashWithLanguagesAndForm) {
    auto q = xml::parse_element(kComplex);
    ASSERT_TRUE(q);
    EXPECT_EQ(sha1_ver_of_info(*q), "q07IKJEyjvHSyhy//CH0CxmKi8w=");
}

// §5.4 3.4: a duplicate feature makes the answer unverifiable.
TEST(Caps, DuplicateFeatureIsRejected) {
    auto q = xml::parse_element(
        "<query xmlns='http://jabber.org/protocol/disco#info'>"
        "<identity category='client' type='pc'/>"
        "<feature var='a'/><feature var='a'/></query>");
    EXPECT_EQ(sha1_ver_of_info(*q), "");
}

TEST(Caps, CapsOfPresence) {
    auto p = xml::parse_element(
        "<presence xmlns='jabber:client'><c xmlns='http://jabber.org/protocol/caps' "
        "hash='sha-1' node='http://code.google.com/p/exodus' "
        "ver='QgayPKawpkPSDYmwT/WM94uAlu0='/></presence>");
    auto c = caps_of(*p);
    ASSERT_TRUE(c);
    EXPECT_EQ(c->hash, "sha-1");
    EXPECT_EQ(c->ver, "QgayPKawpkPSDYmwT/WM94uAlu0=");
    EXPECT_FALSE(caps_of(*xml::parse_element("<presence xmlns='jabber:client'/>")));
}

TEST(CapsCache, BoundedOldestFirstAndOneQueryPerVer) {
    CapsCache cache(2);
    EXPECT_TRUE(cache.start_query("a"));
    EXPECT_FALSE(cache.start_query("a"));  // in flight
    cache.insert("a", {"x+notify"});
    cache.end_query("a");
    EXPECT_FALSE(cache.start_query("a"));  // known now
    cache.insert("b", {});
    cache.insert("c", {});
    EXPECT_EQ(cache.size(), 2u);
    EXPECT_FALSE(cache.find("a"));
    ASSERT_TRUE(cache.find("c"));
    EXPECT_TRUE(cache.find("c")->empty());
}

}  // namespace
}  // namespace parley::mod::pep
