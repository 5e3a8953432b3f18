// XEP-0185 v1.0 dialback keys: the §3 worked example and the properties §2
// asks for.
#include "s2s/dialback.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <string>

namespace parley::s2s {
namespace {

// XEP-0185 §3 "Data Used in Examples".
constexpr std::string_view kSecret = "s3cr3tf0rd14lb4ck";
constexpr std::string_view kReceiving = "xmpp.example.com";
constexpr std::string_view kOriginating = "example.org";
constexpr std::string_view kStreamId = "D60000229F";
constexpr std::string_view kExampleKey =
    "37c69b1cf07a3f67c04a5ef5902fa5114f2c76fe4a2686482ba5b89323075643";

bool is_lower_hex(const std::string& s) {
    return std::all_of(s.begin(), s.end(),
                       [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

TEST(Dialback, Xep0185_3_ExampleKey) {
    EXPECT_EQ(dialback_key(kSecret, kReceiving, kOriginating, kStreamId), kExampleKey);
    EXPECT_EQ(DialbackSecret(kSecret).key(kReceiving, kOriginating, kStreamId), kExampleKey);
}

TEST(Dialback, Xep0220_2_1_1_ExampleKey) {
    // XEP-0220 §2.1.1: capulet.example (secret as above) sends a key to
    // montague.example on the stream with ID D60000229F.
    EXPECT_EQ(dialback_key(kSecret, "montague.example", "capulet.example", "D60000229F"),
              "b4835385f37fe2895af6c196b59097b16862406db80559900d96bf6fa7d23df3");
}

TEST(Dialback, Xep0185_3_AuthoritativeServerVerifiesExampleKey) {
    const DialbackSecret secret(kSecret);
    // Step 9: the Authoritative Server recomputes the key from <db:verify/>.
    EXPECT_TRUE(secret.verify(kExampleKey, kReceiving, kOriginating, kStreamId));
}

TEST(Dialback, Xep0185_2_KeyIs64LowerCaseHexDigits) {
    const std::string key = dialback_key("secret", "a.example", "b.example", "id1");
    EXPECT_EQ(key.size(), 64u);
    EXPECT_TRUE(is_lower_hex(key)) << key;
}

TEST(Dialback, Xep0185_2_DifferentStreamIdGivesDifferentKey) {
    const DialbackSecret secret(kSecret);
    EXPECT_NE(secret.key(kReceiving, kOriginating, "D60000229F"),
              secret.key(kReceiving, kOriginating, "D60000229G"));
}

TEST(Dialback, Xep0185_2_EveryInputChangesTheKey) {
    const DialbackSecret secret(kSecret);
    const std::string base = secret.key(kReceiving, kOriginating, kStreamId);
    EXPECT_NE(base, secret.key("other.example.com", kOriginating, kStreamId));
    EXPECT_NE(base, secret.key(kReceiving, "other.example.org", kStreamId));
    // Receiving and originating servers are not interchangeable.
    EXPECT_NE(base, secret.key(kOriginating, kReceiving, kStreamId));
    EXPECT_NE(base, DialbackSecret("another secret").key(kReceiving, kOriginating, kStreamId));
}

TEST(Dialback, Xep0185_2_SpaceDelimiterAvoidsConcatenationAmbiguity) {
    // §2 note 5's own example: "example.inform.example.org".
    const DialbackSecret secret(kSecret);
    EXPECT_NE(secret.key("example.info", "rm.example.org", "id"),
              secret.key("example.in", "form.example.org", "id"));
}

TEST(Dialback, Xep0185_2_SameInputsSameKey) {
    EXPECT_EQ(DialbackSecret("s").key("a", "b", "c"), DialbackSecret("s").key("a", "b", "c"));
}

TEST(Dialback, Xep0220_VerifyRejectsWrongKeys) {
    const DialbackSecret secret(kSecret);
    std::string wrong(kExampleKey);
    wrong.back() = wrong.back() == '3' ? '4' : '3';
    EXPECT_FALSE(secret.verify(wrong, kReceiving, kOriginating, kStreamId));
    EXPECT_FALSE(secret.verify(kExampleKey.substr(1), kReceiving, kOriginating, kStreamId));
    EXPECT_FALSE(secret.verify("", kReceiving, kOriginating, kStreamId));
    EXPECT_FALSE(secret.verify(kExampleKey, kReceiving, kOriginating, "other-stream"));
}

TEST(Dialback, Xep0220_VerifyIgnoresSurroundingXmlWhitespace) {
    // XEP-0185 §3 shows the key on its own indented line inside <db:result/>.
    const DialbackSecret secret(kSecret);
    const std::string text = "\n    " + std::string(kExampleKey) + "\n";
    EXPECT_TRUE(secret.verify(text, kReceiving, kOriginating, kStreamId));
    EXPECT_FALSE(secret.verify("  \n\t ", kReceiving, kOriginating, kStreamId));
}

TEST(Dialback, Xep0185_2_UpperCaseHexIsNotTheKey) {
    // §2 note 4 fixes the representation; only the lower-case form verifies.
    std::string upper(kExampleKey);
    std::transform(upper.begin(), upper.end(), upper.begin(),
                   [](char c) { return static_cast<char>(std::toupper(c)); });
    EXPECT_FALSE(DialbackSecret(kSecret).verify(upper, kReceiving, kOriginating, kStreamId));
}

TEST(Dialback, KeysEqualIsExactEquality) {
    EXPECT_TRUE(dialback_keys_equal("abc", "abc"));
    EXPECT_TRUE(dialback_keys_equal("", ""));
    EXPECT_FALSE(dialback_keys_equal("abc", "abd"));
    EXPECT_FALSE(dialback_keys_equal("abc", "abcd"));
    EXPECT_FALSE(dialback_keys_equal("abc", ""));
}

TEST(Dialback, Xep0185_2_GeneratedSecretsDiffer) {
    const DialbackSecret a = DialbackSecret::generate();
    const DialbackSecret b = DialbackSecret::generate();
    EXPECT_NE(a.key(kReceiving, kOriginating, kStreamId),
              b.key(kReceiving, kOriginating, kStreamId));
    EXPECT_TRUE(a.verify(a.key(kReceiving, kOriginating, kStreamId), kReceiving, kOriginating,
                         kStreamId));
}

}  // namespace
}  // namespace parley::s2s
