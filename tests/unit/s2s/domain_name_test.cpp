// Domain names in the form s2s compares and queries them (RFC 6125 §6.4.1-§6.4.2).
#include "s2s/domain_name.hpp"

#include <gtest/gtest.h>

#include <string>

namespace parley::s2s {
namespace {

TEST(DomainName, Rfc6125_6_4_1_AsciiIsLowerCased) {
    EXPECT_EQ(to_ascii_domain("XMPP.Example.COM"), "xmpp.example.com");
    EXPECT_EQ(to_ascii_domain("localhost"), "localhost");
}

TEST(DomainName, Rfc6125_6_4_2_ULabelsBecomeALabels) {
    EXPECT_EQ(to_ascii_domain("bücher.example"), "xn--bcher-kva.example");
    EXPECT_EQ(to_ascii_domain("Bücher.Example"), "xn--bcher-kva.example");
    EXPECT_EQ(to_ascii_domain("XN--BCHER-KVA.example"), "xn--bcher-kva.example");
}

TEST(DomainName, Rfc7622_3_2_OneTrailingDotDropped) {
    EXPECT_EQ(to_ascii_domain("example.com."), "example.com");
    EXPECT_EQ(to_ascii_domain("example.com.."), std::nullopt);
}

TEST(DomainName, UnusableNamesRefused) {
    EXPECT_EQ(to_ascii_domain(""), std::nullopt);
    EXPECT_EQ(to_ascii_domain("."), std::nullopt);
    EXPECT_EQ(to_ascii_domain(".example.com"), std::nullopt);
    EXPECT_EQ(to_ascii_domain("a..b"), std::nullopt);
    EXPECT_EQ(to_ascii_domain(std::string("a\0b.example", 11)), std::nullopt);
}

TEST(DomainName, Rfc6125_6_4_1_CaseInsensitiveAsciiOnly) {
    EXPECT_TRUE(iequals_ascii("Example.COM", "example.com"));
    EXPECT_FALSE(iequals_ascii("example.com", "example.co"));
    EXPECT_FALSE(iequals_ascii("Ü", "ü"));  // no Unicode case folding here
    EXPECT_EQ(lower_ascii("AbC-1.Ü"), "abc-1.Ü");
}

}  // namespace
}  // namespace parley::s2s
