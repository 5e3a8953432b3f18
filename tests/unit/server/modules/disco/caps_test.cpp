// XEP-0115 Entity Capabilities v1.6.0 §5.1 verification string, checked
// against the worked examples of §5.2 (simple) and §5.3 (complex, with
// xml:lang identities and an XEP-0128 form).
#include "modules/disco/caps.hpp"

#include <gtest/gtest.h>

namespace parley::mod::disco {
namespace {

const std::vector<std::string> kExodusFeatures = {
    // Deliberately not in sorted order: §5.1 step 4 sorts them.
    "http://jabber.org/protocol/muc",
    "http://jabber.org/protocol/disco#info",
    "http://jabber.org/protocol/caps",
    "http://jabber.org/protocol/disco#items",
};

TEST(Caps, Xep0115_5_2_SimpleExampleString) {
    EXPECT_EQ(caps_string({{"client", "pc", "", "Exodus 0.9.1"}}, kExodusFeatures),
              "client/pc//Exodus 0.9.1<http://jabber.org/protocol/caps<"
              "http://jabber.org/protocol/disco#info<http://jabber.org/protocol/disco#items<"
              "http://jabber.org/protocol/muc<");
}

TEST(Caps, Xep0115_5_2_SimpleExampleVer) {
    EXPECT_EQ(caps_ver_sha1({{"client", "pc", "", "Exodus 0.9.1"}}, kExodusFeatures),
              "QgayPKawpkPSDYmwT/WM94uAlu0=");
}

TEST(Caps, Xep0115_5_3_ComplexExampleVer) {
    // Identities given "en" first: §5.1 step 2 sorts by xml:lang, "el" < "en".
    std::vector<CapsIdentity> ids = {
        {"client", "pc", "en", "Psi 0.11"},
        {"client", "pc", "el", "\xCE\xA8 0.11"},  // U+03A8 GREEK CAPITAL LETTER PSI
    };
    std::vector<CapsForm> forms = {{"urn:xmpp:dataforms:softwareinfo",
                                    {
                                        {"software_version", {"0.11"}},
                                        {"os", {"Mac"}},
                                        {"ip_version", {"ipv6", "ipv4"}},
                                        {"software", {"Psi"}},
                                        {"os_version", {"10.5.1"}},
                                    }}};
    EXPECT_EQ(caps_string(ids, kExodusFeatures, forms),
              "client/pc/el/\xCE\xA8 0.11<client/pc/en/Psi 0.11<"
              "http://jabber.org/protocol/caps<http://jabber.org/protocol/disco#info<"
              "http://jabber.org/protocol/disco#items<http://jabber.org/protocol/muc<"
              "urn:xmpp:dataforms:softwareinfo<ip_version<ipv4<ipv6<os<Mac<os_version<10.5.1<"
              "software<Psi<software_version<0.11<");
    EXPECT_EQ(caps_ver_sha1(ids, kExodusFeatures, forms), "q07IKJEyjvHSyhy//CH0CxmKi8w=");
}

TEST(Caps, Xep0115_5_1_OctetCollationSortsBytesNotLocale) {
    // "i;octet": upper case (0x41..) sorts before lower case (0x61..), and a
    // byte >= 0x80 sorts after every ASCII byte.
    EXPECT_EQ(caps_string({}, {"b", "\xC3\xA9", "B", "a"}), "B<a<b<\xC3\xA9<");
}

TEST(Caps, Xep0115_5_1_EmptyPartsKeepEverySlash) {
    EXPECT_EQ(caps_string({{"server", "im", "", ""}}, {}), "server/im//<");
}

}  // namespace
}  // namespace parley::mod::disco
